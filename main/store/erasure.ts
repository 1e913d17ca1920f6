// Right to erasure (GDPR Art. 17) for a model: their photos, masks, DensePose inputs, release records and
// everything derived from them (jobs, results, reviews, export records), rows and the blobs nothing else uses.
//
// Two steps, because deleting a person's data cannot be undone:
//   planErasure(ctx, target)     lists what will go (the confirmation screen shows `summary`), and
//   executeErasure(ctx, plan)    deletes exactly that, or refuses when the project changed since the plan
//                                (a new result, a job started): plan again and confirm again.
// The plan is computed by running the deletion itself in a transaction that is rolled back, so plan and
// execution can never disagree about what a row or blob depends on.
//
// Crash safety follows the store's rule (blob-rows.ts): files and rows are never changed in one step, so the
// order is rows first, files second. All rows, blob rows included, go in one transaction; only after it has
// committed are the files deleted. A crash in between leaves files without rows, which are exactly the
// orphans the integrity check finds and cleans (integrity.ts; openProject({checkOrphans: 'clean'})). The
// database itself is never half-erased.
//
// Not covered here: garment photos of type 'on-model' that may show the person (the store cannot know
// whom they show) and copies outside the project. Exported copies inside the project are listed in the
// plan and deleted only with `deleteExportedFiles`.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { StoreContext } from './context.ts';
import type { DB } from './database.ts';
import { argumentError, notFound } from './errors.ts';
import { resolveInsideProject } from './project-paths.ts';
import { Id } from './schemas.ts';
import { parseArgs } from './validate.ts';

export const ErasureTarget = z
  .object({
    /** The model as named on their releases (case-insensitive): every photo with such a release. */
    subject: z.string().trim().min(1).max(200).optional(),
    /** Photos to erase as well (e.g. photos of that person with no release on file). */
    modelPhotoIds: z.array(Id).max(10_000).optional(),
  })
  .strict()
  .refine((t) => t.subject !== undefined || (t.modelPhotoIds?.length ?? 0) > 0, { error: 'expected a subject or at least one modelPhotoId' });

export interface ErasureSets {
  modelPhotos: number[];
  masks: number[];
  densePoses: number[];
  releases: number[];
  jobs: number[];
  results: number[];
  reviews: number[];
  exportItems: { exportId: number; resultId: number; fileName: string; targetDir: string }[];
}

export interface ErasurePlan extends ErasureSets {
  target: z.output<typeof ErasureTarget>;
  /** Photo names, for the confirmation screen. */
  modelPhotoNames: string[];
  /** Jobs that are running now: execution is refused until they are cancelled or finished. */
  runningJobs: number[];
  /** Blob files that nothing else uses: deleted after the commit. */
  blobs: string[];
  /** Blobs of the erased rows that other rows still use (they stay). */
  sharedBlobs: string[];
  /** Files exports wrote into the project folder for erased results (relative paths). */
  exportedFiles: string[];
  /** Rows of other tables (later features: quality checks, re-run links, picks, training pairs) that point at erased rows, per table. */
  linkedRows: Record<string, number>;
  /** Lines for the confirmation step. */
  summary: string[];
  /** Identifies exactly this plan; execution recomputes it and refuses on a mismatch. */
  fingerprint: string;
}

export interface ExecuteErasureOptions {
  /** Also delete the exported copies listed in plan.exportedFiles. Default false. */
  deleteExportedFiles?: boolean;
  /** Runs after the commit and before any file is deleted. A fault-injection seam for tests. */
  afterCommit?: () => void;
}

export interface ErasureReport {
  rowsDeleted: number;
  blobFilesDeleted: number;
  /** Files that were kept (a concurrent import holds them, or a row claimed them again meanwhile). */
  blobFilesKept: string[];
  exportedFilesDeleted: number;
  erasureLogId: number;
}

const json = (ids: readonly (number | string)[]) => JSON.stringify(ids);
const IN = (col: string) => `${col} IN (SELECT value FROM json_each(?))`;

/** The (table, column) pairs that point at blobs(hash), read from the schema so later migrations count too. */
function blobReferences(db: DB): { table: string; column: string }[] {
  const tables = db.prepare(/* sql */ `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  const refs: { table: string; column: string }[] = [];
  for (const table of tables) {
    for (const fk of db.pragma(`foreign_key_list("${table.replace(/"/g, '""')}")`) as { table: string; from: string; to: string }[]) {
      if (fk.table === 'blobs') refs.push({ table, column: fk.from });
    }
  }
  return refs;
}

function ids(db: DB, sql: string, ...params: unknown[]): number[] {
  return db.prepare(sql).pluck().all(...params) as number[];
}

/** Every row that goes with the target's photos (read only). */
function collect(db: DB, fn: string, target: z.output<typeof ErasureTarget>): ErasureSets {
  const photos = new Set<number>();
  if (target.subject !== undefined) {
    const bySubject = ids(db, /* sql */ `SELECT DISTINCT model_photo_id FROM model_releases WHERE subject = ? COLLATE NOCASE`, target.subject);
    if (bySubject.length === 0 && !target.modelPhotoIds?.length) {
      throw argumentError(fn, 'subject', target.subject, 'the name or id of a model on a recorded release (no release names it; pass modelPhotoIds instead)', 'not_found');
    }
    bySubject.forEach((id) => photos.add(id));
  }
  (target.modelPhotoIds ?? []).forEach((id, i) => {
    if (db.prepare(/* sql */ `SELECT 1 FROM model_photos WHERE id = ?`).pluck().get(id) === undefined) throw notFound(fn, `modelPhotoIds[${i}]`, id, 'model photo');
    photos.add(id);
  });
  const modelPhotos = [...photos].sort((a, b) => a - b);
  const p = json(modelPhotos);
  const masks = ids(db, `SELECT id FROM masks WHERE ${IN('model_photo_id')} ORDER BY id`, p);
  const densePoses = ids(db, `SELECT id FROM densepose WHERE ${IN('model_photo_id')} ORDER BY id`, p);
  const releases = ids(db, `SELECT id FROM model_releases WHERE ${IN('model_photo_id')} ORDER BY id`, p);
  // Jobs of these photos, or using their masks or maps, and any job retried from one of those (same cell).
  const jobSet = new Set(ids(db, `SELECT id FROM jobs WHERE ${IN('model_photo_id')} OR ${IN('mask_id')} OR ${IN('densepose_id')}`, p, json(masks), json(densePoses)));
  for (let grew = true; grew;) {
    grew = false;
    for (const id of ids(db, `SELECT id FROM jobs WHERE ${IN('retried_from')}`, json([...jobSet]))) if (!jobSet.has(id)) { jobSet.add(id); grew = true; }
  }
  const jobs = [...jobSet].sort((a, b) => a - b);
  const results = ids(db, `SELECT id FROM results WHERE ${IN('model_photo_id')} OR ${IN('job_id')} ORDER BY id`, p, json(jobs));
  const r = json(results);
  const reviews = ids(db, `SELECT id FROM reviews WHERE ${IN('result_id')} ORDER BY id`, r);
  const exportItems = (db.prepare(/* sql */ `
    SELECT i.export_id AS exportId, i.result_id AS resultId, i.file_name AS fileName, e.target_dir AS targetDir
    FROM export_items i JOIN exports e ON e.id = i.export_id WHERE ${IN('i.result_id')} ORDER BY i.export_id, i.file_name`).all(r)) as ErasureSets['exportItems'];
  return { modelPhotos, masks, densePoses, releases, jobs, results, reviews, exportItems };
}

/** The blob hashes the rows in `s` point at. */
function blobsOf(db: DB, s: ErasureSets): string[] {
  const hashes = new Set<string>();
  const add = (sql: string, list: number[]) => { for (const h of db.prepare(sql).pluck().all(json(list)) as (string | null)[]) if (h) hashes.add(h); };
  add(`SELECT blob_hash FROM model_photos WHERE ${IN('id')}`, s.modelPhotos);
  add(`SELECT blob_hash FROM masks WHERE ${IN('id')}`, s.masks);
  add(`SELECT blob_hash FROM densepose WHERE ${IN('id')}`, s.densePoses);
  add(`SELECT scan_blob_hash FROM model_releases WHERE ${IN('id')}`, s.releases);
  add(`SELECT blob_hash FROM results WHERE ${IN('id')}`, s.results);
  return [...hashes].sort();
}

/** The tables this file deletes from by name; rows of any other table that point at them are "linked rows". */
const OWN_TABLES = new Set(['export_items', 'reviews', 'result_records', 'results', 'jobs', 'model_releases', 'masks', 'densepose', 'model_photos', 'blobs']);

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Deletes the rows of tables this file does not know (later migrations: quality checks, re-run links, picks,
 * training pairs, ...) that point at the given rows of `parent` by a foreign key, and, first, the rows that point
 * at those in turn. Erasure must not stop at a table added after it was written, and a foreign key must not
 * make it fail. Counts per table go into `linked`.
 */
function deleteLinked(db: DB, parent: string, rowids: number[], linked: Record<string, number>, blobs: Set<string>, depth = 0): void {
  if (rowids.length === 0 || depth > 8) return;
  const tables = db.prepare(/* sql */ `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  for (const table of tables) {
    if (OWN_TABLES.has(table)) continue;
    const fks = (db.pragma(`foreign_key_list(${q(table)})`) as { id: number; table: string; from: string; to: string | null }[]).filter((f) => f.table === parent);
    const byId = new Map<number, { from: string; to: string | null }[]>();
    for (const f of fks) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
    for (const cols of byId.values()) {
      const from = cols.length === 1 ? q(cols[0]!.from) : `(${cols.map((c) => q(c.from)).join(', ')})`;
      const to = cols.map((c) => (c.to === null ? 'rowid' : q(c.to))).join(', ');
      const where = `${from} IN (SELECT ${to} FROM ${q(parent)} WHERE rowid IN (SELECT value FROM json_each(?)))`;
      let children: number[] | null;
      try {
        children = db.prepare(`SELECT rowid FROM ${q(table)} WHERE ${where}`).pluck().all(json(rowids)) as number[];
      } catch {
        children = null; // a WITHOUT ROWID table: nothing can point at its rowids
      }
      if (children) deleteLinked(db, table, children, linked, blobs, depth + 1);
      // The files those rows point at (an explanation's images, a quality check's crops) go too, unless
      // something else still uses them (deleteRows checks every blob reference before deleting).
      const blobColumns = (db.pragma(`foreign_key_list(${q(table)})`) as { table: string; from: string }[]).filter((f) => f.table === 'blobs').map((f) => f.from);
      for (const col of blobColumns) {
        for (const h of db.prepare(`SELECT ${q(col)} FROM ${q(table)} WHERE ${where} AND ${q(col)} IS NOT NULL`).pluck().all(json(rowids)) as string[]) blobs.add(h);
      }
      const n = db.prepare(`DELETE FROM ${q(table)} WHERE ${where}`).run(json(rowids)).changes;
      if (n) linked[table] = (linked[table] ?? 0) + n;
    }
  }
}

/**
 * Deletes the rows of `s` (children first; foreign keys are checked per statement) and then the blob rows
 * no remaining row points at. Must run inside a transaction. Returns the deleted blob hashes and row count.
 */
function deleteRows(db: DB, s: ErasureSets): { blobs: string[]; shared: string[]; rows: number; linked: Record<string, number> } {
  const candidates = new Set(blobsOf(db, s));
  const r = json(s.results);
  const p = json(s.modelPhotos);
  let rows = 0;
  const run = (sql: string, ...params: unknown[]) => { rows += db.prepare(sql).run(...params).changes; };
  const linked: Record<string, number> = {};
  for (const [table, list] of [['results', s.results], ['jobs', s.jobs], ['reviews', s.reviews], ['masks', s.masks], ['densepose', s.densePoses],
    ['model_releases', s.releases], ['model_photos', s.modelPhotos]] as const) deleteLinked(db, table, [...list], linked, candidates);
  rows += Object.values(linked).reduce((a, b) => a + b, 0);
  run(`DELETE FROM export_items WHERE ${IN('result_id')}`, r);
  run(`DELETE FROM reviews WHERE ${IN('result_id')}`, r);
  run(`DELETE FROM result_records WHERE ${IN('result_id')}`, r);
  run(`DELETE FROM results WHERE ${IN('id')}`, r);
  run(`DELETE FROM jobs WHERE ${IN('id')}`, json(s.jobs));
  run(`DELETE FROM model_releases WHERE ${IN('model_photo_id')}`, p);
  run(`DELETE FROM masks WHERE ${IN('model_photo_id')}`, p);
  run(`DELETE FROM densepose WHERE ${IN('model_photo_id')}`, p);
  run(`DELETE FROM model_photos WHERE ${IN('id')}`, p);
  const refs = blobReferences(db);
  const used = (h: string) => refs.some(({ table, column }) => db.prepare(`SELECT 1 FROM "${table}" WHERE "${column}" = ? LIMIT 1`).pluck().get(h) !== undefined);
  const blobs: string[] = [];
  const shared: string[] = [];
  for (const h of candidates) {
    if (used(h)) { shared.push(h); continue; }
    run(/* sql */ `DELETE FROM blobs WHERE hash = ?`, h);
    blobs.push(h);
  }
  return { blobs, shared, rows, linked };
}

function fingerprintOf(s: ErasureSets, blobs: string[], linked: Record<string, number>): string {
  const { modelPhotos, masks, densePoses, releases, jobs, results, reviews } = s;
  const linkedRows = Object.entries(linked).sort(([a], [b]) => a.localeCompare(b));
  const body = JSON.stringify({ modelPhotos, masks, densePoses, releases, jobs, results, reviews, exportItems: s.exportItems.map((e) => [e.exportId, e.resultId]), blobs, ...(linkedRows.length && { linkedRows }) });
  return createHash('sha256').update(body).digest('hex');
}

/** Thrown inside the dry-run transaction so that better-sqlite3 rolls it back. */
class DryRun extends Error {
  constructor(readonly value: { blobs: string[]; shared: string[]; linked: Record<string, number> }) { super('dry run'); }
}

function summarise(plan: Omit<ErasurePlan, 'summary' | 'fingerprint'>): string[] {
  const n = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;
  const lines = [
    `${n(plan.modelPhotos.length, 'model photo')}${plan.modelPhotoNames.length ? ` (${plan.modelPhotoNames.join(', ')})` : ''}`,
    `${n(plan.masks.length, 'mask')}, ${n(plan.densePoses.length, 'DensePose input')}, ${n(plan.releases.length, 'release record')}`,
    `${n(plan.results.length, 'result')} with ${n(plan.reviews.length, 'review')}, ${n(plan.exportItems.length, 'export record')}; ${n(plan.jobs.length, 'job')}`,
    `${n(plan.blobs.length, 'stored file')} deleted${plan.sharedBlobs.length ? `; ${n(plan.sharedBlobs.length, 'file')} also used elsewhere stay` : ''}`,
  ];
  const linked = Object.entries(plan.linkedRows).sort(([a], [b]) => a.localeCompare(b));
  if (linked.length) lines.push(`${n(linked.reduce((a, [, k]) => a + k, 0), 'linked record')} (${linked.map(([t, k]) => `${t.replace(/_/g, ' ')}: ${k}`).join(', ')})`);
  if (plan.exportedFiles.length) lines.push(`${n(plan.exportedFiles.length, 'exported copy', 'exported copies')} in the project folder (deleted only when asked): ${plan.exportedFiles.join(', ')}`);
  if (plan.runningJobs.length) lines.push(`${n(plan.runningJobs.length, 'job')} running now (${plan.runningJobs.join(', ')}): cancel before erasing`);
  return lines;
}

function runningJobsOf(db: DB, jobs: number[]): number[] {
  return ids(db, `SELECT id FROM jobs WHERE status = 'running' AND ${IN('id')} ORDER BY id`, json(jobs));
}

/** What erasing `target` would delete. Changes nothing. */
export function planErasure(ctx: StoreContext, target: z.input<typeof ErasureTarget>): ErasurePlan {
  const fn = 'planErasure';
  const t = parseArgs(fn, ErasureTarget, target);
  const db = ctx.db;
  let sets!: ErasureSets;
  let dry!: { blobs: string[]; shared: string[]; linked: Record<string, number> };
  try {
    db.transaction(() => {
      sets = collect(db, fn, t);
      const out = deleteRows(db, sets);
      throw new DryRun({ blobs: out.blobs, shared: out.shared, linked: out.linked });
    }).immediate();
  } catch (err) {
    if (!(err instanceof DryRun)) throw err;
    dry = err.value;
  }
  const names = (db.prepare(`SELECT name FROM model_photos WHERE ${IN('id')} ORDER BY id`).pluck().all(json(sets.modelPhotos)) as string[]);
  const base = {
    target: t, ...sets, modelPhotoNames: names, runningJobs: runningJobsOf(db, sets.jobs), blobs: dry.blobs, sharedBlobs: dry.shared,
    exportedFiles: sets.exportItems.map((e) => (e.targetDir ? `${e.targetDir}/${e.fileName}` : e.fileName)), linkedRows: dry.linked,
  };
  return { ...base, summary: summarise(base), fingerprint: fingerprintOf(sets, dry.blobs, dry.linked) };
}

/**
 * Deletes what `plan` lists: all rows in one transaction, then (after the commit) the files. Refuses, changing
 * nothing, when jobs of the model are running or when the project no longer matches the plan.
 */
export async function executeErasure(ctx: StoreContext, plan: ErasurePlan, options: ExecuteErasureOptions = {}): Promise<ErasureReport> {
  const fn = 'executeErasure';
  if (typeof plan?.fingerprint !== 'string' || !plan.target) throw argumentError(fn, 'plan', plan, 'a plan returned by planErasure');
  const db = ctx.db;
  const { blobs, rows, logId } = db.transaction(() => {
    const sets = collect(db, fn, plan.target);
    const running = runningJobsOf(db, sets.jobs);
    if (running.length) throw argumentError(fn, 'plan', `jobs ${running.join(', ')}`, 'no running job of this model (cancel them, then plan again)', 'conflict');
    const out = deleteRows(db, sets);
    if (fingerprintOf(sets, out.blobs, out.linked) !== plan.fingerprint) {
      // Throwing rolls the deletion back: nothing the user did not see and confirm is deleted.
      throw argumentError(fn, 'plan', plan.fingerprint.slice(0, 12), 'a plan of the project as it is now (it changed since planErasure: plan and confirm again)', 'conflict');
    }
    const id = db.prepare(/* sql */ `
      INSERT INTO erasure_log (executed_at, model_photos, results, rows_deleted, blobs_deleted) VALUES (?, ?, ?, ?, ?) RETURNING id`)
      .pluck().get(Date.now(), sets.modelPhotos.length, sets.results.length, out.rows, out.blobs.length) as number;
    return { blobs: out.blobs, rows: out.rows, logId: id };
  }).immediate();

  options.afterCommit?.();

  const kept: string[] = [];
  let deleted = 0;
  for (const h of blobs) {
    // A concurrent import of the same bytes may hold or have re-registered the hash since the commit.
    if (ctx.files.isHeld(h) || ctx.blobRows.hasRow(h)) { kept.push(h); continue; }
    ctx.files.removeSync(h);
    deleted++;
  }
  let exported = 0;
  if (options.deleteExportedFiles) {
    for (const rel of plan.exportedFiles) {
      const file = resolveInsideProject(ctx.dir, join(...rel.split('/')), fn, 'plan.exportedFiles');
      await rm(file, { force: true });
      exported++;
    }
  }
  return { rowsDeleted: rows, blobFilesDeleted: deleted, blobFilesKept: kept, exportedFilesDeleted: exported, erasureLogId: logId };
}
