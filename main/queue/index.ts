// Public entry of the job queue. See README.md in this folder.
export { JobStore, type CellOutput, type RunTiming, type TransitionPatch } from './job-store.ts';
export { QueueRunner, CancelledError, type RunCell, type RunCellContext, type CellProgress, type QueueRunnerOptions } from './runner.ts';
export { JOB_STATUSES, TERMINAL_STATUSES, isTerminal, canTransition, allowedNext, type JobStatus } from './job-status.ts';
export { BatchSpec, CellSettings, MAX_CELLS, type BatchSpecInput } from './settings.ts';
export { settingsHash, canonicalJson, type CellIdentity } from './cell-key.ts';
export { EngineRecord, RECORD_FORMAT, buildRecord } from './record.ts';
export type { CellWork } from './cell-work.ts';
export type { EnqueueReport } from './enqueue.ts';
export type { QueueEta } from './eta.ts';
export type { Job, JobCounts, Batch } from './job-rows.ts';
export type { QueueEvent, JobStatusEvent, JobProgressEvent, JobsAddedEvent, QueueStateEvent } from './events.ts';
