// Part of the API contract (preload/contract.ts, which re-exports it): Batches, the queue and its cells,
// results; the engine's status; queue mode (local or team) and workers.
// Types only.
import type { Category, DenseposeFormat, JobCounts, JobStatus, ReviewStatus } from './base.ts';
import type { CheckpointTask } from './catalog.ts';
import type { BatchReleases } from './rights.ts';

// ---- batches, queue, results ---------------------------------------------------------------------

/** Sampling settings of one cell; missing fields take the defaults shown. */
export interface CellSettingsInput {
  /** Denoising steps, 1-1000 (default 30). */
  steps?: number;
  /** Classifier-free guidance scale, 0-50 (default 2.5). */
  guidanceScale?: number;
  /** Run the reference UNet once instead of every step (default false). */
  refAcceleration?: boolean;
  /** Paste the unmasked region of the person back over the output (default false). */
  repaint?: boolean;
}

export interface CellSettings {
  steps: number;
  guidanceScale: number;
  refAcceleration: boolean;
  repaint: boolean;
}

/** A batch: garments × model photos × seeds × settings. */
export interface BatchSpecInput {
  name?: string;
  /** Default: the project's default checkpoint (of `task`, when given). */
  checkpointId?: number;
  /** Which task's default checkpoint to use when `checkpointId` is absent. */
  task?: CheckpointTask;
  garmentIds: number[];
  modelPhotoIds: number[];
  /** 0 .. 2^32-1. */
  seeds: number[];
  /** Default [{}]: one cell per (garment, model photo, seed) with default settings. */
  settings?: CellSettingsInput[];
  /** Higher runs first (-1000..1000, default 0). */
  priority?: number;
  /** Which garment photo a cell uses (default 'any': flat-lay first, then front view). */
  garmentPhotoType?: 'flat-lay' | 'on-model' | 'any';
}

/** What enqueueing the batch would do (preview) or did (enqueue). */
export interface BatchPlan {
  /** Cells in the matrix. */
  cells: number;
  /** Jobs that are (or would be) created. */
  created: number;
  /** Cells skipped: a result with the same settings exists. */
  skippedDone: number;
  /** Cells skipped: a queued or running job has the same settings. */
  skippedPending: number;
  /** Cells repeated within this batch. */
  skippedDuplicate: number;
  /** The checkpoint the cells use. */
  checkpointId: number;
  /** Denoising steps of the created cells. */
  steps: number;
  /** steps × measured time per step, or null before any cell has run. */
  estimateMs: number | null;
  /** Inputs the engine needs but the project lacks: such cells would fail, so the UI should warn. */
  missing: { modelPhotoId: number; what: 'mask' | 'densepose'; category?: Category; format?: DenseposeFormat }[];
  /** Release check per model photo (project policy); with strict on, any 'refuse' makes enqueue fail. */
  releases?: BatchReleases;
  /** The checkpoint's licence has not been accepted in this project yet: enqueue refuses until it is. */
  licencePending?: { checkpointId: number; name: string; licence: string } | null;
}

export interface BatchEnqueued extends BatchPlan {
  batchId: number;
}

export interface BatchSummary {
  id: number;
  name: string;
  checkpointId: number;
  priority: number;
  createdAt: number;
  counts: JobCounts;
  /** All cells ended (succeeded, failed or cancelled). */
  finished: boolean;
}

/** One cell of the queue (a job). */
export interface QueueCell {
  jobId: number;
  batchId: number;
  garmentId: number;
  modelPhotoId: number;
  checkpointId: number;
  seed: number;
  settings: CellSettings;
  status: JobStatus;
  /** Bumps at every status change: drop events with a lower statusSeq than the one shown. */
  statusSeq: number;
  attempt: number;
  /** 0..1 while running. */
  progress: number;
  stepMs: number | null;
  runMs: number | null;
  error: { type: string | null; message: string } | null;
  retriedFrom: number | null;
  /** The result, once succeeded. */
  resultId: number | null;
  resultHash: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface QueueState {
  /** Pause persists across restarts; a paused queue finishes its running cell, then waits. */
  paused: boolean;
  /** The runner is working (false when no project is open or the runner stopped on a store error). */
  runnerActive: boolean;
  counts: JobCounts;
  eta: { remainingSteps: number; msPerStep: number | null; etaMs: number | null };
  /** The cell running now, with its latest progress. */
  current: { jobId: number; batchId: number; step: number; steps: number; etaMs: number | null } | null;
}

export interface ResultItem {
  id: number;
  jobId: number;
  batchId: number;
  garmentId: number;
  modelPhotoId: number;
  checkpointId: number;
  category: Category;
  settingsHash: string;
  blobHash: string;
  width: number;
  height: number;
  commercialUse: boolean;
  reviewStatus: ReviewStatus;
  createdAt: number;
}

export interface ResultDetail extends ResultItem {
  /** The reproducibility record (seed, settings, input hashes, engine, timings). */
  record: Record<string, unknown>;
}

// ---- engine --------------------------------------------------------------------------------------

export interface EngineStatus {
  /** 'starting' until the worker answered; 'busy' while a cell runs; 'down' when the worker failed. */
  state: 'starting' | 'idle' | 'busy' | 'down';
  /** tf.getBackend() once known. */
  backend: string | null;
  /** Memory as the engine reports it (bytes), when known. */
  memory: { numBytes: number; numTensors: number; gpuBytes?: number; wasmHeapBytes?: number; rssBytes?: number } | null;
  /** The checkpoint the worker has loaded, when known (its project id). */
  checkpointId?: number | null;
  /** Last failure, when state is 'down'. */
  error?: string;
  /** WebGPU: the adapter's name (e.g. "NVIDIA H100", "SwiftShader"), when the engine reported one. */
  adapter?: string;
  /** What the host just did about a fault (device lost / out of memory: re-created, fell back to CPU). */
  notice?: string;
}

// ---- queue mode and workers (team queue, main/team) ----------------------------------------------

/** A machine that runs cells: this computer (local queue) or a `leffa-studio worker` (team queue). */
export interface QueueWorker {
  name: string;
  /** The TF.js backend it runs ('tensorflow', 'webgpu', 'wasm', ...). */
  backend: string | null;
  /** Its GPU (nvidia-smi) or WebGPU adapter name. */
  gpu: string | null;
  host: string | null;
  online: boolean;
  lastSeen: number;
  current: { jobId: number; step: number; steps: number } | null;
  cellsDone: number;
  cellsFailed: number;
  /** Mean time of one denoising step, ms. */
  stepMs: number | null;
  secondsPerImage: number | null;
}

export interface QueueWorkers {
  mode: 'local' | 'team';
  items: QueueWorker[];
}

/** What a project's queue settings may say (the Redis password is never part of them). */
export type QueueSettingsInput =
  | { kind: 'local' }
  | { kind: 'team'; redisUrl: string; queueName?: string; passwordFile?: string; coordinatorPort?: number };

/** A worker's token as the app lists it (never the token itself: only its digest is kept). */
export interface WorkerTokenInfo {
  name: string;
  createdAt: number;
  revokedAt: number | null;
}

/** A token just issued: shown once, with the command that starts the worker on the GPU machine. */
export interface IssuedWorkerToken {
  name: string;
  token: string;
  command: string;
  tokens: WorkerTokenInfo[];
}

export interface QueueSettingsInfo {
  settings: { kind: 'local' } | { kind: 'team'; redisUrl: string; queueName: string; passwordFile?: string; coordinatorPort?: number };
  /** The queue running now for the open project. */
  active: 'local' | 'team';
  /** Team: Redis answered (null while connecting); the error when it did not. */
  connected: boolean | null;
  error?: string;
  /** Team: where workers reach the coordinator (--coordinator), when this process serves one. */
  coordinatorUrl: string | null;
}
