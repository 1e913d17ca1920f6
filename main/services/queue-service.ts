// Runs the open project's queue: a QueueRunner whose `runCell` is the engine worker's `generate`
// (each input is a blob file path; mask and DensePose come from the cell, the weights and their base
// configs from the checkpoint's record), and forwards what happens to the page as `queue:event` and
// `engine:status` events: status changes, throttled progress, latent previews, finished batches.
// No Electron imports: the Electron main and serve mode both build one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type {
  BatchEnqueued, BatchPlan, BatchSpecInput, BatchSummary, Category, DenseposeFormat, EngineStatus, EventName, EventSpec, JobCounts,
  QueueCell, QueueEvent, QueueSettingsInfo, QueueState, QueueWorkers, RequestOf,
} from '../../preload/contract.ts';
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../api/errors.ts';
import { Enqueuer } from '../queue/enqueue.ts';
import { JobStore, type CellWork, type Job, type RunCell } from '../queue/index.ts';
import { isDeviceFault } from '../queue/runner.ts';
import type { BatchQueue } from '../team/batch-queue.ts';
import type { CoordinatorHandler } from '../team/coordinator-http.ts';
import { startCoordinatorServer, type CoordinatorServer } from '../team/coordinator-server.ts';
import { LocalBatchQueue } from '../team/local-queue.ts';
import { openBatchQueue } from '../team/open-queue.ts';
import { readQueueSettings, redisPassword, writeQueueSettings, type QueueSettings } from '../team/queue-settings.ts';
import { redactSecrets } from '../team/redact.ts';
import { testRedisConnection } from '../team/redis-check.ts';
import { cellWeights } from '../team/engine-cell.ts';
import { TeamBatchQueue } from '../team/team-queue.ts';
import type { WorkerTokens } from '../team/worker-tokens.ts';
import type { CheckpointKind } from '../store/schemas.ts';
import type { Project } from '../store/index.ts';
import type { EngineEvent } from '../engine-host/protocol.ts';
import type { ProjectService } from './project-service.ts';
import { batchReleases, refuseUnreleased } from './rights-service.ts';
import { refusePendingLicence, withDefaultCheckpoint } from '../hub/defaults.ts';
import { pendingLicence } from '../hub/licence.ts';

/** The engine as the queue uses it: EngineSupervisor (or EngineHost, or a fake in tests). */
import type { EngineLike } from '../engine-host/tensor-jobs.ts';

export type { EngineLike };

export type Emit = <E extends EventName>(event: E, payload: EventSpec[E]) => void;

export interface QueueServiceOptions {
  projects: ProjectService;
  engine: EngineLike;
  emit: Emit;
  /** Reported in every result's record, e.g. "Leffa Studio 0.1.0". */
  appVersion?: string;
  /** Minimum time between preview images of one cell. Default 1000 ms; 0 turns previews off. */
  previewEveryMs?: number;
  /** Minimum time between progress events of one cell. Default 250 ms. */
  progressIntervalMs?: number;
  log?: (message: string) => void;
}

const TRY_ON_KINDS: readonly CheckpointKind[] = ['try-on-HD', 'try-on-DC', 'finetune', 'LoRA'];
const DENSEPOSE_FOR: Partial<Record<CheckpointKind, DenseposeFormat>> = { 'try-on-HD': 'HD-parula', 'try-on-DC': 'DC-I-map' };
const ROLLBACK = Symbol('rollback');

/** The team settings' Redis password, to be masked in what is shown (none readable: nothing to mask). */
function secretsOf(settings: Extract<QueueSettings, { kind: 'team' }>): string[] {
  try {
    const password = redisPassword(settings);
    return password ? [password] : [];
  } catch {
    return [];
  }
}

/**
 * A Redis connection error as the settings panel shows it: its message (or, for the AggregateError of a
 * host with several addresses, theirs; or its code), with URL passwords, worker tokens and the given
 * secrets (the Redis password) masked.
 */
export function redisErrorText(err: unknown, secrets: readonly string[] = []): string {
  const e = err as { message?: unknown; code?: unknown; errors?: unknown } | null;
  let text = typeof e?.message === 'string' ? e.message : '';
  if (!text && Array.isArray(e?.errors)) text = [...new Set(e.errors.map((x: { message?: unknown }) => String(x?.message ?? '')).filter(Boolean))].join('; ');
  if (!text && typeof e?.code === 'string') text = e.code;
  return `Redis: ${redactSecrets(text || String(err), secrets)}`;
}

interface Running {
  jobs: JobStore;
  /** The local queue (this computer's engine) or the team queue (Redis + workers), per the project's settings. */
  queue: BatchQueue;
  settings: QueueSettings;
  project: Project;
  off: (() => void)[];
  /** Team: Redis answered (null while connecting or reconnecting) and why not. */
  connected: boolean | null;
  error?: string;
  /** Team: the last Redis connection error while (re)connecting, redacted; cleared when Redis is ready again. */
  redisError?: string;
  /** Team with a coordinatorPort: the coordinator's own HTTP server. */
  server?: CoordinatorServer;
  /** Settles when the team queue's start (Redis, coordinator port) is over, whatever the outcome. */
  started: Promise<void>;
}

/** How often at most the page hears `queue:workers` (a progress report changes a worker's status). */
const WORKERS_EVENT_MS = 250;
/** How long the status bar shows what the host did about a device fault. */
const NOTICE_MS = 60_000;

export class QueueService {
  readonly #projects: ProjectService;
  readonly #engine: EngineLike;
  readonly #emit: Emit;
  readonly #log: (message: string) => void;
  readonly #appVersion: string;
  readonly #previewEveryMs: number;
  readonly #progressIntervalMs: number;
  #run: Running | null = null;
  #current: QueueState['current'] = null;
  #engineStatus: EngineStatus = { state: 'starting', backend: null, memory: null };
  #busy = 0;
  /** serve mode: where this host's own port answers /team/ (coordinator mounted in the serve host). */
  #serveUrl: string | null = null;
  #workersTimer: NodeJS.Timeout | null = null;
  #noticeAt = 0;
  /** A switch of queue (saveSettings) in progress: others wait for it. */
  #switching: Promise<void> = Promise.resolve();

  constructor(opts: QueueServiceOptions) {
    this.#projects = opts.projects;
    this.#engine = opts.engine;
    this.#emit = opts.emit;
    this.#log = opts.log ?? ((m) => console.error(m));
    this.#appVersion = opts.appVersion ?? 'Leffa Studio';
    this.#previewEveryMs = opts.previewEveryMs ?? 1000;
    this.#progressIntervalMs = opts.progressIntervalMs ?? 250;
    opts.projects.onOpened((project) => this.#start(project));
    opts.projects.onClosing(() => this.#stop());
    // A project opened before this service existed still gets its runner.
    if (opts.projects.project) this.#start(opts.projects.project);
  }

  // ---- engine status ----------------------------------------------------------------------------

  /** Asks the engine for its backend and memory; 'down' if it does not answer. */
  async engineStatus(): Promise<EngineStatus> {
    try {
      const info = await this.#engine.request('info', {});
      const mem = await this.#engine.request('memory', {});
      const gpu = (mem as { webgpu?: { gpuBytesInUse?: number } }).webgpu?.gpuBytesInUse;
      this.#setEngine({
        state: this.#busy > 0 ? 'busy' : 'idle',
        backend: info.backend,
        ...(info.adapter !== undefined && { adapter: info.adapter }),
        // What the host did about a device fault stays in the status bar for a minute.
        ...(this.#engineStatus.notice !== undefined && Date.now() - this.#noticeAt < NOTICE_MS && { notice: this.#engineStatus.notice }),
        memory: {
          numBytes: mem.numBytes, numTensors: mem.numTensors, rssBytes: mem.rssBytes,
          ...(mem.wasmHeapBytes !== undefined && { wasmHeapBytes: mem.wasmHeapBytes }),
          ...(gpu !== undefined && { gpuBytes: gpu }),
        },
      });
    } catch (err) {
      this.#setEngine({ ...this.#engineStatus, state: 'down', error: (err as Error).message });
    }
    return { ...this.#engineStatus };
  }

  #setEngine(status: EngineStatus): void {
    const before = JSON.stringify(this.#engineStatus);
    this.#engineStatus = status;
    if (JSON.stringify(status) !== before) this.#emit('engine:status', { ...status });
    if (status.backend && this.#run?.queue instanceof LocalBatchQueue) this.#run.queue.describe(status.backend, status.adapter ?? null);
  }

  // ---- queue ------------------------------------------------------------------------------------

  #jobs(): JobStore {
    this.#projects.require();
    if (!this.#run) throw new UnavailableError('the queue is not running for this project');
    return this.#run.jobs;
  }

  state(): QueueState {
    const jobs = this.#jobs();
    return {
      paused: jobs.isPaused(),
      runnerActive: this.#active(),
      counts: jobs.counts(),
      eta: jobs.eta(),
      current: this.#current && { ...this.#current },
    };
  }

  pause(): QueueState {
    this.#jobs();
    this.#run!.queue.pause();
    return this.state();
  }

  resume(): QueueState {
    this.#jobs();
    this.#run!.queue.resume();
    return this.state();
  }

  /** The local runner is working, or the team queue is connected to Redis. */
  #active(): boolean {
    const run = this.#run;
    if (!run) return false;
    return run.queue instanceof LocalBatchQueue ? run.queue.runner.running : run.connected === true;
  }

  cancel(req: RequestOf<'queue:cancel'>): { cancelled: number } {
    const jobs = this.#jobs();
    if ('jobId' in req) {
      const job = jobs.get(req.jobId);
      if (!job) throw new NotFoundError(`cell (job) ${req.jobId} does not exist`);
      if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled') {
        throw new ConflictError(`cell ${req.jobId} has already ${job.status === 'cancelled' ? 'been cancelled' : job.status}; nothing to cancel`);
      }
      // Both queues cancel in the project (the record); the team queue's dispatcher then removes the
      // cell from Redis, and a worker running it is told at its next progress report.
      this.#run!.queue.cancelJob(req.jobId);
      return { cancelled: 1 };
    }
    if ('batchId' in req) {
      if (!jobs.batch(req.batchId)) throw new NotFoundError(`batch ${req.batchId} does not exist`);
      return { cancelled: this.#run!.queue.cancelBatch(req.batchId) };
    }
    return { cancelled: jobs.cancelAll() };
  }

  retry(req: RequestOf<'queue:retry'>): { created: number[] } {
    const jobs = this.#jobs();
    if (req.batchId !== undefined && !jobs.batch(req.batchId)) throw new NotFoundError(`batch ${req.batchId} does not exist`);
    return jobs.retryFailed(req.batchId === undefined ? {} : { batchId: req.batchId });
  }

  cells(req: RequestOf<'queue:cells'>): { items: QueueCell[]; nextAfterId: number | null } {
    const jobs = this.#jobs();
    if (req.batchId !== undefined && !jobs.batch(req.batchId)) throw new NotFoundError(`batch ${req.batchId} does not exist`);
    const limit = req.limit ?? 100;
    const list = jobs.list({ batchId: req.batchId, status: req.status, afterId: req.afterId ?? 0, limit });
    const results = this.#projects.require().results;
    const items = list.map((job) => toCell(job, results.byJob(job.id)));
    return { items, nextAfterId: list.length === limit ? list.at(-1)!.id : null };
  }

  batches(limit = 100): { items: BatchSummary[] } {
    const jobs = this.#jobs();
    const ids = this.#projects.require().db.prepare(/* sql */ `SELECT id FROM batches ORDER BY id DESC LIMIT ?`).pluck().all(limit) as number[];
    return {
      items: ids.map((id) => {
        const b = jobs.batch(id)!;
        const counts = jobs.counts({ batchId: id });
        return { id, name: b.name, checkpointId: b.checkpointId, priority: b.priority, createdAt: b.createdAt, counts, finished: counts.queued + counts.running === 0 };
      }),
    };
  }

  /** What enqueue would do: runs the enqueue in a transaction that is rolled back. */
  preview(spec: BatchSpecInput): BatchPlan {
    const project = this.#projects.require();
    const full = this.#spec(spec);
    let plan: BatchPlan | null = null;
    try {
      project.db.transaction(() => {
        const report = new Enqueuer(project.db).enqueue(full);
        plan = this.#plan(project, full, report, report.batchId);
        throw ROLLBACK;
      }).immediate();
    } catch (err) {
      if (err !== ROLLBACK) throw err;
    }
    return plan!;
  }

  enqueue(spec: BatchSpecInput): BatchEnqueued {
    const project = this.#projects.require();
    const full = this.#spec(spec);
    this.#jobs();
    refuseUnreleased(project, full.modelPhotoIds); // strict release policy: conflict before anything is queued (rights-service.ts)
    refusePendingLicence(project, full.checkpointId); // licence before first use (hub/defaults.ts)
    const report = this.#run!.queue.enqueueBatch(full);
    return { batchId: report.batchId, ...this.#plan(project, full, report, report.batchId) };
  }

  /** Resolves once nothing is running or claimable (tests, shutdown). */
  async whenIdle(): Promise<void> {
    const q = this.#run?.queue;
    if (q instanceof LocalBatchQueue) await q.runner.whenIdle();
    else await q?.whenIdle();
  }

  // ---- queue mode and workers -------------------------------------------------------------------

  workers(): QueueWorkers {
    this.#jobs();
    return this.#workersNow();
  }

  #workersNow(): QueueWorkers {
    const run = this.#run;
    if (!run) return { mode: 'local', items: [] };
    return {
      mode: run.queue.kind,
      items: run.queue.workers().map((w) => ({
        name: w.name, backend: w.backend, gpu: w.gpu, host: w.host, online: w.online, lastSeen: w.lastSeen, current: w.current && { ...w.current },
        cellsDone: w.cellsDone, cellsFailed: w.cellsFailed, stepMs: w.stepMs, secondsPerImage: w.secondsPerImage,
      })),
    };
  }

  /** At most one `queue:workers` event per WORKERS_EVENT_MS, carrying the latest list. */
  #workersChanged(): void {
    if (this.#workersTimer) return;
    this.#workersTimer = setTimeout(() => {
      this.#workersTimer = null;
      if (!this.#run) return;
      try {
        this.#emit('queue:workers', this.#workersNow());
      } catch (err) {
        this.#log(`[queue] workers listener failed: ${(err as Error).message}`);
      }
    }, WORKERS_EVENT_MS);
    this.#workersTimer.unref?.();
  }

  async settings(): Promise<QueueSettingsInfo> {
    this.#projects.require();
    await this.#switching;
    const run = this.#run;
    if (!run) throw new UnavailableError('the queue is not running for this project');
    const s = run.settings;
    const settings: QueueSettingsInfo['settings'] = s.kind === 'local'
      ? { kind: 'local' }
      : {
        kind: 'team', redisUrl: s.redisUrl, queueName: s.queueName,
        ...(s.passwordFile !== undefined && { passwordFile: s.passwordFile }),
        ...(s.coordinatorPort !== undefined && { coordinatorPort: s.coordinatorPort }),
      };
    // The error: why the settings could not be used, and the Redis connection's own (while it is being tried).
    const errors = [...new Set([run.error, run.redisError].filter((e): e is string => e !== undefined))];
    return {
      settings,
      active: run.queue.kind,
      connected: run.queue.kind === 'local' ? true : run.connected,
      ...(errors.length > 0 && { error: errors.join('; ') }),
      coordinatorUrl: run.queue.kind === 'team' ? (run.server?.url ?? this.#serveUrl) : null,
    };
  }

  /** Writes the project's team/settings.json and switches the open project's queue to it. */
  async saveSettings(req: RequestOf<'queue:saveSettings'>): Promise<QueueSettingsInfo> {
    const project = this.#projects.require();
    try {
      writeQueueSettings(project.dir, req);
    } catch (err) {
      // The received value goes back with any password in the URL masked.
      throw new ValidationError(`payload.${(err as Error).message.replace(/^writeQueueSettings: /, '')} (received ${redactSecrets(JSON.stringify(req))})`);
    }
    const switching = this.#switching.then(async () => {
      await this.#stop();
      if (this.#projects.project === project) this.#start(project);
      // Wait for Redis a few seconds at most: an unreachable one is reported as connecting (connected: null).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#run?.started, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
    });
    this.#switching = switching.catch(() => undefined);
    await switching;
    return this.settings();
  }

  /** The worker tokens the running team coordinator checks (null in local mode: they live in the project file only). */
  liveWorkerTokens(): WorkerTokens | null {
    return this.#run?.queue instanceof TeamBatchQueue ? this.#run.queue.coordinator.tokens : null;
  }

  async testConnection(req: RequestOf<'queue:testConnection'>): Promise<{ ok: boolean; message: string; redisVersion?: string }> {
    let password: string | undefined;
    try {
      password = req.passwordFile ? readFileSync(req.passwordFile, 'utf8').trim() : process.env.LEFFA_REDIS_PASSWORD || undefined;
    } catch (err) {
      return { ok: false, message: `payload.passwordFile: could not read ${req.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
    return testRedisConnection(req.redisUrl, password);
  }

  /**
   * The team queue's coordinator endpoints for a serve host to mount (answers /team/… while the open
   * project runs the team queue; otherwise false, so the host answers as usual).
   */
  readonly coordinatorHandler: CoordinatorHandler = async (req, res) => {
    const q = this.#run?.queue;
    if (!(q instanceof TeamBatchQueue)) return false;
    return q.handler(req, res);
  };

  /** serve mode: the host's own URL, shown to the user as where workers reach the coordinator. */
  setServeUrl(url: string): void {
    this.#serveUrl = new URL(url).origin;
  }

  /** Stops the runner (the running cell goes back to the queue). */
  async close(): Promise<void> {
    await this.#stop();
  }

  // ---- internals --------------------------------------------------------------------------------

  async #adapter(): Promise<string | undefined> {
    try {
      return (await this.#engine.request('info', {})).adapter;
    } catch {
      return this.#engineStatus.adapter;
    }
  }

  #spec(spec: BatchSpecInput): BatchSpecInput & { checkpointId: number } {
    return withDefaultCheckpoint(this.#projects.require(), this.#projects.defaultCheckpointId(), spec); // per-task defaults (hub/defaults.ts)
  }

  #plan(project: Project, spec: BatchSpecInput & { checkpointId: number }, report: { cells: number; created: number; skippedDone: number; skippedPending: number; skippedDuplicate: number }, batchId: number): BatchPlan {
    const steps = project.db.prepare(/* sql */ `SELECT coalesce(sum(steps), 0) FROM jobs WHERE batch_id = ?`).pluck().get(batchId) as number;
    const msPerStep = this.#run?.jobs.eta().msPerStep ?? null;
    return {
      cells: report.cells, created: report.created, skippedDone: report.skippedDone, skippedPending: report.skippedPending,
      skippedDuplicate: report.skippedDuplicate, checkpointId: spec.checkpointId, steps,
      estimateMs: msPerStep === null ? null : Math.round(steps * msPerStep),
      missing: this.#missing(project, spec),
      licencePending: pendingLicence(project, spec.checkpointId),
      releases: batchReleases(project, spec.modelPhotoIds),
    };
  }

  /** Inputs the engine needs that the project lacks, per model photo: such cells would fail. */
  #missing(project: Project, spec: BatchSpecInput & { checkpointId: number }): BatchPlan['missing'] {
    const categories = new Set<Category>();
    for (const id of spec.garmentIds) {
      const g = project.garments.get(id);
      if (g) categories.add(g.category);
    }
    const format = denseposeFormat(project, spec.checkpointId);
    const out: BatchPlan['missing'] = [];
    for (const id of new Set(spec.modelPhotoIds)) {
      for (const category of categories) {
        if (!project.modelPhotos.latestMask(id, category)) out.push({ modelPhotoId: id, what: 'mask', category });
      }
      if (!project.modelPhotos.latestDensePose(id, format)) out.push({ modelPhotoId: id, what: 'densepose', format });
    }
    return out;
  }

  #start(project: Project): void {
    if (this.#run) return;
    const jobs = new JobStore(project);
    let settings: QueueSettings;
    let error: string | undefined;
    try {
      settings = readQueueSettings(project.dir);
    } catch (err) {
      // A broken settings file must not stop the project from opening: run locally and say why.
      settings = { kind: 'local' };
      error = `the project's queue settings could not be read, so this computer runs the queue: ${(err as Error).message}`;
      this.#log(`[queue] ${error}`);
    }
    const onFatal = (err: unknown) => {
      this.#log(`[queue] runner stopped: ${(err as Error).stack ?? String(err)}`);
      this.#queueEvent({ type: 'state', paused: jobs.isPaused(), runnerActive: false });
    };
    const local = { runner: { progressIntervalMs: this.#progressIntervalMs, onFatal, workerId: `runner-${process.pid}-${Math.random().toString(16).slice(2, 10)}` } };
    let queue: BatchQueue;
    try {
      queue = openBatchQueue(project, { jobs, runCell: this.#runCell(project), log: (l) => this.#log(l), local });
    } catch (err) {
      // Team settings that cannot be used (no password file, a URL refused): nothing runs until fixed.
      error = `the team queue could not be opened: ${redactSecrets((err as Error).message)}`;
      this.#log(`[queue] ${error}; cells stay queued`);
      queue = new LocalBatchQueue(jobs, this.#runCell(project), local);
      settings = { kind: 'local' };
      // Nothing is started for it: the queue is shown as not running, with the error in the settings panel.
      return this.#adopt(project, jobs, queue, settings, error, false);
    }
    this.#adopt(project, jobs, queue, settings, error, true);
  }

  #adopt(project: Project, jobs: JobStore, queue: BatchQueue, settings: QueueSettings, error: string | undefined, start: boolean): void {
    const ev = jobs.events;
    const off = [
      ev.on('job-status', (e) => {
        const out: QueueEvent = { type: 'cell', jobId: e.jobId, batchId: e.batchId, from: e.from, to: e.to, statusSeq: e.statusSeq, attempt: e.attempt };
        if (e.error !== undefined) out.error = e.error;
        if (e.to === 'succeeded') {
          const result = project.results.byJob(e.jobId);
          if (result) Object.assign(out, { resultId: result.id, resultHash: result.blobHash });
        }
        if (e.from === 'running' && this.#current?.jobId === e.jobId) this.#current = null;
        this.#queueEvent(out);
        if (e.to === 'succeeded' || e.to === 'failed' || e.to === 'cancelled') {
          const counts: JobCounts = jobs.counts({ batchId: e.batchId });
          if (counts.queued + counts.running === 0) this.#queueEvent({ type: 'batch-finished', batchId: e.batchId, counts });
        }
      }),
      ev.on('job-progress', (e) => {
        this.#current = { jobId: e.jobId, batchId: e.batchId, step: e.step, steps: e.steps, etaMs: e.etaMs };
        this.#queueEvent({
          type: 'progress', jobId: e.jobId, batchId: e.batchId, statusSeq: e.statusSeq, step: e.step, steps: e.steps, progress: e.progress,
          stepMs: e.stepMs, etaMs: e.etaMs,
        });
      }),
      ev.on('jobs-added', (e) => this.#queueEvent({ type: 'jobs-added', batchId: e.batchId, created: e.created })),
      ev.on('queue-state', (e) => this.#queueEvent({ type: 'state', paused: e.paused, runnerActive: this.#active() })),
      queue.onWorkersChange(() => this.#workersChanged()),
    ];
    const run: Running = { jobs, queue, settings, project, off, connected: null, started: Promise.resolve(), ...(error !== undefined && { error }) };
    this.#run = run;
    if (!start) {
      run.connected = false;
      this.#queueEvent({ type: 'state', paused: jobs.isPaused(), runnerActive: false });
      return;
    }
    if (queue instanceof LocalBatchQueue) {
      void queue.start();
      const recovered = queue.recovered;
      if (recovered.requeued.length || recovered.failed.length) {
        this.#log(`[queue] ${project.dir}: re-queued ${recovered.requeued.length} and failed ${recovered.failed.length} cell(s) left running by an earlier run`);
      }
      if (this.#engineStatus.backend) queue.describe(this.#engineStatus.backend, this.#engineStatus.adapter ?? null);
      this.#queueEvent({ type: 'state', paused: jobs.isPaused(), runnerActive: true });
      return;
    }
    // Team: Redis may take a while (or never answer); the project opens now and the state follows.
    const team = queue as TeamBatchQueue;
    const s = settings as Extract<QueueSettings, { kind: 'team' }>;
    this.#followRedis(run, team, s);
    run.started = (async () => {
      if (s.coordinatorPort !== undefined) {
        try {
          const server = await startCoordinatorServer(this.coordinatorHandler, { port: s.coordinatorPort, ...(s.coordinatorHost !== undefined && { host: s.coordinatorHost }) });
          if (this.#run !== run) return void (await server.close());
          run.server = server;
          this.#log(`[team] coordinator for workers at ${server.url}`);
        } catch (err) {
          run.error = `the coordinator could not listen on port ${s.coordinatorPort}: ${(err as Error).message}`;
          this.#log(`[team] ${run.error}`);
        }
      }
      try {
        await team.start();
        if (this.#run !== run) return;
        run.connected = true;
        delete run.redisError;
        this.#log(`[team] ${project.dir}: cells go to Redis queue ${s.queueName}`);
      } catch (err) {
        if (this.#run !== run) return;
        run.connected = false;
        run.error = redisErrorText(err, secretsOf(s));
        delete run.redisError;
        this.#log(`[team] ${run.error}`);
      }
      this.#queueEvent({ type: 'state', paused: jobs.isPaused(), runnerActive: this.#active() });
      this.#workersChanged();
    })();
  }

  /**
   * Team: follows the Redis connection for the settings panel. While connecting (an unreachable Redis is
   * retried for ever) and after a lost connection, the last connection error is kept, redacted, and the page
   * hears a `state` event whenever it changes; a lost connection reads as connecting again (connected: null)
   * until Redis is ready.
   */
  #followRedis(run: Running, team: TeamBatchQueue, s: Extract<QueueSettings, { kind: 'team' }>): void {
    const backend = team.dispatcher.queue.backend;
    const secrets = secretsOf(s);
    const changed = () => this.#queueEvent({ type: 'state', paused: run.jobs.isPaused(), runnerActive: this.#active() });
    const onError = (err: unknown) => {
      // While connected, an error (a refused command) is the log's business; the panel shows connection trouble.
      if (this.#run !== run || run.connected === true) return;
      const text = redisErrorText(err, secrets);
      if (run.redisError === text) return;
      run.redisError = text;
      changed();
    };
    // Set when a connection that start() had reported was lost: the next 'ready' reports it back.
    let lost = false;
    const onClose = () => {
      if (this.#run !== run || run.connected !== true) return;
      lost = true;
      run.connected = null;
      changed();
    };
    const onReady = () => {
      if (this.#run !== run || (run.redisError === undefined && !lost)) return;
      // Before the first start is over, start() says when the queue is connected.
      if (lost && run.connected === null) run.connected = true;
      lost = false;
      delete run.redisError;
      changed();
    };
    backend.on('error', onError);
    backend.on('close', onClose);
    backend.on('ready', onReady);
    run.off.push(() => {
      backend.off('error', onError);
      backend.off('close', onClose);
      backend.off('ready', onReady);
    });
  }

  async #stop(): Promise<void> {
    const run = this.#run;
    if (!run) return;
    this.#run = null;
    if (this.#workersTimer) clearTimeout(this.#workersTimer);
    this.#workersTimer = null;
    // A Redis that never answers must not hold up closing the project (or quitting): stop() gives up on it.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([run.started, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    // Local: the running cell goes back to the queue. Team: workers carry on; the project takes their results at the next open.
    await run.queue.stop();
    await run.server?.close();
    for (const off of run.off) off();
    this.#current = null;
    this.#queueEvent({ type: 'state', paused: run.jobs.isPaused(), runnerActive: false });
  }

  #queueEvent(event: QueueEvent): void {
    try {
      this.#emit('queue:event', event);
    } catch (err) {
      this.#log(`[queue] event listener failed: ${(err as Error).message}`);
    }
  }

  #runCell(project: Project): RunCell {
    return async (cell, { signal, onProgress }) => {
      const inputs = cellInputs(cell);
      const checkpoint = project.checkpoints.get(cell.checkpoint.id);
      const base = checkpoint?.baseConfig ? join(project.dir, checkpoint.baseConfig) : undefined;
      // A LoRA checkpoint is an adapter: the engine merges it into its base's weights at load (the same rule as
      // team workers, main/team/engine-cell.ts cellWeights).
      const weights = checkpoint ? cellWeights(project, checkpoint.id) : undefined;
      let lastPreview = -Infinity;
      const onEvent = (e: EngineEvent) => {
        if (e.type === 'progress') {
          // The engine counts steps from 0; the queue from 1 (step n of steps is done).
          onProgress({ step: e.step + 1, steps: e.steps, stepMs: e.stepMs });
        } else if (e.type === 'preview' && this.#previewEveryMs > 0) {
          const now = performance.now();
          if (now - lastPreview < this.#previewEveryMs) return;
          lastPreview = now;
          void previewDataUrl(e.rgb, e.width, e.height).then(
            (dataUrl) => {
              if (!signal.aborted) this.#queueEvent({ type: 'preview', jobId: cell.jobId, batchId: cell.batchId, step: e.step + 1, width: e.width, height: e.height, dataUrl });
            },
            (err: unknown) => this.#log(`[queue] preview of job ${cell.jobId} failed: ${(err as Error).message}`),
          );
        }
      };
      this.#busy++;
      this.#setEngine({ ...this.#engineStatus, state: 'busy' });
      try {
        const res = await this.#engine.request(
          'generate',
          {
            task: 'tryon',
            checkpoint: weights?.lora
              ? { path: project.blobPath(weights.weights.hash), lora: project.blobPath(weights.lora.hash), ...(base !== undefined && { base }) }
              : { path: cell.checkpoint.path, ...(base !== undefined && { base }) },
            inputs,
            settings: {
              steps: cell.settings.steps, guidanceScale: cell.settings.guidanceScale, refAcceleration: cell.settings.refAcceleration,
              repaint: cell.settings.repaint, seed: cell.seed, category: cell.category,
            },
            previewEveryMs: this.#previewEveryMs,
            ...(checkpoint && { provenance: { checkpointName: checkpoint.name, licence: checkpoint.licence } }),
          },
          { signal, onEvent },
        );
        this.#engineStatus = { ...this.#engineStatus, backend: res.backend };
        // WebGPU: which adapter ran it (a new one after a device loss), for the record and the status bar.
        const adapter = res.backend === 'webgpu' ? await this.#adapter() : undefined;
        return {
          image: res.png,
          record: {
            engineVersion: `${res.record.generator.name} ${res.record.generator.version}`,
            backend: res.backend,
            ...(adapter !== undefined && { adapter }),
            app: this.#appVersion,
            generator: res.record,
            timings: res.timings,
          },
        };
      } catch (err) {
        if ((err as { kind?: string }).kind === 'unavailable') this.#setEngine({ ...this.#engineStatus, state: 'down', error: (err as Error).message });
        if (isDeviceFault(err)) {
          // The engine host has already re-created the device or fallen back; say so (log, status bar).
          this.#log(`[engine] cell ${cell.jobId}: ${(err as Error).message}`);
          this.#noticeAt = Date.now();
          this.#setEngine({ ...this.#engineStatus, notice: (err as Error).message });
        }
        throw err;
      } finally {
        this.#busy--;
        if (this.#busy === 0) void this.engineStatus();
      }
    };
  }
}

/** The engine's inputs for a try-on cell; a cell without a mask or DensePose map fails with what to do. */
export function cellInputs(cell: CellWork): Record<'person' | 'garment' | 'mask' | 'densepose', string> {
  if (!cell.mask) {
    throw new Error(`model photo ${cell.person.modelPhotoId} has no ${cell.category} mask: save one (masks:save) and retry the cell`);
  }
  if (!cell.densepose) {
    throw new Error(`model photo ${cell.person.modelPhotoId} has no DensePose image in the checkpoint's format: import one (densepose:import) and retry the cell`);
  }
  return { person: cell.person.path, garment: cell.garment.photoPath, mask: cell.mask.path, densepose: cell.densepose.path };
}

/** The DensePose rendering a checkpoint wants (a finetune: its ancestor's), as the enqueuer decides it. */
export function denseposeFormat(project: Project, checkpointId: number): DenseposeFormat {
  let id: number | null = checkpointId;
  for (let depth = 0; id !== null && depth < 16; depth++) {
    const c = project.checkpoints.get(id);
    if (!c) break;
    const format = DENSEPOSE_FOR[c.kind];
    if (format) return format;
    id = c.parentId;
  }
  return 'HD-parula';
}

export function isTryOnKind(kind: CheckpointKind): boolean {
  return TRY_ON_KINDS.includes(kind);
}

async function previewDataUrl(rgb: Uint8Array, width: number, height: number): Promise<string> {
  const png = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } }).png({ compressionLevel: 3 }).toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

function toCell(job: Job, result: { id: number; blobHash: string } | undefined): QueueCell {
  return {
    jobId: job.id, batchId: job.batchId, garmentId: job.garmentId, modelPhotoId: job.modelPhotoId, checkpointId: job.checkpointId,
    seed: job.seed, settings: job.settings, status: job.status, statusSeq: job.statusSeq, attempt: job.attempt, progress: job.progress,
    stepMs: job.stepMs, runMs: job.runMs, error: job.error && { type: job.error.type, message: job.error.message },
    retriedFrom: job.retriedFrom, resultId: result?.id ?? null, resultHash: result?.blobHash ?? null,
    createdAt: job.createdAt, startedAt: job.startedAt, finishedAt: job.finishedAt,
  };
}
