// What the app shows about each team worker: its backend and GPU (from hello), what it is working on
// (from claims and progress) and how fast it goes (mean step time, mean seconds per image). Kept in
// the coordinator's memory: it is a live view, rebuilt as workers report, not part of the record.
import type { QueueWorker } from '../../preload/contract.ts';
import type { Hello } from './wire.ts';

/**
 * The API's QueueWorker and the engine version: `online` = seen within the last `onlineMs` (default 60 s);
 * `stepMs` is over recent cells; `secondsPerImage` is a finished cell's mean wall time, claim to stored result.
 */
export interface WorkerStatus extends QueueWorker {
  engineVersion: string | null;
}

interface Entry extends Omit<WorkerStatus, 'online'> {
  cellStartedAt: number | null;
}

/** Exponentially weighted mean: recent cells count more, one slow outlier fades. */
const ewma = (prev: number | null, x: number, a = 0.2) => (prev === null ? x : prev + a * (x - prev));

export class WorkerRegistry {
  readonly #workers = new Map<string, Entry>();
  readonly #listeners = new Set<(status: WorkerStatus) => void>();

  constructor(private readonly onlineMs = 60_000) {}

  #entry(name: string): Entry {
    let e = this.#workers.get(name);
    if (!e) {
      e = {
        name, backend: null, gpu: null, engineVersion: null, host: null, lastSeen: 0, current: null,
        cellsDone: 0, cellsFailed: 0, stepMs: null, secondsPerImage: null, cellStartedAt: null,
      };
      this.#workers.set(name, e);
    }
    e.lastSeen = Date.now();
    return e;
  }

  #changed(e: Entry): void {
    const status = this.#status(e, Date.now());
    for (const l of this.#listeners) l(status);
  }

  hello(name: string, h: Hello): void {
    const e = this.#entry(name);
    // Repeated every half minute by a live worker: it refreshes, it does not reset the current cell.
    Object.assign(e, { backend: h.backend, gpu: h.gpu, engineVersion: h.engineVersion, host: h.host });
    this.#changed(e);
  }

  claimed(name: string, jobId: number): void {
    const e = this.#entry(name);
    e.current = { jobId, step: 0, steps: 0 };
    e.cellStartedAt = Date.now();
    this.#changed(e);
  }

  progress(name: string, jobId: number, step: number, steps: number, stepMs: number | null): void {
    const e = this.#entry(name);
    e.current = { jobId, step, steps };
    if (stepMs !== null) e.stepMs = ewma(e.stepMs, stepMs);
    this.#changed(e);
  }

  /** A cell left the worker; `stepMs` is the cell's mean step time (an upload reports it, short cells send no progress). */
  ended(name: string, jobId: number, outcome: 'stored' | 'failed' | 'released', stepMs: number | null = null): void {
    const e = this.#entry(name);
    if (stepMs !== null) e.stepMs = ewma(e.stepMs, stepMs);
    if (outcome === 'stored') {
      e.cellsDone++;
      if (e.cellStartedAt !== null) e.secondsPerImage = ewma(e.secondsPerImage, (Date.now() - e.cellStartedAt) / 1000);
    } else if (outcome === 'failed') {
      e.cellsFailed++;
    }
    if (e.current?.jobId === jobId) e.current = null;
    e.cellStartedAt = null;
    this.#changed(e);
  }

  /** Any request counts as a sign of life. */
  seen(name: string): void {
    this.#entry(name);
  }

  forget(name: string): void {
    this.#workers.delete(name);
  }

  #status(e: Entry, now: number): WorkerStatus {
    const { cellStartedAt: _c, ...rest } = e;
    return { ...rest, current: e.current && { ...e.current }, online: now - e.lastSeen <= this.onlineMs };
  }

  list(): WorkerStatus[] {
    const now = Date.now();
    return [...this.#workers.values()].map((e) => this.#status(e, now)).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Called on every change of a worker's status; returns the unsubscribe function. */
  onChange(listener: (status: WorkerStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
