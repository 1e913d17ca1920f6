// The producer side of the team queue: puts the project's queued cells into BullMQ and keeps Redis in
// line with the project database, which stays the record. Redis only distributes work and notices dead
// workers (stalled-job recovery); what a cell *is* and whether it is done is always read from SQLite
// (the coordinator checks at every claim), so a job in Redis that should not run is merely skipped.
//
// - New cells (a batch enqueued, failed cells retried) are pushed as they appear (jobs-added event).
// - The BullMQ job id is the cell key (cell-key.ts), so pushing a cell twice queues it once: a full
//   re-sync is always safe, and runs at start and whenever Redis holds fewer pending jobs than the
//   project (a Redis that lost data, a flushed database).
// - A BullMQ job that failed for good (a worker kept losing the coordinator) while its cell is still
//   pending is retried: the coordinator's attempt count, not BullMQ's, decides when a cell gives up.
// - Cancelled cells are removed from Redis (best effort: a running one is stopped through its worker's
//   next progress report instead); pause and resume of the project queue pause the BullMQ queue.
import { Queue, type RedisOptions } from 'bullmq';
import type { JobStore } from '../queue/job-store.ts';
import type { Job } from '../queue/job-rows.ts';
import { cellKey, parseCellKey } from './cell-key.ts';
import { redactSecrets } from './redact.ts';

export const DEFAULT_PREFIX = 'leffa';

export interface CellJobData {
  jobId: number;
  settingsHash: string;
}

export interface DispatcherOptions {
  jobs: JobStore;
  connection: RedisOptions;
  queueName: string;
  /** Redis key prefix. Default 'leffa'. */
  prefix?: string;
  /** How often Redis and the project are compared. Default 10 s. */
  checkEveryMs?: number;
  log?: (line: string) => void;
}

/** SQLite priority (higher first, -1000..1000) to BullMQ priority (lower first, 1..2001). */
const bullPriority = (p: number) => 1001 - p;

const PAGE = 1000;

export class Dispatcher {
  readonly queue: Queue<CellJobData>;
  readonly #jobs: JobStore;
  readonly #log: (line: string) => void;
  readonly #checkEveryMs: number;
  readonly #off: (() => void)[] = [];
  #timer: NodeJS.Timeout | null = null;
  /** Cells with an id above this are not in Redis yet. */
  #pushedUpTo = 0;
  /** One push or sync at a time; the next request waits for it (and is merged if one already waits). */
  #chain: Promise<unknown> = Promise.resolve();
  #fullSyncWanted = false;
  #pushWanted = false;
  #stopped = false;

  constructor(options: DispatcherOptions) {
    this.#jobs = options.jobs;
    this.#log = options.log ?? (() => {});
    this.#checkEveryMs = options.checkEveryMs ?? 10_000;
    this.queue = new Queue<CellJobData>(options.queueName, { connection: options.connection, prefix: options.prefix ?? DEFAULT_PREFIX });
    // Without a listener, a connection error would be thrown as an unhandled 'error' event.
    this.queue.on('error', (err) => this.#log(`[team] Redis: ${redactSecrets(err.message)}`));
  }

  /** Resolves once Redis has answered and the pending cells are pushed (an app must not await it to open). */
  async start(): Promise<void> {
    await this.queue.waitUntilReady();
    if (this.#jobs.isPaused()) await this.queue.pause();
    else await this.queue.resume();
    const ev = this.#jobs.events;
    this.#off.push(
      ev.on('jobs-added', () => void this.#schedule('push')),
      ev.on('job-status', (e) => {
        if (e.to === 'cancelled') void this.#remove(e.jobId);
      }),
      ev.on('queue-state', (e) => void (e.paused ? this.queue.pause() : this.queue.resume()).catch((err: Error) => this.#log(`[team] pause/resume: ${err.message}`))),
    );
    await this.#schedule('full');
    this.#timer = setInterval(() => void this.#check(), this.#checkEveryMs);
    this.#timer.unref();
  }

  /** Pushes every pending cell (queued or running) to Redis; existing ones are left as they are. */
  fullSync(): Promise<void> {
    return this.#schedule('full');
  }

  /** Resolves when the pushes asked for so far are done. */
  async settled(): Promise<void> {
    for (let chain = this.#chain; ; chain = this.#chain) {
      await chain;
      if (chain === this.#chain) return;
    }
  }

  #schedule(kind: 'push' | 'full'): Promise<void> {
    if (kind === 'full') this.#fullSyncWanted = true;
    else this.#pushWanted = true;
    const next = this.#chain.then(async () => {
      if (this.#stopped || (!this.#fullSyncWanted && !this.#pushWanted)) return;
      const full = this.#fullSyncWanted;
      this.#fullSyncWanted = this.#pushWanted = false;
      try {
        await this.#push(full ? 0 : this.#pushedUpTo, full);
      } catch (err) {
        this.#log(`[team] could not push cells to Redis (retrying at the next check): ${redactSecrets((err as Error).message)}`);
      }
    });
    this.#chain = next;
    return next;
  }

  async #push(afterId: number, includeRunning: boolean): Promise<void> {
    const statuses = includeRunning ? (['queued', 'running'] as const) : (['queued'] as const);
    let pushed = 0;
    for (const status of statuses) {
      for (let after = afterId; ;) {
        const page = this.#jobs.list({ status, afterId: after, limit: PAGE });
        if (page.length === 0) break;
        await this.queue.addBulk(page.map((j) => this.#bullJob(j)));
        pushed += page.length;
        after = page[page.length - 1]!.id;
        this.#pushedUpTo = Math.max(this.#pushedUpTo, after);
      }
    }
    if (includeRunning) {
      await this.#retryFailed();
      this.#log(`[team] synced ${pushed} pending cell(s) to Redis`);
    }
  }

  #bullJob(j: Job) {
    return {
      name: 'cell',
      data: { jobId: j.id, settingsHash: j.settingsHash },
      opts: {
        jobId: cellKey(j.id, j.settingsHash),
        priority: bullPriority(j.priority),
        // Thrown errors are transport trouble (coordinator unreachable): retry with backoff. Engine
        // errors are reported to the coordinator and complete the job, so they never come back here.
        attempts: 5,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 24 * 3600, count: 1000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    };
  }

  /** Failed-for-good BullMQ jobs whose cell is still pending get another go; the others are dropped. */
  async #retryFailed(): Promise<void> {
    for (const job of await this.queue.getFailed(0, 999)) {
      const key = job.id ? parseCellKey(job.id) : null;
      const cell = key && this.#jobs.get(key.jobId);
      const bull = job as unknown as { retry(state?: 'failed'): Promise<void>; remove(): Promise<void> };
      if (cell && (cell.status === 'queued' || cell.status === 'running')) await bull.retry('failed').catch(() => undefined);
      else await bull.remove().catch(() => undefined);
    }
  }

  async #remove(jobId: number): Promise<void> {
    const job = this.#jobs.get(jobId);
    if (!job) return;
    try {
      await this.queue.remove(cellKey(job.id, job.settingsHash));
    } catch {
      // Locked by a worker: it learns of the cancel at its next progress report.
    }
  }

  /** Redis holding fewer pending cells than the project, or failed ones: re-sync. */
  async #check(): Promise<void> {
    try {
      const c = await this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      const inRedis = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.active ?? 0) + (c.delayed ?? 0);
      const counts = this.#jobs.counts();
      if (inRedis < counts.queued + counts.running) await this.#schedule('full');
      else if ((c.failed ?? 0) > 0) await this.#retryFailed();
    } catch (err) {
      this.#log(`[team] Redis check failed: ${redactSecrets((err as Error).message)}`);
    }
  }

  /** Changes the priority of a batch's cells still waiting in Redis (the project's rows first). */
  async setBatchPriority(batchId: number, priority: number): Promise<void> {
    this.#jobs.setBatchPriority(batchId, priority);
    for (let after = 0; ;) {
      const page = this.#jobs.list({ batchId, status: 'queued', afterId: after, limit: PAGE });
      if (page.length === 0) break;
      for (const j of page) {
        const bull = await this.queue.getJob(cellKey(j.id, j.settingsHash));
        await bull?.changePriority({ priority: bullPriority(priority) }).catch(() => undefined);
      }
      after = page[page.length - 1]!.id;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const off of this.#off.splice(0)) off();
    await this.#chain.catch(() => undefined);
    await this.queue.close();
  }
}
