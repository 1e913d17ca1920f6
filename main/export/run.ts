// Running an export: every planned file is rendered (image.ts), marked or stripped (metadata.ts),
// optionally C2PA-signed (sign.ts) and written into a hidden staging folder beside the target; only when
// all of them and the manifest are ready are they moved into place, each with a no-overwrite link, and the
// export recorded. A failure at any point removes what this export wrote: no partial files, no record.
// Files are rendered one at a time with a yield to the event loop between them (sharp works in its own
// threads), so hundreds of images never block main for long.
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, existsSync } from 'node:fs';
import { copyFile, link, mkdir, open, readFile, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { writeStoredZip } from '../../models/io/zip-writer.ts';
import { ConflictError, NotFoundError, ValidationError } from '../api/errors.ts';
import type { Project } from '../store/project.ts';
import type { ExportRecord } from '../store/types.ts';
import { renderImage } from './image.ts';
import { manifestCsv, manifestJson, type ExportManifest, type ManifestRow } from './manifest.ts';
import { markExport, sourceTypeOf } from './metadata.ts';
import { assertNamesSafe, sanitiseValue } from './naming.ts';
import { planExport, suffixed, type ExportPlan } from './plan.ts';
import type { ExportPresetSpec } from './preset.ts';
import { signExport } from './sign.ts';
import type { SigningCredentials } from './signing.ts';

export type ExportTarget =
  | { kind: 'folder'; dir: string; external: boolean }
  | { kind: 'zip'; file: string };

export interface ExportProgress {
  runId: string;
  phase: 'rendering' | 'writing' | 'done' | 'failed';
  done: number;
  total: number;
  fileName: string | null;
}

export interface RunExportOptions {
  name: string;
  resultIds: number[];
  preset: ExportPresetSpec;
  presetName?: string | null;
  target: ExportTarget;
  /** A name already in the folder: 'suffix' writes name-2.ext (default), 'refuse' fails before writing. */
  onConflict?: 'suffix' | 'refuse';
  /** Results whose model release refuses this use are refused unless this is true. */
  allowReleaseRefusals?: boolean;
  signing?: SigningCredentials | null;
  runId?: string;
  onProgress?: (p: ExportProgress) => void;
  /** Tests: called after each file is staged (to fail or race mid-export). */
  afterFile?: (index: number) => Promise<void> | void;
  date?: string;
}

export interface ExportOutcome {
  record: ExportRecord;
  target: { kind: 'folder' | 'zip'; path: string };
  files: { resultId: number; fileName: string; suffixed: boolean }[];
  manifestFiles: { csv: string; json: string };
  manifest: ExportManifest;
  warnings: string[];
}

async function writeExclusive(path: string, bytes: Uint8Array | string): Promise<void> {
  const fh = await open(path, 'wx', 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Moves a staged file to `to` without ever replacing an existing file (EEXIST instead). */
async function placeNoOverwrite(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new ConflictError(`${basename(to)} appeared in the target folder while exporting; nothing was overwritten and this export was rolled back`);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EOPNOTSUPP') throw err;
    await copyFile(from, to, fsConstants.COPYFILE_EXCL); // file systems without hard links (FAT, some shares)
  }
}

function recordDir(project: Project, dir: string, external: boolean): string {
  if (external) return dir;
  return relative(project.dir, dir).split(sep).join('/') || '.';
}

export async function runExport(project: Project, o: RunExportOptions): Promise<ExportOutcome> {
  const runId = o.runId ?? randomBytes(6).toString('hex');
  const total = o.resultIds.length;
  const emit = (phase: ExportProgress['phase'], done: number, fileName: string | null) => o.onProgress?.({ runId, phase, done, total, fileName });
  if (total === 0) throw new ValidationError('resultIds is empty; expected at least one result to export');
  if (new Set(o.resultIds).size !== total) throw new ValidationError('resultIds lists a result twice; expected each result once');
  const folder = o.target.kind === 'folder' ? o.target.dir : dirname(o.target.file);
  const plan: ExportPlan = planExport(project, { resultIds: o.resultIds, preset: o.preset, folder: o.target.kind === 'folder' ? folder : null, ...(o.date ? { date: o.date } : {}) });
  // Everything that can be refused is refused here, before a byte is written.
  assertNamesSafe(plan.items.map((it) => ({ fileName: it.fileName, refused: it.refused })), o.preset.template);
  const onConflict = o.onConflict ?? 'suffix';
  if (onConflict === 'refuse' && plan.conflicts.length) {
    throw new ConflictError(`the target folder already has ${plan.conflicts.length} of these file names (${plan.conflicts.slice(0, 5).join(', ')}${plan.conflicts.length > 5 ? ', …' : ''}); nothing was written: choose another folder, change the template, or let the export add -2, -3 to the names`);
  }
  const refusedByRelease = plan.items.filter((it) => it.release.status === 'refuse');
  if (refusedByRelease.length && !o.allowReleaseRefusals) {
    throw new ConflictError(`${refusedByRelease.length} result(s) are outside their model release (${refusedByRelease.slice(0, 3).map((it) => `result ${it.resultId}: ${it.release.issues.map((x) => x.message).join('; ')}`).join(' | ')}); nothing was written`);
  }
  if (o.preset.c2pa && !o.signing) throw new ValidationError('the preset asks for C2PA signing, but no signing certificate is set; expected one in the app settings (exports:setSigning), or turn C2PA off');

  const warnings: string[] = [];
  for (const it of plan.items) if (it.suffixed) warnings.push(`${it.fileName}: the name clashed and was suffixed`);
  const stem = sanitiseValue(o.name);
  let csvName = `${stem}-manifest.csv`;
  let jsonName = `${stem}-manifest.json`;
  const taken = (c: string) => plan.items.some((it) => it.fileName.toLowerCase() === c.toLowerCase()) || (o.target.kind === 'folder' && existsSync(join(folder, c)));
  if (taken(csvName) || taken(jsonName)) {
    if (onConflict === 'refuse') throw new ConflictError(`the target folder already has ${csvName} or ${jsonName}; nothing was written`);
    csvName = suffixed(csvName, taken);
    jsonName = suffixed(jsonName, taken);
  }
  let zipFile = o.target.kind === 'zip' ? o.target.file : null;
  if (zipFile && existsSync(zipFile)) {
    if (onConflict === 'refuse') throw new ConflictError(`${basename(zipFile)} already exists; nothing was written`);
    zipFile = join(dirname(zipFile), suffixed(basename(zipFile), (c) => existsSync(join(dirname(zipFile!), c))));
    warnings.push(`${basename(o.target.kind === 'zip' ? o.target.file : '')} exists: writing ${basename(zipFile)}`);
  }

  await mkdir(folder, { recursive: true });
  const staging = join(folder, `.leffa-export-${runId}.partial`);
  await mkdir(staging);
  const placed: string[] = [];
  try {
    const rows: ManifestRow[] = [];
    for (const [i, it] of plan.items.entries()) {
      emit('rendering', i, it.fileName);
      const source = await readFile(project.blobPath(it.blobHash)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        throw new NotFoundError(`result ${it.resultId}: its image ${it.blobHash.slice(0, 12)}… is missing from the project's blobs folder; nothing was exported (the project's integrity check lists missing files)`);
      });
      const image = await renderImage(source, o.preset);
      const marked = markExport(image.bytes, o.preset.format, it.facts, { embedSettings: o.preset.embedSettings, strip: o.preset.strip });
      for (const w of marked.warnings) if (!warnings.includes(w)) warnings.push(w);
      const bytes = o.preset.c2pa && o.signing ? await signExport(marked.bytes, o.preset.format, it.facts, o.signing, it.fileName) : marked.bytes;
      await writeExclusive(join(staging, it.fileName), bytes);
      const rel = it.release;
      rows.push({
        fileName: it.fileName, resultId: it.resultId, sku: String(it.tokens.sku ?? ''), colourway: it.tokens.colourway === null ? null : String(it.tokens.colourway),
        model: String(it.tokens.model), view: it.tokens.view === null ? null : String(it.tokens.view), seed: it.facts.seed, checkpoint: it.facts.checkpoint.name,
        checkpointLicence: it.facts.checkpoint.licence, settings: o.preset.strip ? null : it.facts.settings, digitalSourceType: o.preset.strip ? null : sourceTypeOf(it.facts),
        c2pa: o.preset.c2pa, stripped: o.preset.strip,
        release: { status: rel.status, releaseId: rel.release?.id ?? null, subject: rel.release?.subject ?? null, expiresOn: rel.release?.expiresOn ?? null, issues: rel.issues.map((x) => x.message) },
      });
      await o.afterFile?.(i);
      await yieldToLoop();
    }
    const manifest: ExportManifest = {
      format: 'leffa-studio-export/1', name: o.name, createdAt: new Date().toISOString(),
      preset: { ...(o.presetName ? { name: o.presetName } : {}), ...o.preset }, releaseCheck: plan.releaseCheck, warnings, files: rows,
    };
    await writeExclusive(join(staging, csvName), manifestCsv(manifest));
    await writeExclusive(join(staging, jsonName), manifestJson(manifest));
    emit('writing', total, null);

    const names = [...plan.items.map((it) => it.fileName), csvName, jsonName];
    let targetPath: string;
    if (zipFile) {
      const entries = [];
      for (const n of names) entries.push({ name: n, data: await readFile(join(staging, n)) });
      writeStoredZip(zipFile, entries, { alignment: 1, label: basename(zipFile) });
      placed.push(zipFile);
      targetPath = zipFile;
    } else {
      for (const n of names) {
        await placeNoOverwrite(join(staging, n), join(folder, n));
        placed.push(join(folder, n));
      }
      targetPath = folder;
    }
    const external = o.target.kind === 'folder' && o.target.external;
    const record = project.exports.record(
      {
        name: o.name, targetDir: recordDir(project, folder, external),
        preset: { ...(o.presetName ? { presetName: o.presetName } : {}), ...o.preset, target: o.target.kind, ...(zipFile ? { zip: basename(zipFile) } : {}), manifest: { csv: csvName, json: jsonName } },
        items: plan.items.map((it) => ({ resultId: it.resultId, fileName: it.fileName })),
      },
      { external },
    );
    emit('done', total, null);
    return {
      record, target: { kind: o.target.kind, path: targetPath },
      files: plan.items.map((it) => ({ resultId: it.resultId, fileName: it.fileName, suffixed: it.suffixed })),
      manifestFiles: { csv: csvName, json: jsonName }, manifest, warnings,
    };
  } catch (err) {
    for (const p of placed) await unlink(p).catch(() => undefined);
    emit('failed', 0, null);
    throw err;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
