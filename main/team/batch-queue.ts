// One queue interface, two implementations: LocalBatchQueue (this computer runs the cells; the
// default) and TeamBatchQueue (GPU workers run them through Redis/BullMQ). Both keep the project's
// JobStore as the one record: batches, statuses, results and their events are the same in both, so the
// UI and the API read `jobs` and do not care which queue runs the cells.
import type { JobStore } from '../queue/job-store.ts';
import type { EnqueueReport } from '../queue/enqueue.ts';
import type { BatchSpecInput } from '../queue/settings.ts';
import type { WorkerStatus } from './worker-registry.ts';

export interface BatchQueue {
  readonly kind: 'local' | 'team';
  /** The project's queue record (reads, events, counts, ETA). */
  readonly jobs: JobStore;
  /** Starts running (local) or dispatching (team) queued cells. */
  start(): Promise<void>;
  /** Stops; a local cell in progress goes back to the queue, team workers carry on without the app. */
  stop(): Promise<void>;
  enqueueBatch(spec: BatchSpecInput): EnqueueReport;
  cancelJob(jobId: number): void;
  cancelBatch(batchId: number): number;
  pause(): void;
  resume(): void;
  setBatchPriority(batchId: number, priority: number): Promise<void>;
  /** Resolves when no cell is queued or running (tests, "wait for the batch"). */
  whenIdle(): Promise<void>;
  /** Who runs cells: this computer (local) or the team's workers, with backend, GPU, speed, current cell. */
  workers(): WorkerStatus[];
  /** Calls `listener` whenever a worker's status changes; returns the unsubscribe function. */
  onWorkersChange(listener: () => void): () => void;
}
