// A team worker: takes cells from the BullMQ queue one at a time (one GPU, one cell), claims each from
// the coordinator (which may say skip: done, cancelled, …), fetches the inputs and checkpoint (and a LoRA
// cell's adapter) it lacks by hash, runs the engine, and uploads the image with its record. BullMQ's lock on the job is renewed from
// this process's main thread while the engine computes in its worker thread, so a live worker never
// looks stalled; a dead one stops renewing and BullMQ hands the cell to another worker.
//
// How a cell ends here, and what BullMQ is told:
// - stored / duplicate / skipped / cancelled / failed by the engine: the job completes (the project
//   has recorded the outcome; nothing to retry in Redis).
// - lost (another worker holds the cell now: our lock expired): stop at once, complete with "lost"
//   (BullMQ refuses the completion anyway if the lock is gone).
// - the coordinator unreachable for long, or a download whose bytes do not match their hash: throw (event
//   "retry"), and BullMQ retries the job with backoff.
// - stopping mid-cell (second Ctrl-C): the claim is released (the cell is queued again in the project)
//   and the job fails in BullMQ, which retries it: a completed job would keep its key blocked in Redis.
// - token refused: the worker stops; the job's lock lapses and another worker gets the cell.
import { createHash } from 'node:crypto';
import { Worker, type Job, type RedisOptions } from 'bullmq';
import type { CellEngine } from './engine-cell.ts';
import type { CellJobData } from './dispatcher.ts';
import { DEFAULT_PREFIX } from './dispatcher.ts';
import { redactSecrets } from './redact.ts';
import type { BlobCache } from './worker-cache.ts';
import { BlobHashMismatch } from './worker-cache.ts';
import { CoordinatorError, CoordinatorUnreachableError, TokenRejectedError, type CoordinatorClient } from './worker-client.ts';
import type { GrantedCell, Hello } from './wire.ts';

export type WorkerEvent =
  | { event: 'claimed'; key: string; jobId: number; attempt: number }
  | { event: 'skipped'; key: string; reason: string }
  | { event: 'step'; key: string; jobId: number; step: number; steps: number }
  | { event: 'run-finished'; key: string; jobId: number; ms: number }
  | { event: 'stored' | 'duplicate'; key: string; jobId: number }
  | { event: 'refused'; key: string; jobId: number; reason: string }
  | { event: 'failed'; key: string; jobId: number; message: string }
  | { event: 'retry'; key: string; jobId: number; message: string }
  | { event: 'stopped-cell'; key: string; jobId: number; reason: string }
  | { event: 'released'; key: string; jobId: number }
  | { event: 'error'; message: string }
  | { event: 'stopping'; mode: 'finish' | 'abort' }
  | { event: 'stopped'; reason: string };

export interface WorkerHooks {
  /** Called synchronously at every denoising step (tests use it to hold a cell mid-run). */
  onStep?(info: { key: string; jobId: number; step: number; steps: number }): void;
}

export interface TeamWorkerOptions {
  name: string;
  connection: RedisOptions;
  queueName: string;
  prefix?: string;
  client: CoordinatorClient;
  engine: CellEngine;
  cache: BlobCache;
  /** Diffusers base configs for checkpoints the engine does not recognise (the tiny test models). */
  base?: string;
  /** BullMQ lock: a worker silent this long is presumed dead. Default 30 s. */
  lockMs?: number;
  /** How often this worker looks for stalled jobs of dead workers. Default 15 s. */
  stalledMs?: number;
  /** Least time between progress reports; a report also tells the worker about a cancel. Default 500 ms. */
  progressEveryMs?: number;
  /** A progress report at least this often while a step runs long. Default 5 s. */
  heartbeatMs?: number;
  /** Sent again every `helloEveryMs` (default 30 s): an idle worker stays "online" in the app, and a
   *  restarted coordinator learns its backend and GPU again. */
  hello?: Hello;
  helloEveryMs?: number;
  onEvent?: (e: WorkerEvent) => void;
  hooks?: WorkerHooks;
}

type StopReason = 'cancelled' | 'lost' | 'shutdown' | 'revoked';

class CellStop extends Error {
  constructor(readonly reason: StopReason) {
    super(`cell stopped: ${reason}`);
    this.name = 'CellStop';
  }
}

interface Current {
  key: string;
  jobId: number;
  controller: AbortController;
  done: Promise<unknown>;
}

export class TeamWorker {
  readonly #o: TeamWorkerOptions;
  readonly #worker: Worker<CellJobData>;
  readonly #emit: (e: WorkerEvent) => void;
  #current: Current | null = null;
  #stopping: Promise<void> | null = null;
  #helloTimer: NodeJS.Timeout | null = null;
  #resolveClosed!: (reason: string) => void;
  /** Resolves with the reason once the worker has stopped (asked to, or its token was refused). */
  readonly closed: Promise<string>;

  constructor(options: TeamWorkerOptions) {
    this.#o = options;
    this.#emit = options.onEvent ?? (() => {});
    this.closed = new Promise((r) => (this.#resolveClosed = r));
    this.#worker = new Worker<CellJobData>(options.queueName, (job) => this.#process(job), {
      connection: options.connection,
      prefix: options.prefix ?? DEFAULT_PREFIX,
      name: options.name,
      concurrency: 1,
      lockDuration: options.lockMs ?? 30_000,
      stalledInterval: options.stalledMs ?? 15_000,
      // The coordinator counts attempts per cell (and fails it after a few); BullMQ only has to keep trying.
      maxStalledCount: 10,
      autorun: false,
    });
    this.#worker.on('error', (err) => this.#emit({ event: 'error', message: redactSecrets(err.message) }));
    this.#worker.on('lockRenewalFailed', (ids) => {
      if (this.#current && ids.includes(this.#current.key)) this.#current.controller.abort(new CellStop('lost'));
    });
  }

  /** Starts taking cells. */
  start(): void {
    const hello = this.#o.hello;
    if (hello) {
      this.#helloTimer = setInterval(() => void this.#o.client.hello(hello).catch((err: unknown) => {
        if (err instanceof TokenRejectedError) this.#fatal(err);
      }), this.#o.helloEveryMs ?? 30_000);
      this.#helloTimer.unref();
    }
    void this.#worker.run().catch((err: Error) => this.#emit({ event: 'error', message: redactSecrets(err.message) }));
  }

  /** 'finish': complete the running cell first; 'abort': stop it now and give it back to the queue. */
  stop(mode: 'finish' | 'abort' = 'finish', reason = 'asked to stop'): Promise<void> {
    if (mode === 'abort') this.#current?.controller.abort(new CellStop('shutdown'));
    if (!this.#stopping) {
      this.#emit({ event: 'stopping', mode });
      if (this.#helloTimer) clearInterval(this.#helloTimer);
      this.#stopping = (async () => {
        // close() waits for the running cell; after an abort that is only the time to release its claim.
        await this.#worker.close();
        await this.#o.engine.close();
        this.#emit({ event: 'stopped', reason });
        this.#resolveClosed(reason);
      })();
    }
    return this.#stopping;
  }

  async #process(job: Job<CellJobData>): Promise<unknown> {
    const key = job.id!;
    const reply = await this.#o.client.claim(key).catch((err: unknown) => {
      if (err instanceof TokenRejectedError) this.#fatal(err);
      throw err;
    });
    if (reply.status === 'skip') {
      this.#emit({ event: 'skipped', key, reason: reply.reason });
      return { skipped: reply.reason };
    }
    const { claim, cell } = reply;
    const controller = new AbortController();
    let settle!: () => void;
    this.#current = { key, jobId: cell.jobId, controller, done: new Promise<void>((r) => (settle = r)) };
    this.#emit({ event: 'claimed', key, jobId: cell.jobId, attempt: cell.attempt });
    const reporter = this.#progressReporter(claim, cell, controller);
    try {
      return await this.#runClaimed(key, claim, cell, controller, reporter.onProgress);
    } catch (err) {
      return await this.#ended(key, claim, cell, controller, err);
    } finally {
      reporter.stop();
      this.#current = null;
      settle();
    }
  }

  async #runClaimed(key: string, claim: string, cell: GrantedCell, controller: AbortController, onProgress: (step: number, steps: number, stepMs: number | undefined) => void) {
    const t0 = performance.now();
    const paths = await this.#fetchBlobs(claim, cell);
    const stepTimes: number[] = [];
    const out = await this.#o.engine.run({
      jobId: cell.jobId, person: paths.person, garment: paths.garment, mask: paths.mask, densepose: paths.densepose,
      // A LoRA cell: the base's weights with the adapter merged in at load, as on the local queue.
      checkpoint: { path: paths.checkpoint, base: this.#o.base, ...(paths.lora !== null && { lora: paths.lora }) },
      seed: cell.seed, settings: cell.settings, category: cell.category,
      ...(cell.checkpoint.licence !== undefined && { provenance: { checkpointName: cell.checkpoint.name, licence: cell.checkpoint.licence } }),
    }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.stepMs !== undefined) stepTimes.push(p.stepMs);
        this.#o.hooks?.onStep?.({ key, jobId: cell.jobId, step: p.step, steps: p.steps });
        this.#emit({ event: 'step', key, jobId: cell.jobId, step: p.step, steps: p.steps });
        onProgress(p.step, p.steps, p.stepMs);
      },
    });
    if (controller.signal.aborted) throw controller.signal.reason;
    const runMs = performance.now() - t0;
    this.#emit({ event: 'run-finished', key, jobId: cell.jobId, ms: Math.round(runMs) });
    const stepMs = stepTimes.length ? stepTimes.reduce((a, b) => a + b, 0) / stepTimes.length : null;
    const sha256 = createHash('sha256').update(out.image).digest('hex');
    const r = await this.#o.client.result({ claim, sha256, runMs, stepMs, record: out.record }, out.image);
    if (r.status === 'refused') {
      this.#emit({ event: 'refused', key, jobId: cell.jobId, reason: r.reason });
      return { refused: r.reason };
    }
    this.#emit({ event: r.status, key, jobId: cell.jobId });
    return { status: r.status };
  }

  /** Decides what an error during a claimed cell means; see the top of this file. */
  async #ended(key: string, claim: string, cell: GrantedCell, controller: AbortController, err: unknown): Promise<unknown> {
    const stop = controller.signal.aborted ? controller.signal.reason : err;
    if (stop instanceof CellStop) {
      if (stop.reason === 'shutdown') {
        await this.#o.client.release(claim).catch(() => false);
        this.#emit({ event: 'released', key, jobId: cell.jobId });
        // Thrown, not returned: a completed BullMQ job would block the cell's key in Redis.
        throw stop;
      }
      this.#emit({ event: 'stopped-cell', key, jobId: cell.jobId, reason: stop.reason });
      if (stop.reason === 'revoked') throw stop;
      return { skipped: stop.reason };
    }
    if (err instanceof TokenRejectedError) {
      this.#fatal(err);
      throw err;
    }
    // Transport trouble (a download that does not match its hash included): the cell is still ours in the
    // project; BullMQ retries the job later.
    if (err instanceof CoordinatorUnreachableError || err instanceof CoordinatorError || err instanceof BlobHashMismatch) {
      this.#emit({ event: 'retry', key, jobId: cell.jobId, message: redactSecrets(err.message) });
      throw err;
    }
    // The engine (or an input it could not read) failed: that is the cell's outcome.
    const e = err instanceof Error ? err : new Error(String(err));
    const { requeued } = await this.#o.client.fail(claim, { type: e.name, message: e.message });
    this.#emit({ event: 'failed', key, jobId: cell.jobId, message: e.message });
    // A device fault the coordinator re-queued: thrown, so BullMQ runs the job again (a completed job would block the key).
    if (requeued) throw e;
    return { failed: e.message };
  }

  #fatal(err: Error): void {
    this.#emit({ event: 'error', message: err.message });
    void this.stop('abort', err.message);
  }

  async #fetchBlobs(claim: string, cell: GrantedCell) {
    const source = (hash: string, offset: number) => this.#o.client.blob(hash, claim, offset);
    const cache = this.#o.cache;
    const input = (hash: string | null) => (hash ? cache.ensure('inputs', hash, source) : Promise.resolve(null));
    // A LoRA adapter is kept with the checkpoints (small, and used by every cell of its batches), checked by hash alike.
    const [checkpoint, lora, person, garment, mask, densepose] = await Promise.all([
      cache.ensure('checkpoints', cell.checkpoint.hash, source),
      cell.checkpoint.lora ? cache.ensure('checkpoints', cell.checkpoint.lora.hash, source) : Promise.resolve(null),
      input(cell.inputs.person), input(cell.inputs.garment), input(cell.inputs.mask), input(cell.inputs.densepose),
    ]);
    const keep = new Set(Object.values(cell.inputs).filter((h): h is string => h !== null));
    void cache.pruneInputs(keep).catch(() => 0);
    return { checkpoint, lora, person: person!, garment: garment!, mask, densepose };
  }

  /** Throttled progress reports, plus a heartbeat; a "stop" answer aborts the cell. */
  #progressReporter(claim: string, cell: GrantedCell, controller: AbortController) {
    const every = this.#o.progressEveryMs ?? 500;
    let last = { step: 0, steps: cell.settings.steps, stepMs: null as number | null };
    // The claim already shows the cell as running: the first report can wait a full interval.
    let sentAt = Date.now();
    let inFlight = false;
    const send = () => {
      if (inFlight || controller.signal.aborted) return;
      inFlight = true;
      sentAt = Date.now();
      this.#o.client.progress({ claim, ...last })
        .then((r) => { if (!r.continue) controller.abort(new CellStop(r.reason)); })
        .catch((err: unknown) => {
          if (err instanceof TokenRejectedError) {
            controller.abort(new CellStop('revoked'));
            this.#fatal(err);
          }
          // Anything else: the next report tries again; the upload will say what happened.
        })
        .finally(() => { inFlight = false; });
    };
    const heartbeat = setInterval(send, this.#o.heartbeatMs ?? 5000);
    return {
      onProgress: (step: number, steps: number, stepMs: number | undefined) => {
        last = { step, steps, stepMs: stepMs ?? null };
        // The last step is followed by the upload, which says everything a report would.
        if (step < steps && Date.now() - sentAt >= every) send();
      },
      stop: () => clearInterval(heartbeat),
    };
  }
}
