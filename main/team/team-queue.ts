// The team queue behind the BatchQueue interface: cells are dispatched to Redis/BullMQ (dispatcher.ts)
// and run by `leffa-studio worker` processes on GPU machines, which talk to this process's coordinator
// (coordinator.ts) over HTTP: `handler` is what the serve host mounts. The project's JobStore stays the
// record; cancel, pause and new batches reach Redis through its events.
import type { RedisOptions } from 'bullmq';
import type { JobStore } from '../queue/job-store.ts';
import type { BatchSpecInput } from '../queue/settings.ts';
import type { BatchQueue } from './batch-queue.ts';
import { Coordinator } from './coordinator.ts';
import { createCoordinatorHandler, type CoordinatorHandler } from './coordinator-http.ts';
import { Dispatcher } from './dispatcher.ts';
import { whenNoPending } from './when-idle.ts';
import type { WorkerStatus } from './worker-registry.ts';
import type { WorkerTokens } from './worker-tokens.ts';

export interface TeamBatchQueueOptions {
  jobs: JobStore;
  connection: RedisOptions;
  queueName: string;
  tokens: WorkerTokens;
  maxAttempts?: number;
  /** How often Redis is compared with the project (dispatcher.ts). Default 10 s. */
  checkEveryMs?: number;
  log?: (line: string) => void;
}

export class TeamBatchQueue implements BatchQueue {
  readonly kind = 'team';
  readonly jobs: JobStore;
  readonly coordinator: Coordinator;
  readonly dispatcher: Dispatcher;
  /** The coordinator's HTTP endpoints (/team/v2/…), for the serve host or a standalone server. */
  readonly handler: CoordinatorHandler;

  constructor(options: TeamBatchQueueOptions) {
    this.jobs = options.jobs;
    this.coordinator = new Coordinator({ jobs: options.jobs, tokens: options.tokens, maxAttempts: options.maxAttempts, log: options.log });
    this.dispatcher = new Dispatcher({
      jobs: options.jobs, connection: options.connection, queueName: options.queueName, checkEveryMs: options.checkEveryMs, log: options.log,
    });
    this.handler = createCoordinatorHandler(this.coordinator, { log: options.log });
  }

  start(): Promise<void> { return this.dispatcher.start(); }
  stop(): Promise<void> { return this.dispatcher.stop(); }

  enqueueBatch(spec: BatchSpecInput) { return this.jobs.enqueueBatch(spec); }
  cancelJob(jobId: number): void { this.jobs.cancelJob(jobId); }
  cancelBatch(batchId: number): number { return this.jobs.cancelBatch(batchId); }
  pause(): void { this.jobs.pause(); }
  resume(): void { this.jobs.resume(); }
  setBatchPriority(batchId: number, priority: number): Promise<void> { return this.dispatcher.setBatchPriority(batchId, priority); }
  whenIdle(): Promise<void> { return whenNoPending(this.jobs); }
  workers(): WorkerStatus[] { return this.coordinator.registry.list(); }
  onWorkersChange(listener: () => void): () => void { return this.coordinator.registry.onChange(() => listener()); }
}
