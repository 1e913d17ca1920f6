// Runs the open project's queue: a QueueRunner whose `runCell` is the engine worker's `generate`
// (each input is a blob file path; mask and DensePose come from the cell, the weights and their base
// configs from the checkpoint's record), and forwards what happens to the page as `queue:event` and
// `engine:status` events: status changes, throttled progress, latent previews, finished batches.
// No Electron imports: the Electron main and serve mode both build one.
import { join } from 'node:path';
import sharp from 'sharp';
import type {
  BatchEnqueued, BatchPlan, BatchSpecInput, BatchSummary, Category, DenseposeFormat, EngineStatus, EventName, EventSpec, JobCounts,
  QueueCell, QueueEvent, QueueState, RequestOf,
} from '../../preload/contract.ts';
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../api/errors.ts';
import { Enqueuer } from '../queue/enqueue.ts';
import { JobStore, QueueRunner, type CellWork, type Job, type RunCell } from '../queue/index.ts';
import type { CheckpointKind } from '../store/schemas.ts';
import type { Project } from '../store/index.ts';
import type { EngineEvent, EngineMethod, ParamsOf, ResultOf } from '../engine-host/protocol.ts';
import type { RequestOptions } from '../engine-host/host.ts';
import type { ProjectService } from './project-service.ts';

/** The engine as the queue uses it: EngineSupervisor (or EngineHost, or a fake in tests). */
export interface EngineLike {
  request<M extends EngineMethod>(method: M, params: ParamsOf<M>, opts?: RequestOptions): Promise<ResultOf<M>>;
}

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

const TRY_ON_KINDS: readonly CheckpointKind[] = ['try-on-HD', 'try-on-DC', 'finetune'];
const DENSEPOSE_FOR: Partial<Record<CheckpointKind, DenseposeFormat>> = { 'try-on-HD': 'HD-parula', 'try-on-DC': 'DC-I-map' };
const ROLLBACK = Symbol('rollback');

interface Running {
  jobs: JobStore;
  runner: QueueRunner;
  project: Project;
  off: (() => void)[];
}

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
      runnerActive: this.#run?.runner.running ?? false,
      counts: jobs.counts(),
      eta: jobs.eta(),
      current: this.#current && { ...this.#current },
    };
  }

  pause(): QueueState {
    this.#jobs().pause();
    return this.state();
  }

  resume(): QueueState {
    this.#jobs().resume();
    return this.state();
  }

  cancel(req: RequestOf<'queue:cancel'>): { cancelled: number } {
    const jobs = this.#jobs();
    if ('jobId' in req) {
      const job = jobs.get(req.jobId);
      if (!job) throw new NotFoundError(`cell (job) ${req.jobId} does not exist`);
      if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled') {
        throw new ConflictError(`cell ${req.jobId} has already ${job.status === 'cancelled' ? 'been cancelled' : job.status}; nothing to cancel`);
      }
      jobs.cancelJob(req.jobId);
      return { cancelled: 1 };
    }
    if ('batchId' in req) {
      if (!jobs.batch(req.batchId)) throw new NotFoundError(`batch ${req.batchId} does not exist`);
      return { cancelled: jobs.cancelBatch(req.batchId) };
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
    const report = this.#jobs().enqueueBatch(full);
    return { batchId: report.batchId, ...this.#plan(project, full, report, report.batchId) };
  }

  /** Resolves once nothing is running or claimable (tests, shutdown). */
  async whenIdle(): Promise<void> {
    await this.#run?.runner.whenIdle();
  }

  /** Stops the runner (the running cell goes back to the queue). */
  async close(): Promise<void> {
    await this.#stop();
  }

  // ---- internals --------------------------------------------------------------------------------

  #spec(spec: BatchSpecInput): BatchSpecInput & { checkpointId: number } {
    const checkpointId = spec.checkpointId ?? this.#projects.defaultCheckpointId();
    if (checkpointId === null) throw new ValidationError('payload.checkpointId: no checkpoint given and the project has no default; import a checkpoint first');
    return { ...spec, checkpointId };
  }

  #plan(project: Project, spec: BatchSpecInput & { checkpointId: number }, report: { cells: number; created: number; skippedDone: number; skippedPending: number; skippedDuplicate: number }, batchId: number): BatchPlan {
    const steps = project.db.prepare(/* sql */ `SELECT coalesce(sum(steps), 0) FROM jobs WHERE batch_id = ?`).pluck().get(batchId) as number;
    const msPerStep = this.#run?.jobs.eta().msPerStep ?? null;
    return {
      cells: report.cells, created: report.created, skippedDone: report.skippedDone, skippedPending: report.skippedPending,
      skippedDuplicate: report.skippedDuplicate, checkpointId: spec.checkpointId, steps,
      estimateMs: msPerStep === null ? null : Math.round(steps * msPerStep),
      missing: this.#missing(project, spec),
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
    const runner = new QueueRunner({
      jobs,
      runCell: this.#runCell(project),
      progressIntervalMs: this.#progressIntervalMs,
      onFatal: (err) => {
        this.#log(`[queue] runner stopped: ${(err as Error).stack ?? String(err)}`);
        this.#queueEvent({ type: 'state', paused: jobs.isPaused(), runnerActive: false });
      },
    });
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
      ev.on('queue-state', (e) => this.#queueEvent({ type: 'state', paused: e.paused, runnerActive: runner.running })),
    ];
    this.#run = { jobs, runner, project, off };
    const recovered = runner.start();
    if (recovered.requeued.length || recovered.failed.length) {
      this.#log(`[queue] ${project.dir}: re-queued ${recovered.requeued.length} and failed ${recovered.failed.length} cell(s) left running by an earlier run`);
    }
    this.#queueEvent({ type: 'state', paused: jobs.isPaused(), runnerActive: true });
  }

  async #stop(): Promise<void> {
    const run = this.#run;
    if (!run) return;
    this.#run = null;
    await run.runner.stop('abort');
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
            checkpoint: { path: cell.checkpoint.path, ...(base !== undefined && { base }) },
            inputs,
            settings: {
              steps: cell.settings.steps, guidanceScale: cell.settings.guidanceScale, refAcceleration: cell.settings.refAcceleration,
              repaint: cell.settings.repaint, seed: cell.seed, category: cell.category,
            },
            previewEveryMs: this.#previewEveryMs,
          },
          { signal, onEvent },
        );
        this.#engineStatus = { ...this.#engineStatus, backend: res.backend };
        return {
          image: res.png,
          record: {
            engineVersion: `${res.record.generator.name} ${res.record.generator.version}`,
            backend: res.backend,
            app: this.#appVersion,
            generator: res.record,
            timings: res.timings,
          },
        };
      } catch (err) {
        if ((err as { kind?: string }).kind === 'unavailable') this.#setEngine({ ...this.#engineStatus, state: 'down', error: (err as Error).message });
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
