// The coordinator: the project's side of the team queue. Workers claim cells, fetch their blobs, report
// progress and upload results through it; it is the only writer of the project database, so the
// project stays the one record of the catalogue and the results, exactly as with the local queue.
//
// Exactly once, in SQLite terms (JobStore does every status change):
// - A claim moves the cell queued → running with claimed_by = team:<worker>:<claim id>. Only that claim
//   may report progress, fail it or upload its result; everything else is refused.
// - A claim for a cell that is already running means BullMQ gave it to another worker because the first
//   one lost its lock (it died, or hung): the cell goes back to queued and on to the new claim, with the
//   attempt count raised; after `maxAttempts` the cell fails instead, so a cell that kills workers cannot
//   loop forever. The old worker, if alive, is told "lost" at its next progress report or upload.
// - Finished, failed and cancelled cells are never handed out again ("skip").
// - A result is stored with its result row and the move to succeeded in one transaction
//   (JobStore.storeResult); a second upload of the same cell finds the result and is answered
//   "duplicate", so a retried upload is stored once.
// Claims live in the database (claimed_by), not in memory: a restarted coordinator knows them all.
import { randomBytes } from 'node:crypto';
import type { JobStore } from '../queue/job-store.ts';
import type { CellWork } from '../queue/cell-work.ts';
import type { Job } from '../queue/job-rows.ts';
import type { EngineRecord } from '../queue/record.ts';
import { parseCellKey } from './cell-key.ts';
import { isDeviceFault } from '../queue/runner.ts';
import { cellWeights, type CellWeights } from './engine-cell.ts';
import { WorkerRegistry } from './worker-registry.ts';
import type { WorkerTokens } from './worker-tokens.ts';
import type { ClaimReply, GrantedCell, Hello, ProgressReply, ProgressRequest, ResultHeader, ResultReply, StopReason } from './wire.ts';

export interface CoordinatorOptions {
  jobs: JobStore;
  tokens: WorkerTokens;
  registry?: WorkerRegistry;
  /** Claims a cell may get (first run plus takeovers after a worker died) before it fails. Default 3. */
  maxAttempts?: number;
  /** Operational log lines (never a token). Default: none. */
  log?: (line: string) => void;
}

const claimedBy = (worker: string, claim: string) => `team:${worker}:${claim}`;
const jobOfClaim = (claim: string) => Number(claim.slice(0, claim.indexOf('.')));

export class Coordinator {
  readonly jobs: JobStore;
  readonly tokens: WorkerTokens;
  readonly registry: WorkerRegistry;
  readonly #maxAttempts: number;
  readonly #log: (line: string) => void;

  constructor(options: CoordinatorOptions) {
    this.jobs = options.jobs;
    this.tokens = options.tokens;
    this.registry = options.registry ?? new WorkerRegistry();
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#log = options.log ?? (() => {});
  }

  hello(worker: string, h: Hello): void {
    this.registry.hello(worker, h);
    this.#log(`[team] worker ${worker} online: ${h.backend}${h.gpu ? `, ${h.gpu}` : ''}, ${h.engineVersion}`);
  }

  /** Hands the cell of a queue key to `worker`, or says why it must not run. Synchronous: no request can interleave. */
  claim(worker: string, key: string): ClaimReply {
    const parsed = parseCellKey(key);
    const job = parsed && this.jobs.get(parsed.jobId);
    if (!parsed || !job || job.settingsHash !== parsed.settingsHash) return { status: 'skip', reason: 'unknown' };
    switch (job.status) {
      case 'succeeded': return { status: 'skip', reason: 'done' };
      case 'failed': return { status: 'skip', reason: 'failed' };
      case 'cancelled': return { status: 'skip', reason: 'cancelled' };
      case 'running': {
        // BullMQ only hands out a job whose previous holder lost its lock: take the cell over.
        if (job.attempt >= this.#maxAttempts) {
          this.jobs.transition(job.id, 'failed', {
            error: { type: 'Interrupted', message: `${job.attempt} workers stopped while running this cell (last: ${job.claimedBy}); it is not retried automatically (retry it by hand)` },
          });
          this.#log(`[team] cell ${job.id} failed after ${job.attempt} interrupted attempts`);
          return { status: 'skip', reason: 'failed' };
        }
        this.jobs.requeue(job.id, job.claimedBy!);
        this.#log(`[team] cell ${job.id} taken over from ${job.claimedBy?.split(':')[1]} by ${worker}`);
        break;
      }
      case 'queued':
        break;
    }
    // What the engine loads: the checkpoint, or a LoRA adapter with its base's weights. What cannot run
    // (a LoRA without a base, an adapter on an adapter, a blob gone from the project) fails here with the
    // reason, instead of on a worker after downloads that cannot succeed.
    const work = this.jobs.cellWork(job.id);
    let weights: CellWeights;
    try {
      weights = cellWeights(this.jobs.project, work.checkpoint.id, { requireBlobs: true });
    } catch (err) {
      const e = err as Error;
      if (this.jobs.get(job.id)!.status === 'queued') this.jobs.transition(job.id, 'running', { claimedBy: claimedBy(worker, 'refused') });
      this.jobs.transition(job.id, 'failed', { error: { type: e.name, message: e.message } });
      this.#log(`[team] cell ${job.id} failed at its claim by ${worker}: ${e.message}`);
      return { status: 'skip', reason: 'failed' };
    }
    const claim = `${job.id}.${randomBytes(18).toString('base64url')}`;
    const running = this.jobs.transition(job.id, 'running', { claimedBy: claimedBy(worker, claim) });
    this.registry.claimed(worker, job.id);
    return { status: 'granted', claim, cell: this.#granted(key, running, work, weights) };
  }

  #granted(key: string, job: Job, w: CellWork, { weights, lora }: CellWeights): GrantedCell {
    return {
      jobId: job.id, batchId: job.batchId, key, attempt: job.attempt, seed: w.seed, settings: w.settings, settingsHash: w.settingsHash,
      category: w.category,
      inputs: { person: w.person.hash, garment: w.garment.photoHash, mask: w.mask?.hash ?? null, densepose: w.densepose?.hash ?? null },
      checkpoint: {
        id: w.checkpoint.id, name: w.checkpoint.name, licence: w.checkpoint.licence, hash: weights.hash, size: weights.size,
        ...(lora && { lora: { hash: lora.hash, size: lora.size, base: { id: weights.id, name: weights.name } } }),
      },
    };
  }

  /** The job a claim holds, or why it does not hold it (any more). */
  #held(worker: string, claim: string): { job: Job } | { stop: StopReason } {
    const job = this.jobs.get(jobOfClaim(claim));
    if (job?.status === 'running' && job.claimedBy === claimedBy(worker, claim)) return { job };
    return { stop: job?.status === 'cancelled' ? 'cancelled' : 'lost' };
  }

  progress(worker: string, p: ProgressRequest): ProgressReply {
    const held = this.#held(worker, p.claim);
    if ('stop' in held) {
      this.registry.seen(worker);
      return { continue: false, reason: held.stop };
    }
    const { job } = held;
    const progress = p.steps > 0 ? Math.min(1, p.step / p.steps) : 0;
    this.jobs.reportProgress(job.id, progress, p.stepMs);
    this.jobs.emitProgress({
      type: 'job-progress', jobId: job.id, batchId: job.batchId, statusSeq: job.statusSeq, step: p.step, steps: p.steps, progress,
      stepMs: p.stepMs, etaMs: p.stepMs === null ? null : Math.round(p.stepMs * Math.max(0, p.steps - p.step)),
    });
    this.registry.progress(worker, job.id, p.step, p.steps, p.stepMs);
    return { continue: true };
  }

  /** The engine failed the cell on this worker: the cell fails (retry in the app makes a new one). */
  fail(worker: string, claim: string, error: { type: string; message: string }): boolean {
    return this.failCell(worker, claim, error).recorded;
  }

  /**
   * As fail(), except for a device fault (GPU lost or out of memory: the worker's engine has recovered) on
   * a cell's first attempt: the cell goes back to the queue with the fault as its error and runs again as
   * attempt 2, as with the local queue (main/queue/runner.ts). `requeued` tells the worker to give the
   * BullMQ job back (throw) rather than complete it.
   */
  failCell(worker: string, claim: string, error: { type: string; message: string }): { recorded: boolean; requeued: boolean } {
    const held = this.#held(worker, claim);
    if ('stop' in held) return { recorded: false, requeued: false };
    if (isDeviceFault({ name: error.type }) && held.job.attempt <= 1) {
      this.jobs.transition(held.job.id, 'queued', { error: { type: error.type, message: `${error.message} (on worker ${worker})` } });
      this.registry.ended(worker, held.job.id, 'released');
      this.#log(`[team] cell ${held.job.id}: device fault on ${worker}, back to the queue for a second attempt: ${error.message}`);
      return { recorded: true, requeued: true };
    }
    return { recorded: this.#failHeld(worker, claim, held.job, error), requeued: false };
  }

  #failHeld(worker: string, claim: string, job: Job, error: { type: string; message: string }): boolean {
    const held = { job };
    const err = Object.assign(new Error(`${error.message} (on worker ${worker})`), { name: error.type });
    err.stack = undefined;
    const done = this.jobs.fail(held.job.id, claimedBy(worker, claim), err);
    this.registry.ended(worker, held.job.id, 'failed');
    this.#log(`[team] cell ${held.job.id} failed on ${worker}: ${error.message}`);
    return done;
  }

  /** The worker stops mid-cell on purpose: the cell goes back to the queue, without using up an attempt. */
  release(worker: string, claim: string): boolean {
    const held = this.#held(worker, claim);
    if ('stop' in held) return false;
    const done = this.jobs.requeue(held.job.id, claimedBy(worker, claim));
    this.registry.ended(worker, held.job.id, 'released');
    return done;
  }

  /** Stores an uploaded result once; see the top of this file. */
  async result(worker: string, header: ResultHeader, image: Uint8Array): Promise<ResultReply> {
    const jobId = jobOfClaim(header.claim);
    if (this.jobs.project.results.byJob(jobId)) return { status: 'duplicate' };
    const held = this.#held(worker, header.claim);
    if ('stop' in held) return { status: 'refused', reason: held.stop };
    // The worker's record, with who ran it as the coordinator knows it (the token), not as it claims.
    const status = this.registry.list().find((w) => w.name === worker);
    const record = { ...header.record, worker: { name: worker, gpu: status?.gpu ?? null, backend: status?.backend ?? null } };
    const stored = await this.jobs.storeResult(
      jobId, claimedBy(worker, header.claim), { image, record: record as unknown as EngineRecord } /* checked by storeResult's schema */, { runMs: header.runMs, stepMs: header.stepMs },
    );
    if (stored === 'stored') {
      this.registry.ended(worker, jobId, 'stored', header.stepMs);
      return { status: 'stored' };
    }
    // Changed while the image was being written: cancelled, taken over, or a twin upload won.
    if (this.jobs.project.results.byJob(jobId)) return { status: 'duplicate' };
    const again = this.#held(worker, header.claim);
    return { status: 'refused', reason: 'stop' in again ? again.stop : 'lost' };
  }

  /**
   * The file of a blob, if `worker` may read it: an input or the checkpoint of a cell it holds now (for a
   * LoRA cell: the adapter and its base's weights).
   * Anything else (other cells' inputs, results, a finished claim) is null.
   */
  blobPath(worker: string, claim: string, hash: string): string | null {
    const held = this.#held(worker, claim);
    if ('stop' in held) return null;
    const w = this.jobs.cellWork(held.job.id);
    const allowed = [w.person.hash, w.garment.photoHash, w.mask?.hash, w.densepose?.hash, w.checkpoint.hash];
    // A LoRA cell: its base checkpoint's weights too (the adapter is the cell's checkpoint).
    if (!allowed.includes(hash) && w.checkpoint.kind === 'LoRA') {
      try {
        allowed.push(cellWeights(this.jobs.project, w.checkpoint.id).weights.hash);
      } catch {
        return null;
      }
    }
    return allowed.includes(hash) ? this.jobs.project.blobPath(hash) : null;
  }
}
