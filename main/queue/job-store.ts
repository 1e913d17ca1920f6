// The persistent queue: storage plus the state machine (InvokeAI's session queue, split smaller).
//
// Every status change goes through `transition`, the one function that checks the move is allowed
// (job-status.ts), refuses to leave a terminal state, bumps status_seq and queues an event. Every public
// write runs in one synchronous IMMEDIATE transaction (the write lock is taken at BEGIN, so two
// connections cannot both read "queued" and both claim), and events are emitted only after it commits.
import { z } from 'zod';
import type { Project } from '../store/project.ts';
import { StoreError, argumentError, notFound } from '../store/errors.ts';
import { inspectImage } from '../store/image-check.ts';
import { Bytes, Id } from '../store/schemas.ts';
import { parseArgs } from '../store/validate.ts';
import { toCellWork, type CellWork, type CellWorkRow } from './cell-work.ts';
import { Enqueuer, type EnqueueReport } from './enqueue.ts';
import { computeEta, type QueueEta } from './eta.ts';
import { prepareJobStatements, type JobStatements } from './job-sql.ts';
import { QueueEvents, type QueueEvent } from './events.ts';
import { toJob, type Batch, type Job, type JobCounts, type JobRow } from './job-rows.ts';
import { JOB_STATUSES, allowedNext, canTransition, isTerminal, type JobStatus } from './job-status.ts';
import { EngineRecord, buildRecord } from './record.ts';
import { insertRerun, registerJobStore, type RerunReport, type RerunRequest } from './rerun.ts';
import type { BatchSpecInput } from './settings.ts';

export interface TransitionPatch {
  /** Who claims the job (to: 'running'). */
  claimedBy?: string;
  error?: { type: string; message: string; stack?: string | null };
  runMs?: number;
  stepMs?: number | null;
}

/** What a cell run produced: the encoded output image and what the engine reports about the run. */
export interface CellOutput {
  image: Uint8Array;
  record: EngineRecord;
}

export interface RunTiming {
  runMs: number;
  stepMs: number | null;
}

const ListFilter = z
  .object({
    batchId: Id.optional(),
    status: z.enum(JOB_STATUSES).optional(),
    afterId: z.number().int().min(0).prefault(0),
    limit: z.number().int().min(1).max(1000).prefault(100),
  })
  .strict();

const TransitionArgs = z.object({ jobId: Id, to: z.enum(JOB_STATUSES) });

const Output = z.object({ image: Bytes, record: EngineRecord }).strict();

export class JobStore {
  readonly events = new QueueEvents();
  readonly #s: JobStatements;
  readonly #enqueuer: Enqueuer;
  #pending: QueueEvent[] = [];
  #depth = 0;

  constructor(readonly project: Project) {
    this.#s = prepareJobStatements(project.db);
    this.#enqueuer = new Enqueuer(project.db);
    registerJobStore(project, this);
  }

  /** Runs fn in one IMMEDIATE transaction and emits the events it queued once it has committed. */
  #tx<T>(fn: () => T): T {
    if (this.#depth > 0) return fn();
    if (this.project.db.inTransaction) {
      // Events would be emitted for changes the caller might still roll back.
      throw new StoreError('conflict', 'queue: JobStore methods open their own transaction; call them outside db.transaction()');
    }
    this.#depth++;
    let out: T;
    try {
      out = this.project.db.transaction(fn).immediate();
    } catch (err) {
      this.#pending = [];
      throw err;
    } finally {
      this.#depth--;
    }
    const events = this.#pending;
    this.#pending = [];
    for (const e of events) this.events.emit(e);
    return out;
  }

  #row(jobId: number, fn: string): JobRow {
    const row = this.#s.row.get(jobId) as JobRow | undefined;
    if (!row) throw notFound(fn, 'jobId', jobId, 'job');
    return row;
  }

  /**
   * The one place a job's status changes. Refuses to leave a terminal state and any move the state
   * machine does not allow, bumps status_seq, and queues a job-status event for after the commit.
   */
  transition(jobId: number, to: JobStatus, patch: TransitionPatch = {}): Job {
    const fn = 'transition';
    parseArgs(fn, TransitionArgs, { jobId, to });
    return this.#tx(() => {
      const row = this.#row(jobId, fn);
      if (isTerminal(row.status)) {
        throw argumentError(fn, 'to', to, `no change: job ${jobId} is ${row.status}, a final state (retry makes a new job instead)`, 'conflict');
      }
      if (!canTransition(row.status, to)) {
        throw argumentError(fn, 'to', to, `one of ${allowedNext(row.status).join(', ')} (job ${jobId} is ${row.status})`, 'conflict');
      }
      const changed = this.#s.transition.run({
        id: jobId, from: row.status, to, now: Date.now(), claimedBy: patch.claimedBy ?? null,
        errorType: patch.error?.type ?? null, errorMessage: patch.error?.message ?? null, errorStack: patch.error?.stack ?? null,
        runMs: patch.runMs ?? null, stepMs: patch.stepMs ?? null,
      }).changes;
      if (changed !== 1) throw new StoreError('conflict', `${fn}: job ${jobId} changed while it was being moved to ${to}`);
      this.#pending.push({
        type: 'job-status', jobId, batchId: row.batch_id, from: row.status, to, statusSeq: row.status_seq + 1,
        attempt: row.attempt + (to === 'running' ? 1 : 0), ...(patch.error && { error: patch.error.message }),
      });
      return toJob(this.#s.row.get(jobId) as JobRow);
    });
  }

  // ---- enqueue, priorities, pause -------------------------------------------------------------------

  /** Creates one queued job per new cell of the matrix; see enqueue.ts. */
  enqueueBatch(spec: BatchSpecInput): EnqueueReport {
    return this.#tx(() => {
      const report = this.#enqueuer.enqueue(spec);
      if (report.created > 0) this.#pending.push({ type: 'jobs-added', batchId: report.batchId, created: report.created });
      return report;
    });
  }

  /** Queues a re-run of a result (same inputs; same seed, or another): see rerun.ts. Bypasses the dedupe on purpose. */
  rerun(request: z.input<typeof RerunRequest>): RerunReport {
    return this.#tx(() => {
      const report = insertRerun(this.project.db, request);
      this.#pending.push({ type: 'jobs-added', batchId: report.batchId, created: 1 });
      return report;
    });
  }

  /** Changes a batch's priority, for its cells not yet started too. */
  setBatchPriority(batchId: number, priority: number): void {
    const fn = 'setBatchPriority';
    parseArgs(fn, z.object({ batchId: Id, priority: z.number().int().min(-1000).max(1000) }), { batchId, priority });
    this.#tx(() => {
      if (this.#s.batchPriority.get(batchId) === undefined) throw notFound(fn, 'batchId', batchId, 'batch');
      this.#s.setBatchPriority.run({ batchId, priority });
      this.#s.setQueuedPriority.run({ batchId, priority });
    });
  }

  isPaused(): boolean {
    return this.#s.paused.get() === 1;
  }

  /** Stops the runner from starting new cells (the one running finishes). Survives restarts. */
  pause(): void {
    this.#setPaused(true);
  }

  resume(): void {
    this.#setPaused(false);
  }

  #setPaused(paused: boolean): void {
    this.#tx(() => {
      if (this.isPaused() === paused) return;
      this.#s.setPaused.run(paused ? 1 : 0);
      this.#pending.push({ type: 'queue-state', paused });
    });
  }

  // ---- the runner's side ----------------------------------------------------------------------------

  /** Atomically takes the next queued cell (highest priority, then oldest) for `workerId`; null if none or paused. */
  claimNext(workerId: string): Job | null {
    return this.#tx(() => {
      if (this.isPaused()) return null;
      const id = this.#s.next.get() as number | undefined;
      return id === undefined ? null : this.transition(id, 'running', { claimedBy: workerId });
    });
  }

  /** A cell with its inputs resolved to hashes and file paths. */
  cellWork(jobId: number): CellWork {
    const row = this.#s.cellWork.get(jobId) as CellWorkRow | undefined;
    if (!row) throw notFound('cellWork', 'jobId', jobId, 'job');
    return toCellWork(row, this.project.files);
  }

  /** Records progress of a running cell (not a status change: no status_seq bump). */
  reportProgress(jobId: number, progress: number, stepMs: number | null): void {
    this.#s.progress.run({ id: jobId, progress: Math.min(1, Math.max(0, progress)), stepMs, now: Date.now() });
  }

  emitProgress(event: Extract<QueueEvent, { type: 'job-progress' }>): void {
    this.events.emit(event);
  }

  /**
   * Stores a finished cell: the image blob first (atomic file write), then, in one transaction, its blob
   * row, the result row and the move to succeeded. Returns 'discarded' when the job is no longer this
   * worker's running job (cancelled meanwhile): its image is then removed again.
   */
  async storeResult(jobId: number, workerId: string, output: CellOutput, timing: RunTiming): Promise<'stored' | 'discarded'> {
    const fn = 'storeResult';
    const out = parseArgs(fn, Output, output);
    const info = await inspectImage(out.image, { fn, argument: 'image', maxPixels: this.project.ctx.maxPixels });
    const cell = this.cellWork(jobId);
    const blob = await this.project.files.putBytes(out.image);
    const stored = this.project.ctx.blobRows.commitOrDiscard(blob, () =>
      this.#tx(() => {
        const row = this.#row(jobId, fn);
        if (row.status !== 'running' || row.claimed_by !== workerId) return false;
        // Keyed by job: if a result exists (it cannot, short of a bug, since it commits with the status), keep it.
        if (!this.project.results.byJob(jobId)) {
          this.project.ctx.blobRows.register(blob, info);
          const now = Date.now();
          const record = buildRecord(cell, out.record, { queuedAt: row.created_at, startedAt: row.started_at ?? now, finishedAt: now, ...timing });
          this.project.results.insert({
            jobId, batchId: row.batch_id, garmentId: row.garment_id, modelPhotoId: row.model_photo_id, checkpointId: row.checkpoint_id,
            category: cell.category, settingsHash: row.settings_hash, blobHash: blob.hash, width: info.width, height: info.height,
            commercialUse: cell.checkpoint.commercialUse, record: JSON.stringify(record),
          });
        }
        this.transition(jobId, 'succeeded', { runMs: timing.runMs, stepMs: timing.stepMs });
        return true;
      }),
    );
    if (!stored) this.project.ctx.blobRows.discardIfUnused(blob);
    return stored ? 'stored' : 'discarded';
  }

  /** Marks this worker's running job failed with the error; false if it had already ended (cancelled). */
  fail(jobId: number, workerId: string, error: unknown): boolean {
    return this.#tx(() => {
      const row = this.#row(jobId, 'fail');
      if (row.status !== 'running' || row.claimed_by !== workerId) return false;
      const e = error instanceof Error ? error : new Error(String(error));
      this.transition(jobId, 'failed', { error: { type: e.name, message: e.message, stack: e.stack ?? null } });
      return true;
    });
  }

  /** Puts this worker's running job back in the queue (the runner is stopping mid-cell). */
  requeue(jobId: number, workerId: string): boolean {
    return this.#tx(() => {
      const row = this.#row(jobId, 'requeue');
      if (row.status !== 'running' || row.claimed_by !== workerId) return false;
      this.transition(jobId, 'queued');
      return true;
    });
  }

  /**
   * Startup recovery: cells left running by a runner that is gone (crash, kill -9, power cut) go back to
   * the queue; they have no result, since the result commits together with 'succeeded'. A cell that was
   * running during `maxAttempts` crashes fails instead, so a cell that kills the app cannot loop forever.
   */
  recover(workerId: string, maxAttempts = 3): { requeued: number[]; failed: number[] } {
    return this.#tx(() => {
      const out = { requeued: [] as number[], failed: [] as number[] };
      for (const row of this.#s.runningNotMine.all(workerId) as JobRow[]) {
        if (row.attempt >= maxAttempts) {
          this.transition(row.id, 'failed', {
            error: { type: 'Interrupted', message: `the app stopped ${row.attempt} times while this cell was running; it is not retried automatically (retry it by hand)` },
          });
          out.failed.push(row.id);
        } else {
          this.transition(row.id, 'queued');
          out.requeued.push(row.id);
        }
      }
      return out;
    });
  }

  // ---- cancel and retry -----------------------------------------------------------------------------

  /** Cancels one job (queued or running; a runner running it is told through the event and aborts). */
  cancelJob(jobId: number): Job {
    parseArgs('cancelJob', z.object({ jobId: Id }), { jobId });
    return this.transition(jobId, 'cancelled');
  }

  /** Cancels every unfinished job of a batch; returns how many. */
  cancelBatch(batchId: number): number {
    const fn = 'cancelBatch';
    parseArgs(fn, z.object({ batchId: Id }), { batchId });
    return this.#tx(() => {
      if (this.#s.batchPriority.get(batchId) === undefined) throw notFound(fn, 'batchId', batchId, 'batch');
      const ids = this.#s.pendingOfBatch.all(batchId) as number[];
      for (const id of ids) this.transition(id, 'cancelled');
      return ids.length;
    });
  }

  /** Cancels every unfinished job; returns how many. */
  cancelAll(): number {
    return this.#tx(() => {
      const ids = this.#s.pendingAll.all() as number[];
      for (const id of ids) this.transition(id, 'cancelled');
      return ids.length;
    });
  }

  /**
   * Queues a new job for every failed job (of a batch, or all) not retried yet, pointing back at it
   * through retried_from. Skips cells that meanwhile have a result or a pending job.
   */
  retryFailed(options: { batchId?: number } = {}): { created: number[] } {
    const v = parseArgs('retryFailed', z.object({ batchId: Id.optional() }).strict(), options);
    return this.#tx(() => {
      const created: number[] = [];
      for (const row of this.#s.retryable.all({ batchId: v.batchId ?? null }) as JobRow[]) {
        if (this.#s.resultExists.get(row.settings_hash) !== undefined || this.#s.pendingExists.get(row.settings_hash) !== undefined) continue;
        const priority = this.#s.batchPriority.get(row.batch_id) as number;
        created.push(Number(this.#s.insertRetry.run({ id: row.id, priority, now: Date.now() }).lastInsertRowid));
      }
      if (created.length) this.#pending.push({ type: 'jobs-added', batchId: v.batchId ?? null, created: created.length });
      return { created };
    });
  }

  // ---- reads ----------------------------------------------------------------------------------------

  get(jobId: number): Job | undefined {
    const row = this.#s.row.get(jobId) as JobRow | undefined;
    return row && toJob(row);
  }

  list(filter: z.input<typeof ListFilter> = {}): Job[] {
    const f = parseArgs('listJobs', ListFilter, filter);
    return (this.#s.list.all({ batchId: f.batchId ?? null, status: f.status ?? null, afterId: f.afterId, limit: f.limit }) as JobRow[]).map(toJob);
  }

  batch(batchId: number): Batch | undefined {
    const r = this.#s.batch.get(batchId) as { id: number; name: string; checkpoint_id: number; priority: number; spec: string; created_at: number } | undefined;
    return r && { id: r.id, name: r.name, checkpointId: r.checkpoint_id, priority: r.priority, spec: JSON.parse(r.spec) as Record<string, unknown>, createdAt: r.created_at };
  }

  counts(options: { batchId?: number } = {}): JobCounts {
    const rows = (options.batchId === undefined ? this.#s.countsAll.all() : this.#s.countsBatch.all(options.batchId)) as { status: JobStatus; n: number }[];
    const counts: JobCounts = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, total: 0 };
    for (const r of rows) {
      counts[r.status] = r.n;
      counts.total += r.n;
    }
    return counts;
  }

  eta(options: { batchId?: number } = {}): QueueEta {
    return computeEta(this.#s.eta, options.batchId);
  }
}
