// Typed queue events. Status events carry the job's status_seq: a monotonic version of its visible
// status, so a UI receiving events out of order (IPC, WebSocket) can drop stale ones. Events are emitted
// only after the transaction that made the change has committed, never for a change that rolled back.
import type { JobStatus } from './job-status.ts';

export interface JobStatusEvent {
  type: 'job-status';
  jobId: number;
  batchId: number;
  from: JobStatus;
  to: JobStatus;
  statusSeq: number;
  attempt: number;
  error?: string;
}

export interface JobProgressEvent {
  type: 'job-progress';
  jobId: number;
  batchId: number;
  statusSeq: number;
  step: number;
  steps: number;
  /** 0..1 */
  progress: number;
  /** Mean time per step so far in this cell. */
  stepMs: number | null;
  /** Estimated time left for this cell. */
  etaMs: number | null;
}

/** New queued jobs: a batch was enqueued, or failed jobs were retried. */
export interface JobsAddedEvent {
  type: 'jobs-added';
  batchId: number | null;
  created: number;
}

export interface QueueStateEvent {
  type: 'queue-state';
  paused: boolean;
}

export type QueueEvent = JobStatusEvent | JobProgressEvent | JobsAddedEvent | QueueStateEvent;
type EventOf<T extends QueueEvent['type']> = Extract<QueueEvent, { type: T }>;
type Listener<E> = (event: E) => void;

export class QueueEvents {
  readonly #listeners = new Map<QueueEvent['type'], Set<Listener<never>>>();

  /** Subscribes; returns the unsubscribe function. */
  on<T extends QueueEvent['type']>(type: T, listener: Listener<EventOf<T>>): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    set.add(listener as Listener<never>);
    this.#listeners.set(type, set);
    return () => set.delete(listener as Listener<never>);
  }

  emit(event: QueueEvent): void {
    for (const listener of [...(this.#listeners.get(event.type) ?? [])]) {
      try {
        (listener as Listener<QueueEvent>)(event);
      } catch (err) {
        // A broken listener (a closed window) must not undo or stall the queue that emitted the event.
        console.error(`[queue] ${event.type} listener failed:`, err);
      }
    }
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }
}
