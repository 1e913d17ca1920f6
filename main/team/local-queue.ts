// The local queue behind the BatchQueue interface: the existing QueueRunner on this computer, with the
// engine as its runCell. Its one "worker" is this computer, reported like a team worker so the app
// shows the same panel in both modes.
import type { JobStore } from '../queue/job-store.ts';
import { QueueRunner, type QueueRunnerOptions, type RunCell } from '../queue/runner.ts';
import type { BatchSpecInput } from '../queue/settings.ts';
import type { BatchQueue } from './batch-queue.ts';
import { whenNoPending } from './when-idle.ts';
import { WorkerRegistry, type WorkerStatus } from './worker-registry.ts';

export const LOCAL_WORKER = 'this-computer';

export interface LocalBatchQueueOptions {
  backend?: string;
  gpu?: string | null;
  /** Passed on to the QueueRunner (progress interval, fatal-error handler, worker id). */
  runner?: Omit<QueueRunnerOptions, 'jobs' | 'runCell'>;
}

export class LocalBatchQueue implements BatchQueue {
  readonly kind = 'local';
  readonly runner: QueueRunner;
  readonly #registry = new WorkerRegistry(Number.POSITIVE_INFINITY);
  readonly #off: (() => void)[] = [];
  /** What the last start() recovered: cells an earlier run left running. */
  recovered: { requeued: number[]; failed: number[] } = { requeued: [], failed: [] };

  constructor(readonly jobs: JobStore, runCell: RunCell, options: LocalBatchQueueOptions = {}) {
    this.runner = new QueueRunner({ workerId: `local-${process.pid}`, ...options.runner, jobs, runCell });
    this.#registry.hello(LOCAL_WORKER, { backend: options.backend ?? 'local', gpu: options.gpu ?? null, engineVersion: '', host: 'localhost', pid: process.pid });
  }

  /** The engine's backend and adapter, once known (the engine starts after the queue). */
  describe(backend: string, gpu: string | null): void {
    const me = this.#registry.list().find((w) => w.name === LOCAL_WORKER);
    if (me && me.backend === backend && me.gpu === gpu) return;
    this.#registry.hello(LOCAL_WORKER, { backend, gpu, engineVersion: me?.engineVersion ?? '', host: 'localhost', pid: process.pid });
  }

  async start(): Promise<void> {
    const ev = this.jobs.events;
    this.#off.push(
      ev.on('job-status', (e) => {
        if (e.to === 'running') this.#registry.claimed(LOCAL_WORKER, e.jobId);
        else if (e.from === 'running') this.#registry.ended(LOCAL_WORKER, e.jobId, e.to === 'succeeded' ? 'stored' : e.to === 'failed' ? 'failed' : 'released');
      }),
      ev.on('job-progress', (e) => this.#registry.progress(LOCAL_WORKER, e.jobId, e.step, e.steps, e.stepMs)),
    );
    this.recovered = this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    for (const off of this.#off.splice(0)) off();
  }

  enqueueBatch(spec: BatchSpecInput) { return this.jobs.enqueueBatch(spec); }
  cancelJob(jobId: number): void { this.jobs.cancelJob(jobId); }
  cancelBatch(batchId: number): number { return this.jobs.cancelBatch(batchId); }
  pause(): void { this.jobs.pause(); }
  resume(): void { this.jobs.resume(); }
  async setBatchPriority(batchId: number, priority: number): Promise<void> { this.jobs.setBatchPriority(batchId, priority); }
  whenIdle(): Promise<void> { return whenNoPending(this.jobs); }
  workers(): WorkerStatus[] { return this.#registry.list(); }
  onWorkersChange(listener: () => void): () => void { return this.#registry.onChange(listener); }
}
