// Issue #8 (a) and the store side of issue #13:
//   - serve mode's POST /upload?kind=base takes a zip of a diffusers base folder, unpacks it safely (path
//     traversal, links, bombs refused) and answers a folder FileRef that checkpoints:import uses as `base`;
//   - the blob store's adoptFile verifies the hash whichever way it stores (a wrong file stores nothing);
//   - migration 010 counts checkpoints imported before it as accepted, and new imports as accepted too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { startServer, type ServeHandle } from '../../main/serve/server.ts';
import { readZip, safeEntryName } from '../../main/hub/zip.ts';
import { commercialUseOf } from '../../main/hub/licence.ts';
import { migrate } from '../../main/store/migrate.ts';
import { openDatabase } from '../../main/store/database.ts';
import { openProject } from '../../main/store/index.ts';
import type { FileRef, Result } from '../../preload/contract.ts';
import { fixturesDir } from '../helpers/fixtures.ts';
import { makeHost, type TestHost } from './api-helpers.ts';

const baseDir = join(fixturesDir, 'leffa-tiny', 'base', 'tiny-stable-diffusion-inpainting');
const BASE_FILES = ['unet/config.json', 'vae/config.json', 'scheduler/scheduler_config.json'];

/** A zip archive written by hand (local headers, central directory, end record); deflate or stored. */
function zip(entries: { name: string; data?: Buffer; symlink?: boolean; store?: boolean; declaredSize?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    const name = Buffer.from(e.name, 'utf8');
    const method = e.store || data.length === 0 ? 0 : 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const crc = crc32(data) >>> 0;
    const usize = e.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(body.length, 18); local.writeUInt32LE(usize, 22); local.writeUInt16LE(name.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0); cen.writeUInt16LE((e.symlink ? 3 : 0) << 8 | 20, 4); cen.writeUInt16LE(20, 6); cen.writeUInt16LE(method, 10);
    cen.writeUInt32LE(crc, 16); cen.writeUInt32LE(body.length, 20); cen.writeUInt32LE(usize, 24); cen.writeUInt16LE(name.length, 28);
    cen.writeUInt32LE(e.symlink ? (0o120777 << 16) >>> 0 : 0, 38); cen.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    central.push(cen, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const baseEntries = (prefix: string) => BASE_FILES.map((f) => ({ name: `${prefix}${f}`, data: readFileSync(join(baseDir, f)) }));

let t: TestHost;
let handle: ServeHandle;
let url: string;
let uploadDir: string;

before(async () => {
  t = await makeHost();
  uploadDir = join(t.dir, 'uploads');
  mkdirSync(uploadDir);
  handle = await startServer({
    dispatch: t.host.dispatch, staticDir: join(t.dir, 'no-renderer'), blobs: (hash) => t.host.catalog.blob(hash),
    uploads: { files: t.host.files, dir: uploadDir }, events: t.host.events,
  });
  url = `http://127.0.0.1:${handle.port}`;
});
after(async () => {
  await handle.close();
  await t.close();
});

async function upload(body: Buffer, query: string): Promise<{ status: number; result: Result<FileRef> }> {
  const res = await fetch(`${url}/upload${query}`, { method: 'POST', body: new Uint8Array(body), headers: { authorization: `Bearer ${handle.token}` } });
  return { status: res.status, result: (await res.json()) as Result<FileRef> };
}

test('serve: a zipped base folder becomes a folder FileRef that checkpoints:import takes as its base', async () => {
  await t.ok('project:create', { name: 'Zip base' });
  const weights = await fetch(`${url}/upload?name=weights.safetensors&kind=checkpoint`, {
    method: 'POST', body: new Uint8Array(readFileSync(join(fixturesDir, 'leffa-tiny', 'weights.safetensors'))), headers: { authorization: `Bearer ${handle.token}` },
  });
  const weightsRef = ((await weights.json()) as Result<FileRef> & { ok: true }).value;

  // The folder inside the archive names the base (the engine reads the architecture from it).
  const up = await upload(zip([{ name: 'tiny-stable-diffusion-inpainting/', data: Buffer.alloc(0) }, ...baseEntries('tiny-stable-diffusion-inpainting/'), { name: 'tiny-stable-diffusion-inpainting/README.md', data: Buffer.from('notes'), store: true }]), '?name=base.zip&kind=base');
  assert.equal(up.status, 200, JSON.stringify(up.result));
  assert.ok(up.result.ok);
  assert.deepEqual([up.result.value.kind, up.result.value.name], ['folder', 'tiny-stable-diffusion-inpainting']);
  const ckpt = await t.ok('checkpoints:import', { file: weightsRef.id, base: up.result.value.id, name: 'Tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true });
  assert.match(ckpt.baseConfig!, /^bases\/[0-9a-f]{16}\/tiny-stable-diffusion-inpainting$/);
  const project = t.host.projects.require();
  for (const f of BASE_FILES) assert.deepEqual(readFileSync(join(project.dir, ckpt.baseConfig!, f)), readFileSync(join(baseDir, f)));

  // Electron hands over a .zip as a file ref (the dialog or a drop): checkpoints:import unpacks it the same way.
  const zipFile = join(t.dir, 'tiny-stable-diffusion-inpainting.zip');
  writeFileSync(zipFile, zip(baseEntries('')));
  const other = join(t.dir, 'other.safetensors');
  writeFileSync(other, readFileSync(join(fixturesDir, 'leffa-tiny', 'tensors.safetensors')));
  const fromZip = await t.ok('checkpoints:import', {
    file: (await t.host.files.grantPath(other)).id, base: (await t.host.files.grantPath(zipFile)).id, name: 'Tiny 2', kind: 'try-on-DC', architecture: 'sd15', licence: 'MIT', commercialUse: true,
  });
  assert.equal(fromZip.baseConfig, ckpt.baseConfig, 'the same configs are stored once');
  await t.fails('checkpoints:import', { file: weightsRef.id, base: weightsRef.id, name: 'x', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true }, 'validation', /is a file; expected a folder/);

  // Files at the top of the archive: the archive's name names the folder.
  const flat = await upload(zip(baseEntries('')), '?name=tiny-stable-diffusion-inpainting.zip&kind=base');
  assert.ok(flat.result.ok && flat.result.value.name === 'tiny-stable-diffusion-inpainting', JSON.stringify(flat.result));
});

test('serve: traversal, links, bombs, bad CRCs, multipart and oversize zips are refused and leave nothing behind', async () => {
  const before = readdirSync(uploadDir).sort();
  const cases: [string, Buffer, RegExp][] = [
    ['traversal', zip([...baseEntries('stable-diffusion-inpainting/'), { name: 'stable-diffusion-inpainting/../../evil.json', data: Buffer.from('{}') }]), /leaves the folder \(\.\.\)/],
    ['absolute', zip([...baseEntries(''), { name: '/etc/evil.json', data: Buffer.from('{}') }]), /is an absolute path/],
    ['backslash', zip([...baseEntries(''), { name: '..\\evil.json', data: Buffer.from('{}') }]), /uses backslashes/],
    ['symlink', zip([...baseEntries(''), { name: 'link', data: Buffer.from('/etc/passwd'), symlink: true, store: true }]), /is a symbolic link/],
    ['bomb', zip([...baseEntries(''), { name: 'big.bin', data: Buffer.alloc(20 * 1024 * 1024) }]), /is 20971520 bytes; expected at most 16777216/],
    ['lying size', zip([...baseEntries(''), { name: 'x.json', data: Buffer.alloc(5000, 7), declaredSize: 100 }]), /does not inflate to its declared 100 bytes/],
    ['no unet', zip(baseEntries('').slice(1)), /found 0 unet\/config\.json files/],
    ['not a zip', Buffer.from('hello, not a zip at all, just some bytes'), /not a zip archive/],
    ['wrong name', zip(baseEntries('my-model/')), /expected a diffusers config folder whose name contains "stable-diffusion-inpainting"/],
  ];
  for (const [what, body, message] of cases) {
    const r = await upload(body, '?name=base-stable-diffusion-inpainting.zip&kind=base');
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.result)}`);
    assert.ok(!r.result.ok && r.result.error.kind === 'validation', what);
    assert.match(r.result.error.message, message, what);
  }
  const big = await upload(Buffer.alloc(9 * 1024 * 1024), '?name=x.zip&kind=base');
  assert.equal(big.status, 413);
  const multipart = await fetch(`${url}/upload?kind=base`, { method: 'POST', body: 'x', headers: { authorization: `Bearer ${handle.token}`, 'content-type': 'multipart/form-data; boundary=abc' } });
  assert.equal(multipart.status, 400);
  assert.deepEqual(readdirSync(uploadDir).sort(), before, 'refused uploads leave no folder');
  assert.ok(!existsSync(join(uploadDir, '..', 'evil.json')) && !existsSync(join(t.dir, 'evil.json')));
});

test('zip reader: entry names are checked before anything is written', () => {
  assert.deepEqual(safeEntryName('a/b/c.json'), { name: 'a/b/c.json', dir: false });
  assert.deepEqual(safeEntryName('a/b/'), { name: 'a/b', dir: true });
  for (const bad of ['../x', 'a/../../x', '/x', 'C:/x', 'a//b', './a', 'a\0b']) assert.throws(() => safeEntryName(bad), /zip entry/, bad);
  const entries = readZip(zip(baseEntries('p/')));
  assert.deepEqual(entries.map((e) => e.name), BASE_FILES.map((f) => `p/${f}`));
  assert.deepEqual(entries[0]!.data, readFileSync(join(baseDir, BASE_FILES[0]!)));
  const corrupt = zip(baseEntries(''));
  corrupt[30 + 'unet/config.json'.length + 4] ^= 0xff; // a byte of the first deflated body
  assert.throws(() => readZip(corrupt), /CRC-32|inflate/);
});

test('adoptFile verifies the hash when linking and when copying; a wrong file stores nothing', async () => {
  const project = t.host.projects.require();
  const src = join(t.dir, 'model.bin');
  writeFileSync(src, Buffer.alloc(3 * 1024 * 1024 + 1, 9));
  const wrong = 'a'.repeat(64);
  const blobsBefore = (await project.files.list()).hashes.length;
  for (const link of [true, false]) {
    await assert.rejects(
      project.checkpoints.adopt({
        name: 'x', kind: 'try-on-HD', architecture: 'sd15', licence: 'mit', commercialUse: true, source: 'r@c/f', file: src, sha256: wrong,
        hub: { modelId: 'try-on-hd', repo: 'r', revision: 'c', file: 'f', sha256: wrong, size: 1, cardLicence: 'mit' },
      }, { link }),
      /expectedSha256 is "a{64}"; expected the SHA-256 of .*model\.bin, which is [0-9a-f]{64}/,
    );
  }
  const after = await project.files.list();
  assert.equal(after.hashes.length, blobsBefore);
  assert.deepEqual(after.temps, [], 'no temp file is left');
  assert.equal(project.checkpoints.hubSources().length, 0);
});

test('migration 010: checkpoints imported before it count as accepted; licences map to the commercial flag', async () => {
  const dir = join(t.dir, 'old-project');
  const p = await openProject({ dir, create: true });
  const file = join(t.dir, 'old.safetensors');
  writeFileSync(file, 'weights from before');
  await p.checkpoints.import({ file, name: 'Old', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true });
  p.db.exec(`DROP TABLE hub_models; DROP TABLE checkpoint_defaults; ALTER TABLE checkpoints DROP COLUMN licence_accepted_at; ALTER TABLE checkpoints DROP COLUMN licence_accepted_by;`);
  p.db.pragma('user_version = 9');
  await p.close();
  const db = openDatabase(join(dir, 'project.sqlite'));
  await migrate(db, { file: join(dir, 'project.sqlite'), target: 10, backup: false });
  const row = db.prepare(`SELECT licence_accepted_by AS by, licence_accepted_at = created_at AS same FROM checkpoints`).get() as { by: string; same: number };
  assert.deepEqual({ ...row }, { by: 'import', same: 1 });
  db.close();

  assert.deepEqual(['mit', 'apache-2.0', 'cc-by-nc-sa-4.0', 'cc-by-nc-4.0', 'other: leffa research', null, 'openrail++', 'MIT'].map(commercialUseOf),
    [true, true, false, false, false, false, true, true]);
});
