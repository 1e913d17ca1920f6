// Re-running a result: a new queued job with exactly the inputs of the result's job (the same garment
// photo, person photo, mask and DensePose versions, checkpoint and settings), and either the same seed
// ("re-run exactly": the same image bytes) or another one ("vary seed"). Enqueueing skips a cell whose
// settings hash already has a result; a re-run bypasses that on purpose and links the new job to the
// result it re-runs (table reruns, migration 011), so its result is a new version of the cell and
// nothing is overwritten. Runs inside the caller's transaction (JobStore.rerun).
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { DB } from '../store/database.ts';
import { argumentError, notFound } from '../store/errors.ts';
import type { Project } from '../store/project.ts';
import { Id } from '../store/schemas.ts';
import { parseArgs } from '../store/validate.ts';
import { settingsHash } from './cell-key.ts';
import type { JobStore } from './job-store.ts';
import type { CellSettings } from './settings.ts';

export const RerunRequest = z
  .object({
    resultId: Id,
    mode: z.enum(['exact', 'seed']),
    /** 'seed' only: the new seed (default: a random one different from the result's). */
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    /** Default: the highest, so a re-run a reviewer asked for runs next. */
    priority: z.number().int().min(-1000).max(1000).prefault(1000),
  })
  .strict();

export interface RerunReport {
  jobId: number;
  batchId: number;
  sourceResultId: number;
  mode: 'exact' | 'seed';
  seed: number;
  settingsHash: string;
}

interface SourceRow {
  job_id: number; batch_id: number; seed: number; settings: string; settings_hash: string; category: string;
  garment_hash: string; person_hash: string; mask_hash: string | null; dp_hash: string | null; ckpt_hash: string;
}

/** The JobStore the queue runs for each open project: a re-run must go through it so its runner wakes up. */
const live = new WeakMap<Project, JobStore>();

export function registerJobStore(project: Project, jobs: JobStore): void {
  live.set(project, jobs);
}

export function liveJobStore(project: Project): JobStore | undefined {
  return live.get(project);
}

/** Inserts the re-run job and its link; call inside a transaction. */
export function insertRerun(db: DB, input: z.input<typeof RerunRequest>): RerunReport {
  const fn = 'rerunResult';
  const v = parseArgs(fn, RerunRequest, input);
  const src = db.prepare(/* sql */ `
    SELECT j.id AS job_id, j.batch_id, j.seed, j.settings, j.settings_hash, r.category,
           gp.blob_hash AS garment_hash, mp.blob_hash AS person_hash, m.blob_hash AS mask_hash, d.blob_hash AS dp_hash, c.blob_hash AS ckpt_hash
    FROM results r JOIN jobs j ON j.id = r.job_id
    JOIN garment_photos gp ON gp.id = j.garment_photo_id JOIN model_photos mp ON mp.id = j.model_photo_id
    LEFT JOIN masks m ON m.id = j.mask_id LEFT JOIN densepose d ON d.id = j.densepose_id
    JOIN checkpoints c ON c.id = j.checkpoint_id
    WHERE r.id = ?`).get(v.resultId) as SourceRow | undefined;
  if (!src) throw notFound(fn, 'resultId', v.resultId, 'result');
  if (v.mode === 'exact' && v.seed !== undefined && v.seed !== src.seed) {
    throw argumentError(fn, 'seed', v.seed, `no seed, or the result's own (${src.seed}), for an exact re-run; use mode 'seed' to vary it`);
  }
  let seed = src.seed;
  if (v.mode === 'seed') {
    if (v.seed === src.seed) throw argumentError(fn, 'seed', v.seed, `a seed other than the result's own (${src.seed}); use mode 'exact' to re-run it as it was`);
    seed = v.seed ?? src.seed;
    while (seed === src.seed) seed = randomInt(0, 2 ** 31);
  }
  const hash = v.mode === 'exact'
    ? src.settings_hash
    : settingsHash({
      garmentPhoto: src.garment_hash, person: src.person_hash, mask: src.mask_hash, densepose: src.dp_hash, checkpoint: src.ckpt_hash,
      category: src.category, seed, settings: JSON.parse(src.settings) as CellSettings,
    });
  const now = Date.now();
  // Its own one-cell batch, so the queue shows it (and reports it finished) apart from the batch it came from.
  const name = v.mode === 'exact' ? `Re-run of result ${v.resultId}` : `Result ${v.resultId} with seed ${seed}`;
  const batchId = Number(db.prepare(/* sql */ `
    INSERT INTO batches (name, checkpoint_id, spec, priority, created_at)
    SELECT @name, checkpoint_id, @spec, @priority, @now FROM jobs WHERE id = @jobId`).run({
    name, spec: JSON.stringify({ rerunOf: v.resultId, mode: v.mode, seed, fromBatchId: src.batch_id }), priority: v.priority, now, jobId: src.job_id,
  }).lastInsertRowid);
  const jobId = Number(db.prepare(/* sql */ `
    INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, mask_id, densepose_id, checkpoint_id, seed,
                      settings, settings_hash, steps, priority, status, created_at, updated_at)
    SELECT @batchId, garment_id, garment_photo_id, model_photo_id, mask_id, densepose_id, checkpoint_id, @seed,
           settings, @hash, steps, @priority, 'queued', @now, @now
    FROM jobs WHERE id = @jobId`).run({ batchId, seed, hash, priority: v.priority, now, jobId: src.job_id }).lastInsertRowid);
  db.prepare(/* sql */ `INSERT INTO reruns (job_id, source_result_id, mode, created_at) VALUES (?, ?, ?, ?)`).run(jobId, v.resultId, v.mode, now);
  return { jobId, batchId, sourceResultId: v.resultId, mode: v.mode, seed, settingsHash: hash };
}
