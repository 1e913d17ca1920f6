// The Job object the queue hands out, and its mapping from a `jobs` row.
import type { JobStatus } from './job-status.ts';
import type { CellSettings } from './settings.ts';

export interface Job {
  id: number;
  batchId: number;
  garmentId: number;
  garmentPhotoId: number;
  modelPhotoId: number;
  maskId: number | null;
  denseposeId: number | null;
  checkpointId: number;
  seed: number;
  settings: CellSettings;
  settingsHash: string;
  steps: number;
  priority: number;
  status: JobStatus;
  statusSeq: number;
  attempt: number;
  claimedBy: string | null;
  progress: number;
  stepMs: number | null;
  runMs: number | null;
  error: { type: string | null; message: string; stack: string | null } | null;
  retriedFrom: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface JobRow {
  id: number; batch_id: number; garment_id: number; garment_photo_id: number; model_photo_id: number; mask_id: number | null;
  densepose_id: number | null; checkpoint_id: number; seed: number; settings: string; settings_hash: string; steps: number;
  priority: number; status: JobStatus; status_seq: number; attempt: number; claimed_by: string | null; progress: number;
  step_ms: number | null; run_ms: number | null; error_type: string | null; error_message: string | null; error_stack: string | null;
  retried_from: number | null; created_at: number; started_at: number | null; finished_at: number | null; updated_at: number;
}

export function toJob(r: JobRow): Job {
  return {
    id: r.id, batchId: r.batch_id, garmentId: r.garment_id, garmentPhotoId: r.garment_photo_id, modelPhotoId: r.model_photo_id,
    maskId: r.mask_id, denseposeId: r.densepose_id, checkpointId: r.checkpoint_id, seed: r.seed,
    settings: JSON.parse(r.settings) as CellSettings, settingsHash: r.settings_hash, steps: r.steps, priority: r.priority,
    status: r.status, statusSeq: r.status_seq, attempt: r.attempt, claimedBy: r.claimed_by, progress: r.progress,
    stepMs: r.step_ms, runMs: r.run_ms,
    error: r.error_message === null ? null : { type: r.error_type, message: r.error_message, stack: r.error_stack },
    retriedFrom: r.retried_from, createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
  };
}

/** Jobs per status, as the API reports them. */
export type { JobCounts } from '../../preload/contract.ts';

export interface Batch {
  id: number;
  name: string;
  checkpointId: number;
  priority: number;
  spec: Record<string, unknown>;
  createdAt: number;
}
