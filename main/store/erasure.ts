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
// Training (migration 009): the person's training pairs leave their sets; runs whose held-out pairs showed
// them lose all their sample images (a sample is one grid of several held-out pairs, so it cannot be cut per
// pair); the dataset copies in those runs' folders go after the commit. Checkpoints fine-tuned on the person
// (registered by a run whose set had them in its train split, and checkpoints built on those) are listed;
// they are deleted only with `alsoDerivedCheckpoints`, together with what cannot exist without them (runs
// based on them, the cells, results and batches made with them), and runs stopped part-way on a set that
// trained on the person then restart from scratch (their intermediate weights, steps and samples go). A running
// training run that uses the person refuses the erasure as a running cell does.
//
// Not covered here: garment photos of type 'on-model' that may show the person (the store cannot know
// whom they show) and copies outside the project. Exported copies inside the project are listed in the
// plan and deleted only with `deleteExportedFiles`.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
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

/** What training holds of the person (see the header). */
export interface TrainingErasure {
  /** Training pairs with these photos (removed from their sets). */
  pairs: number[];
  /** Sets that hold those pairs, with how many of their pairs go. */
  sets: { id: number; name: string; pairs: number }[];
  /** Runs whose held-out pairs include the person: all their sample images go. */
  sampleRuns: { id: number; samples: number }[];
  /** Runs whose set includes the person: the dataset copies in their folders go (relative folder paths). */
  runFolders: string[];
  /** Runs of those sets that are training now: erasure is refused until they stop. */
  runningRuns: number[];
  /** Checkpoints trained on these photos (and checkpoints fine-tuned from those), oldest first. */
  derivedCheckpoints: { id: number; name: string; kind: string }[];
  /**
   * Runs stopped part-way (paused, failed, queued to resume) on a set with them in the train split: their run
   * folders hold intermediate weights trained on them. With alsoDerivedCheckpoints they restart from scratch
   * (weights, steps and samples go); otherwise they are kept.
   */
  unfinishedRuns: { id: number; folder: string }[];
  /** What is deleted with the derived checkpoints (only with alsoDerivedCheckpoints). */
  derived: {
    runs: number[]; jobs: number[]; results: number[]; reviews: number[]; batches: number[];
    exportItems: { exportId: number; resultId: number }[];
    /** Running runs or cells with those checkpoints: erasing them is refused until they end. */
    runningRuns: number[]; runningJobs: number[];
  };
}

export interface ErasureSets {
  training: TrainingErasure;
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
  /** Files deleted only with alsoDerivedCheckpoints (the checkpoints' weights, results made with them). */
  derivedBlobs: string[];
  /** Lines for the confirmation step. */
  summary: string[];
  /** Identifies exactly this plan; execution recomputes it and refuses on a mismatch. */
  fingerprint: string;
}

export interface ExecuteErasureOptions {
  /** Also delete the exported copies listed in plan.exportedFiles. Default false. */
  deleteExportedFiles?: boolean;
  /** Also delete plan.training.derivedCheckpoints (rows and files) and what was made with them. Default false: they are kept. */
  alsoDerivedCheckpoints?: boolean;
  /** Runs after the commit and before any file is deleted. A fault-injection seam for tests. */
  afterCommit?: () => void;
}

export interface ErasureReport {
  rowsDeleted: number;
  blobFilesDeleted: number;
  /** Files that were kept (a concurrent import holds them, or a row claimed them again meanwhile). */
  blobFilesKept: string[];
  exportedFilesDeleted: number;
  /** Run folders whose dataset copies were deleted. */
  runFoldersCleaned: number;
  /** Derived checkpoints deleted (alsoDerivedCheckpoints), or kept (ids). */
  derivedCheckpointsDeleted: number;
  derivedCheckpointsKept: number[];
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
  return { modelPhotos, masks, densePoses, releases, jobs, results, reviews, exportItems, training: collectTraining(db, modelPhotos, jobs, results) };
}

/** The training pairs, runs and checkpoints of the photos (read only); see TrainingErasure. */
function collectTraining(db: DB, modelPhotos: number[], personJobs: number[], personResults: number[]): TrainingErasure {
  const p = json(modelPhotos);
  const pairs = ids(db, `SELECT id FROM training_pairs WHERE ${IN('model_photo_id')} ORDER BY id`, p);
  const sets = db.prepare(/* sql */ `
    SELECT s.id, s.name, count(*) AS pairs FROM training_pairs tp JOIN training_sets s ON s.id = tp.set_id
    WHERE ${IN('tp.model_photo_id')} GROUP BY s.id ORDER BY s.id`).all(p) as TrainingErasure['sets'];
  const setIds = json(sets.map((x) => x.id));
  const sampleRuns = db.prepare(/* sql */ `
    SELECT r.id, (SELECT count(*) FROM training_samples t WHERE t.run_id = r.id) AS samples FROM training_runs r
    WHERE r.set_id IN (SELECT set_id FROM training_pairs WHERE split = 'heldout' AND ${IN('model_photo_id')})
      AND EXISTS (SELECT 1 FROM training_samples t WHERE t.run_id = r.id) ORDER BY r.id`).all(p) as TrainingErasure['sampleRuns'];
  const runs = db.prepare(/* sql */ `SELECT id, folder, status FROM training_runs WHERE ${IN('set_id')} ORDER BY id`).all(setIds) as { id: number; folder: string; status: string }[];
  // Trained on the person: the checkpoint a run registered when its set had them in the train split, and
  // every checkpoint built on one of those (a further finetune, a LoRA on it).
  const derivedSet = new Set(ids(db, `
    SELECT checkpoint_id FROM training_runs WHERE checkpoint_id IS NOT NULL
      AND set_id IN (SELECT set_id FROM training_pairs WHERE split = 'train' AND ${IN('model_photo_id')})`, p));
  for (let grew = derivedSet.size > 0; grew;) {
    grew = false;
    const d = json([...derivedSet]);
    for (const id of ids(db, `SELECT id FROM checkpoints WHERE ${IN('parent_id')} UNION SELECT checkpoint_id FROM training_runs WHERE checkpoint_id IS NOT NULL AND ${IN('base_checkpoint_id')}`, d, d)) {
      if (!derivedSet.has(id)) { derivedSet.add(id); grew = true; }
    }
  }
  const d = json([...derivedSet]);
  const derivedCheckpoints = db.prepare(/* sql */ `SELECT id, name, kind FROM checkpoints WHERE ${IN('id')} ORDER BY id`).all(d) as TrainingErasure['derivedCheckpoints'];
  const mine = { jobs: new Set(personJobs), results: new Set(personResults) };
  const dRuns = db.prepare(/* sql */ `SELECT id, status FROM training_runs WHERE ${IN('base_checkpoint_id')} ORDER BY id`).all(d) as { id: number; status: string }[];
  const deletedRuns = new Set(dRuns.map((x) => x.id));
  const unfinishedRuns = (db.prepare(/* sql */ `
    SELECT id, folder FROM training_runs WHERE status IN ('paused', 'failed', 'queued') AND (step > 0 OR resume = 1)
      AND set_id IN (SELECT set_id FROM training_pairs WHERE split = 'train' AND ${IN('model_photo_id')}) ORDER BY id`).all(p) as TrainingErasure['unfinishedRuns'])
    .filter((x) => !deletedRuns.has(x.id));
  const dJobs = ids(db, `SELECT id FROM jobs WHERE ${IN('checkpoint_id')} ORDER BY id`, d).filter((id) => !mine.jobs.has(id));
  const dResults = ids(db, `SELECT id FROM results WHERE ${IN('checkpoint_id')} OR ${IN('job_id')} ORDER BY id`, d, json(dJobs)).filter((id) => !mine.results.has(id));
  const r = json(dResults);
  return {
    pairs, sets, sampleRuns,
    runFolders: runs.map((x) => x.folder).filter((f) => f !== ''),
    runningRuns: runs.filter((x) => x.status === 'running').map((x) => x.id),
    derivedCheckpoints, unfinishedRuns,
    derived: {
      runs: dRuns.map((x) => x.id), jobs: dJobs, results: dResults,
      reviews: ids(db, `SELECT id FROM reviews WHERE ${IN('result_id')} ORDER BY id`, r),
      batches: ids(db, `SELECT id FROM batches WHERE ${IN('checkpoint_id')} ORDER BY id`, d),
      exportItems: db.prepare(/* sql */ `SELECT export_id AS exportId, result_id AS resultId FROM export_items WHERE ${IN('result_id')} ORDER BY export_id, result_id`).all(r) as { exportId: number; resultId: number }[],
      runningRuns: dRuns.filter((x) => x.status === 'running').map((x) => x.id),
      runningJobs: ids(db, `SELECT id FROM jobs WHERE status = 'running' AND ${IN('id')} ORDER BY id`, json(dJobs)),
    },
  };
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
const OWN_TABLES = new Set(['export_items', 'reviews', 'result_records', 'results', 'jobs', 'model_releases', 'masks', 'densepose', 'model_photos', 'blobs',
  'training_pairs', 'training_samples', 'training_metrics', 'training_runs', 'batches', 'checkpoints']);

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
 * no remaining row points at. With `withDerived`, the derived checkpoints and what was made with them go too.
 * Must run inside a transaction. Returns the deleted blob hashes and row count.
 */
function deleteRows(db: DB, person: ErasureSets, withDerived: boolean): { blobs: string[]; shared: string[]; rows: number; linked: Record<string, number> } {
  const t = person.training;
  const union = (a: number[], b: number[]) => [...new Set([...a, ...b])].sort((x, y) => x - y);
  const s: ErasureSets = withDerived
    ? { ...person, jobs: union(person.jobs, t.derived.jobs), results: union(person.results, t.derived.results), reviews: union(person.reviews, t.derived.reviews) }
    : person;
  const candidates = new Set(blobsOf(db, s));
  const r = json(s.results);
  const p = json(s.modelPhotos);
  let rows = 0;
  const run = (sql: string, ...params: unknown[]) => { rows += db.prepare(sql).run(...params).changes; };
  const addBlobs = (sql: string, ...params: unknown[]) => { for (const h of db.prepare(sql).pluck().all(...params) as (string | null)[]) if (h) candidates.add(h); };
  const linked: Record<string, number> = {};
  // Training: the person's pairs leave their sets; runs that showed them in samples lose the samples.
  const sampleRuns = json(t.sampleRuns.map((x) => x.id));
  addBlobs(`SELECT blob_hash FROM training_samples WHERE ${IN('run_id')}`, sampleRuns);
  run(`DELETE FROM training_samples WHERE ${IN('run_id')}`, sampleRuns);
  deleteLinked(db, 'training_pairs', t.pairs, linked, candidates);
  run(`DELETE FROM training_pairs WHERE ${IN('id')}`, json(t.pairs));
  for (const [table, list] of [['results', s.results], ['jobs', s.jobs], ['reviews', s.reviews], ['masks', s.masks], ['densepose', s.densePoses],
    ['model_releases', s.releases], ['model_photos', s.modelPhotos]] as const) deleteLinked(db, table, [...list], linked, candidates);
  run(`DELETE FROM export_items WHERE ${IN('result_id')}`, r);
  run(`DELETE FROM reviews WHERE ${IN('result_id')}`, r);
  run(`DELETE FROM result_records WHERE ${IN('result_id')}`, r);
  run(`DELETE FROM results WHERE ${IN('id')}`, r);
  run(`DELETE FROM jobs WHERE ${IN('id')}`, json(s.jobs));
  run(`DELETE FROM model_releases WHERE ${IN('model_photo_id')}`, p);
  run(`DELETE FROM masks WHERE ${IN('model_photo_id')}`, p);
  run(`DELETE FROM densepose WHERE ${IN('model_photo_id')}`, p);
  run(`DELETE FROM model_photos WHERE ${IN('id')}`, p);
  if (withDerived && t.unfinishedRuns.length) {
    // Unfinished runs trained on them start again from scratch (their run folders' weights go after the commit).
    const u = json(t.unfinishedRuns.map((x) => x.id));
    addBlobs(`SELECT blob_hash FROM training_samples WHERE ${IN('run_id')}`, u);
    run(`DELETE FROM training_samples WHERE ${IN('run_id')}`, u);
    run(`DELETE FROM training_metrics WHERE ${IN('run_id')}`, u);
    db.prepare(`UPDATE training_runs SET step = 0, resume = 0, updated_at = ? WHERE ${IN('id')}`).run(Date.now(), u);
  }
  if (withDerived && t.derivedCheckpoints.length) {
    const d = json(t.derivedCheckpoints.map((c) => c.id));
    const dRuns = json(t.derived.runs);
    // Batches of those checkpoints whose cells are all gone now; runs trained from them (their samples and
    // metrics); the link from the runs that registered them; then the checkpoints (children with parents).
    const batches = ids(db, `SELECT id FROM batches b WHERE ${IN('b.checkpoint_id')}
      AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.batch_id = b.id) AND NOT EXISTS (SELECT 1 FROM results x WHERE x.batch_id = b.id)`, d);
    deleteLinked(db, 'batches', batches, linked, candidates);
    run(`DELETE FROM batches WHERE ${IN('id')}`, json(batches));
    addBlobs(`SELECT blob_hash FROM training_samples WHERE ${IN('run_id')}`, dRuns);
    deleteLinked(db, 'training_runs', t.derived.runs, linked, candidates);
    run(`DELETE FROM training_samples WHERE ${IN('run_id')}`, dRuns);
    run(`DELETE FROM training_metrics WHERE ${IN('run_id')}`, dRuns);
    run(`DELETE FROM training_runs WHERE ${IN('id')}`, dRuns);
    run(`UPDATE training_runs SET checkpoint_id = NULL WHERE ${IN('checkpoint_id')}`, d);
    addBlobs(`SELECT blob_hash FROM checkpoints WHERE ${IN('id')}`, d);
    deleteLinked(db, 'checkpoints', t.derivedCheckpoints.map((c) => c.id), linked, candidates);
    run(`DELETE FROM checkpoints WHERE ${IN('id')}`, d);
  }
  rows += Object.values(linked).reduce((a, b) => a + b, 0);
  const refs = blobReferences(db);
  const used = (h: string) => refs.some(({ table, column }) => db.prepare(`SELECT 1 FROM "${table}" WHERE "${column}" = ? LIMIT 1`).pluck().get(h) !== undefined);
  const blobs: string[] = [];
  const shared: string[] = [];
  for (const h of [...candidates].sort()) {
    if (used(h)) { shared.push(h); continue; }
    run(/* sql */ `DELETE FROM blobs WHERE hash = ?`, h);
    blobs.push(h);
  }
  return { blobs, shared, rows, linked };
}

function fingerprintOf(s: ErasureSets, blobs: string[], linked: Record<string, number>, derivedBlobs: string[]): string {
  const { modelPhotos, masks, densePoses, releases, jobs, results, reviews, training: t } = s;
  const linkedRows = Object.entries(linked).sort(([a], [b]) => a.localeCompare(b));
  const training = {
    pairs: t.pairs, sets: t.sets.map((x) => [x.id, x.pairs]), sampleRuns: t.sampleRuns.map((x) => [x.id, x.samples]), runFolders: t.runFolders,
    derivedCheckpoints: t.derivedCheckpoints.map((c) => c.id), unfinishedRuns: t.unfinishedRuns.map((x) => x.id),
    derived: { runs: t.derived.runs, jobs: t.derived.jobs, results: t.derived.results, reviews: t.derived.reviews, batches: t.derived.batches, exportItems: t.derived.exportItems.map((e) => [e.exportId, e.resultId]) },
    derivedBlobs,
  };
  const hasTraining = t.pairs.length > 0 || t.derivedCheckpoints.length > 0 || t.unfinishedRuns.length > 0;
  const body = JSON.stringify({ modelPhotos, masks, densePoses, releases, jobs, results, reviews, exportItems: s.exportItems.map((e) => [e.exportId, e.resultId]), blobs, ...(linkedRows.length && { linkedRows }), ...(hasTraining && { training }) });
  return createHash('sha256').update(body).digest('hex');
}

type DryResult = { blobs: string[]; shared: string[]; linked: Record<string, number> };

/** Thrown inside the dry-run transaction so that better-sqlite3 rolls it back. */
class DryRun extends Error {
  constructor(readonly value: DryResult) { super('dry run'); }
}

/** Runs the deletion in a (nested) transaction that is rolled back, and returns what it deleted. */
function dryRun(db: DB, sets: ErasureSets, withDerived: boolean): DryResult {
  try {
    db.transaction(() => {
      const out = deleteRows(db, sets, withDerived);
      throw new DryRun({ blobs: out.blobs, shared: out.shared, linked: out.linked });
    })();
  } catch (err) {
    if (err instanceof DryRun) return err.value;
    throw err;
  }
  throw new Error('unreachable');
}

/** Collects the target's rows and dry-runs the deletion without and with the derived checkpoints. Must run inside a transaction. */
function analyse(db: DB, fn: string, target: z.output<typeof ErasureTarget>): { sets: ErasureSets; dry: DryResult; derivedBlobs: string[]; fingerprint: string } {
  const sets = collect(db, fn, target);
  const dry = dryRun(db, sets, false);
  const without = new Set(dry.blobs);
  const derivedBlobs = sets.training.derivedCheckpoints.length || sets.training.unfinishedRuns.length ? dryRun(db, sets, true).blobs.filter((h) => !without.has(h)) : [];
  return { sets, dry, derivedBlobs, fingerprint: fingerprintOf(sets, dry.blobs, dry.linked, derivedBlobs) };
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
  const t = plan.training;
  if (t.pairs.length) lines.push(`${n(t.pairs.length, 'training pair')} removed from ${n(t.sets.length, 'training set')} (${t.sets.map((x) => x.name).join(', ')})`);
  if (t.sampleRuns.length) {
    lines.push(`${n(t.sampleRuns.reduce((a, x) => a + x.samples, 0), 'sample image')} of ${n(t.sampleRuns.length, 'training run')} that showed them (${t.sampleRuns.map((x) => `run ${x.id}`).join(', ')})`);
  }
  if (t.derivedCheckpoints.length) {
    const dd = t.derived;
    const made = [dd.results.length && n(dd.results.length, 'result'), dd.jobs.length && n(dd.jobs.length, 'cell'), dd.runs.length && n(dd.runs.length, 'training run')].filter(Boolean);
    lines.push(`${n(t.derivedCheckpoints.length, 'checkpoint')} trained on these photos (${t.derivedCheckpoints.map((c) => c.name).join(', ')}): kept unless also deleted${made.length ? `, with the ${made.join(', ')} made with them` : ''}`);
  }
  if (t.unfinishedRuns.length) {
    lines.push(`${n(t.unfinishedRuns.length, 'unfinished training run')} with weights trained on them (${t.unfinishedRuns.map((x) => `run ${x.id}`).join(', ')}): kept unless also deleted (then they restart from scratch)`);
  }
  if (t.runningRuns.length) lines.push(`${n(t.runningRuns.length, 'training run')} using them running now (${t.runningRuns.join(', ')}): stop before erasing`);
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
  const { sets, dry, derivedBlobs, fingerprint } = db.transaction(() => analyse(db, fn, t)).immediate();
  const names = (db.prepare(`SELECT name FROM model_photos WHERE ${IN('id')} ORDER BY id`).pluck().all(json(sets.modelPhotos)) as string[]);
  const base = {
    target: t, ...sets, modelPhotoNames: names, runningJobs: runningJobsOf(db, sets.jobs), blobs: dry.blobs, sharedBlobs: dry.shared,
    exportedFiles: sets.exportItems.map((e) => (e.targetDir ? `${e.targetDir}/${e.fileName}` : e.fileName)), linkedRows: dry.linked, derivedBlobs,
  };
  return { ...base, summary: summarise(base), fingerprint };
}

/**
 * Deletes what `plan` lists: all rows in one transaction, then (after the commit) the files. Refuses, changing
 * nothing, when jobs or training runs of the model are running or when the project no longer matches the plan.
 */
export async function executeErasure(ctx: StoreContext, plan: ErasurePlan, options: ExecuteErasureOptions = {}): Promise<ErasureReport> {
  const fn = 'executeErasure';
  if (typeof plan?.fingerprint !== 'string' || !plan.target) throw argumentError(fn, 'plan', plan, 'a plan returned by planErasure');
  const withDerived = options.alsoDerivedCheckpoints === true;
  const db = ctx.db;
  const { blobs, rows, logId, sets } = db.transaction(() => {
    const now = analyse(db, fn, plan.target);
    const sets = now.sets;
    const running = runningJobsOf(db, sets.jobs);
    if (running.length) throw argumentError(fn, 'plan', `jobs ${running.join(', ')}`, 'no running job of this model (cancel them, then plan again)', 'conflict');
    const t = sets.training;
    if (t.runningRuns.length) throw argumentError(fn, 'plan', `training runs ${t.runningRuns.join(', ')}`, 'no running training run on a set with this model (stop them, then plan again)', 'conflict');
    if (withDerived && (t.derived.runningRuns.length || t.derived.runningJobs.length)) {
      const what = [t.derived.runningRuns.length && `training runs ${t.derived.runningRuns.join(', ')}`, t.derived.runningJobs.length && `jobs ${t.derived.runningJobs.join(', ')}`].filter(Boolean).join(' and ');
      throw argumentError(fn, 'options.alsoDerivedCheckpoints', what, 'nothing running with the checkpoints trained on this model (stop it, then plan again)', 'conflict');
    }
    if (now.fingerprint !== plan.fingerprint) {
      // Nothing is deleted: nothing the user did not see and confirm is deleted.
      throw argumentError(fn, 'plan', plan.fingerprint.slice(0, 12), 'a plan of the project as it is now (it changed since planErasure: plan and confirm again)', 'conflict');
    }
    const out = deleteRows(db, sets, withDerived);
    const id = db.prepare(/* sql */ `
      INSERT INTO erasure_log (executed_at, model_photos, results, rows_deleted, blobs_deleted) VALUES (?, ?, ?, ?, ?) RETURNING id`)
      .pluck().get(Date.now(), sets.modelPhotos.length, sets.results.length, out.rows, out.blobs.length) as number;
    return { blobs: out.blobs, rows: out.rows, logId: id, sets };
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
  // The dataset copies of the photos in the folders of runs that used them (a finished run's folder is gone
  // already); with the derived checkpoints, the whole folders of the runs deleted with them.
  let cleaned = 0;
  const t = sets.training;
  const derivedRunFolders = withDerived ? [...t.derived.runs.map((id) => `training/run-${id}`), ...t.unfinishedRuns.map((x) => `${x.folder}/output`)] : [];
  for (const rel of [...t.runFolders.map((f) => `${f}/dataset`), ...derivedRunFolders]) {
    const dir = resolveInsideProject(ctx.dir, join(...rel.split('/')), fn, 'plan.training.runFolders');
    if (!existsSync(dir)) continue;
    await rm(dir, { recursive: true, force: true });
    cleaned++;
  }
  let exported = 0;
  if (options.deleteExportedFiles) {
    for (const rel of plan.exportedFiles) {
      const file = resolveInsideProject(ctx.dir, join(...rel.split('/')), fn, 'plan.exportedFiles');
      await rm(file, { force: true });
      exported++;
    }
  }
  return {
    rowsDeleted: rows, blobFilesDeleted: deleted, blobFilesKept: kept, exportedFilesDeleted: exported, runFoldersCleaned: cleaned,
    derivedCheckpointsDeleted: withDerived ? t.derivedCheckpoints.length : 0, derivedCheckpointsKept: withDerived ? [] : t.derivedCheckpoints.map((c) => c.id),
    erasureLogId: logId,
  };
}
