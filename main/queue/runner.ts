// The queue runner: claims the next cell, calls the injected `runCell` (the engine, in a worker, later;
// a tiny-model runner in tests), stores the image and its result row, marks the cell succeeded, repeats.
//
// - Cancellation reaches into the cell through an AbortSignal: a cancel of the running job (an event
//   from the store) aborts it, and the engine checks the signal at every denoising step.
// - Errors from the cell fail that cell and the runner goes on; errors from the store itself (disk full,
//   database gone) are fatal: the runner puts the cell back, stops, and reports through onFatal.
// - Startup recovery re-queues cells a dead runner held (job-store.ts, recover).
// - A device fault (GPU device lost, out of GPU memory) is the device's fault, not the cell's: the engine
//   host recovers the device (models/backend/webgpu-fault.ts) and the cell goes back to the queue once by
//   itself, with the fault as its error, and runs again as attempt 2. A second fault fails it.
import { randomBytes } from 'node:crypto';
import type { CellWork } from './cell-work.ts';
import type { CellOutput, JobStore } from './job-store.ts';
import type { Job } from './job-rows.ts';
import { Wakeup } from './wakeup.ts';

export interface CellProgress {
  /** Steps done so far (1-based after the first step). */
  step: number;
  steps: number;
  /** Time the last step took, if the engine measured it. */
  stepMs?: number;
}

export interface RunCellContext {
  signal: AbortSignal;
  onProgress: (progress: CellProgress) => void;
}

export type RunCell = (cell: CellWork, context: RunCellContext) => Promise<CellOutput>;

export interface QueueRunnerOptions {
  jobs: JobStore;
  runCell: RunCell;
  /** Identifies this runner in claimed_by; default: pid plus random. */
  workerId?: string;
  /** Minimum time between progress events and progress writes for one cell. Default 250 ms. */
  progressIntervalMs?: number;
  /** Crashes survived by a cell before recovery fails it instead of re-queueing. Default 3. */
  maxAttempts?: number;
  /** Called when the runner stops because of a store error. Default: logs it. */
  onFatal?: (error: unknown) => void;
  /** Automatic retries of a cell after a device fault. Default 1. */
  deviceFaultRetries?: number;
}

/** Error names the engine gives device faults (models/backend/webgpu-fault.ts; not imported: main stays TF.js-free). */
export const DEVICE_FAULT_NAMES: ReadonlySet<string> = new Set(['WebGPUDeviceLostError', 'WebGPUOutOfMemoryError']);

export function isDeviceFault(err: unknown): boolean {
  return DEVICE_FAULT_NAMES.has((err as { name?: string } | null)?.name ?? '');
}

export class CancelledError extends Error {
  constructor(jobId: number) {
    super(`job ${jobId} was cancelled`);
    this.name = 'CancelledError';
  }
}

export class QueueRunner {
  readonly workerId: string;
  readonly #jobs: JobStore;
  readonly #runCell: RunCell;
  readonly #interval: number;
  readonly #maxAttempts: number;
  readonly #onFatal: (error: unknown) => void;
  readonly #deviceFaultRetries: number;
  readonly #wakeup = new Wakeup();
  readonly #unsubscribe: (() => void)[] = [];
  #current: { jobId: number; controller: AbortController } | null = null;
  #loop: Promise<void> | null = null;
  #stopping: 'finish' | 'abort' | null = null;
  #idle = true;
  #idleWaiters: (() => void)[] = [];

  constructor(options: QueueRunnerOptions) {
    this.#jobs = options.jobs;
    this.#runCell = options.runCell;
    this.workerId = options.workerId ?? `runner-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.#interval = options.progressIntervalMs ?? 250;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#onFatal = options.onFatal ?? ((err) => console.error('[queue] runner stopped:', err));
    this.#deviceFaultRetries = options.deviceFaultRetries ?? 1;
  }

  get running(): boolean {
    return this.#loop !== null;
  }

  /** Recovers cells a dead runner held, then starts working. Returns what recovery did. */
  start(): { requeued: number[]; failed: number[] } {
    if (this.#loop) throw new Error('QueueRunner.start: already started');
    const recovered = this.#jobs.recover(this.workerId, this.#maxAttempts);
    const ev = this.#jobs.events;
    this.#unsubscribe.push(
      ev.on('jobs-added', () => this.#poke()),
      ev.on('queue-state', (e) => { if (!e.paused) this.#poke(); }),
      ev.on('job-status', (e) => {
        if (e.to === 'cancelled' && this.#current?.jobId === e.jobId) this.#current.controller.abort(new CancelledError(e.jobId));
      }),
    );
    this.#stopping = null;
    this.#idle = false;
    this.#loop = this.#run().finally(() => {
      this.#loop = null;
      for (const off of this.#unsubscribe.splice(0)) off();
      this.#setIdle();
    });
    return recovered;
  }

  /**
   * Stops the runner. 'abort' (default) aborts the running cell and puts it back in the queue, for app
   * quit; 'finish' lets it complete first.
   */
  async stop(mode: 'abort' | 'finish' = 'abort'): Promise<void> {
    if (!this.#loop) return;
    this.#stopping = mode;
    if (mode === 'abort') this.#current?.controller.abort(new Error('the queue runner is stopping'));
    this.#wakeup.notify();
    await this.#loop;
  }

  /** Resolves when there is nothing to claim (queue empty or paused) and no cell is running. */
  whenIdle(): Promise<void> {
    if (this.#idle) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** There may be work: not idle from now on (so whenIdle waits for the loop to look), and wake the loop. */
  #poke(): void {
    if (this.#loop) this.#idle = false;
    this.#wakeup.notify();
  }

  #setIdle(): void {
    this.#idle = true;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stopping) {
        const job = this.#jobs.claimNext(this.workerId);
        if (!job) {
          this.#setIdle();
          await this.#wakeup.wait();
          this.#idle = false;
          continue;
        }
        this.#idle = false;
        await this.#runOne(job);
      }
    } catch (err) {
      this.#onFatal(err);
    }
  }

  /** Back to the queue with the fault as its error (the page sees why); the next claim is attempt + 1. */
  #retryAfterDeviceFault(job: Job, err: Error): void {
    const now = this.#jobs.get(job.id);
    if (now?.status !== 'running' || now.claimedBy !== this.workerId) return;
    this.#jobs.transition(job.id, 'queued', { error: { type: err.name, message: err.message, stack: err.stack ?? null } });
  }

  async #runOne(job: Job): Promise<void> {
    const controller = new AbortController();
    this.#current = { jobId: job.id, controller };
    const t0 = performance.now();
    const stepTimes: number[] = [];
    let lastEmit = -Infinity;
    let lastStepAt = t0;
    const meanStep = () => (stepTimes.length ? stepTimes.reduce((a, b) => a + b, 0) / stepTimes.length : null);
    const onProgress = (p: CellProgress) => {
      const now = performance.now();
      stepTimes.push(p.stepMs ?? now - lastStepAt);
      lastStepAt = now;
      if (now - lastEmit < this.#interval && p.step < p.steps) return;
      lastEmit = now;
      const stepMs = meanStep();
      const progress = p.steps > 0 ? p.step / p.steps : 0;
      this.#jobs.reportProgress(job.id, progress, stepMs);
      this.#jobs.emitProgress({
        type: 'job-progress', jobId: job.id, batchId: job.batchId, statusSeq: job.statusSeq, step: p.step, steps: p.steps, progress, stepMs,
        etaMs: stepMs === null ? null : Math.round(stepMs * (p.steps - p.step)),
      });
    };
    let output: CellOutput;
    try {
      try {
        const cell = this.#jobs.cellWork(job.id);
        output = await this.#runCell(cell, { signal: controller.signal, onProgress });
        if (controller.signal.aborted) throw controller.signal.reason;
      } catch (err) {
        // Stopping mid-cell: back to the queue for the next start. Cancelled: already final, nothing to do.
        if (this.#stopping === 'abort' && controller.signal.aborted && !(controller.signal.reason instanceof CancelledError)) {
          this.#jobs.requeue(job.id, this.workerId);
        } else if (isDeviceFault(err) && !controller.signal.aborted && job.attempt <= this.#deviceFaultRetries) {
          this.#retryAfterDeviceFault(job, err as Error);
        } else {
          this.#jobs.fail(job.id, this.workerId, err);
        }
        return;
      }
      const runMs = performance.now() - t0;
      try {
        await this.#jobs.storeResult(job.id, this.workerId, output, { runMs, stepMs: meanStep() });
      } catch (err) {
        // A bad output (not an image, no engine version) is the cell's fault; anything else is the store's.
        if ((err as { kind?: string }).kind === 'validation') this.#jobs.fail(job.id, this.workerId, err);
        else {
          this.#jobs.requeue(job.id, this.workerId);
          throw err;
        }
      }
    } finally {
      this.#current = null;
    }
  }
}
