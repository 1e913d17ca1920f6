// Finetuning from the catalogue: training sets (pairs of a model photo wearing a garment + the garment's
// photo, with a seeded held-out split), and training runs as jobs. A run is materialised into a dataset
// folder inside the project (training/run-<id>/dataset), then trained by the engine worker's `train`
// method (models/train, never on main's event loop), whose events are stored (metrics per step, sample
// images as blobs) and forwarded as `training:event`. One run trains at a time; the others wait queued.
//
// The generation queue shares the one engine worker, so it is paused while a run trains (after the cell
// it is running finishes) and resumed when no run is left to train, unless the user had paused it.
// Stop = cancel the engine request: the trainer finishes its step, writes a checkpoint, and the run is
// `paused`; resume continues from that checkpoint. A run that finishes is registered as a checkpoint
// (kind finetune or LoRA, parent = the base, trainingRun = its configuration and final loss).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type {
  BatchEnqueued, RequestOf, TrainingEvent, TrainingMetric, TrainingRunDetail, TrainingRunSummary, TrainingSetDetail, TrainingSetSummary,
  TrainingStartRequest,
} from '../../preload/contract.ts';
import { ConflictError, NotFoundError, ValidationError } from '../api/errors.ts';
import type { EngineEvent } from '../engine-host/protocol.ts';
import type { Project } from '../store/index.ts';
import { TrainingRunRepo, type TrainingRunRow } from '../store/training-runs.ts';
import { TrainingSetRepo, type TrainingSetRow } from '../store/training-sets.ts';
import { buildTrainConfig, pngSize } from '../training/train-config.ts';
import type { ProjectService } from './project-service.ts';
import { denseposeFormat, type Emit, type EngineLike, type QueueService } from './queue-service.ts';

export interface TrainingServiceOptions {
  projects: ProjectService;
  engine: EngineLike;
  queue: QueueService;
  emit: Emit;
  log?: (message: string) => void;
}

interface Active {
  runId: number;
  controller: AbortController;
  done: Promise<void>;
}

const BASE_KINDS = new Set(['try-on-HD', 'try-on-DC', 'finetune']);

export class TrainingService {
  readonly #projects: ProjectService;
  readonly #engine: EngineLike;
  readonly #queue: QueueService;
  readonly #emit: Emit;
  readonly #log: (message: string) => void;
  readonly #repos = new WeakMap<Project, { sets: TrainingSetRepo; runs: TrainingRunRepo }>();
  #active: Active | null = null;

  constructor(opts: TrainingServiceOptions) {
    this.#projects = opts.projects;
    this.#engine = opts.engine;
    this.#queue = opts.queue;
    this.#emit = opts.emit;
    this.#log = opts.log ?? ((m) => console.error(m));
    opts.projects.onOpened((project) => this.#recover(project));
    opts.projects.onClosing(() => this.close());
    if (opts.projects.project) this.#recover(opts.projects.project);
  }

  #p(): { project: Project; sets: TrainingSetRepo; runs: TrainingRunRepo } {
    const project = this.#projects.require();
    let r = this.#repos.get(project);
    if (!r) { r = { sets: new TrainingSetRepo(project.ctx), runs: new TrainingRunRepo(project.ctx) }; this.#repos.set(project, r); }
    return { project, ...r };
  }

  // ---- sets -------------------------------------------------------------------------------------

  sets(): { items: TrainingSetSummary[] } {
    return { items: this.#p().sets.list().map(summaryOfSet) };
  }

  createSet(req: RequestOf<'training:createSet'>): TrainingSetDetail {
    const { sets } = this.#p();
    const s = sets.create(req);
    return this.setDetail(s.id);
  }

  setDetail(id: number): TrainingSetDetail {
    const { sets } = this.#p();
    const s = sets.get(id);
    if (!s) throw new NotFoundError(`training set ${id} does not exist`);
    const items = sets.pairs(id).map(({ maskHash: _m, denseposeHash: _d, ...p }) => p);
    return { ...summaryOfSet(s), items };
  }

  // ---- runs -------------------------------------------------------------------------------------

  start(req: TrainingStartRequest): TrainingRunSummary {
    const { project, sets, runs } = this.#p();
    const set = sets.get(req.setId);
    if (!set) throw new NotFoundError(`payload.setId: training set ${req.setId} does not exist`);
    const base = project.checkpoints.get(req.baseCheckpointId);
    if (!base) throw new NotFoundError(`payload.baseCheckpointId: checkpoint ${req.baseCheckpointId} does not exist`);
    if (!BASE_KINDS.has(base.kind)) {
      throw new ValidationError(`payload.baseCheckpointId is ${base.id}, a ${base.kind} checkpoint; expected a complete try-on model (try-on-HD, try-on-DC or finetune) to train from`);
    }
    if (req.mode === 'full' && req.rank !== undefined) throw new ValidationError(`payload.rank is ${req.rank}; expected no rank with mode "full" (rank is for LoRA)`);
    const format = denseposeFormat(project, base.id);
    const incomplete = sets.pairs(set.id, format).filter((p) => p.missing.length);
    if (incomplete.length) {
      const first = incomplete[0]!;
      throw new ValidationError(`payload.setId: training set ${set.id} has ${incomplete.length} pair(s) without their inputs (e.g. pair ${first.position + 1}, ${first.modelPhotoName} × ${first.garmentSku}, lacks ${first.missing.join(' and ')}); expected every model photo to have a ${'mask'} for its pair's category and a ${format} DensePose image`);
    }
    const run = runs.create({ setId: set.id, baseCheckpointId: base.id, config: { ...req }, totalSteps: req.steps });
    this.#status(run);
    void this.#pump();
    return summaryOfRun(runs.get(run.id)!);
  }

  runs(): { items: TrainingRunSummary[]; queuePaused: boolean } {
    return { items: this.#p().runs.list().map(summaryOfRun), queuePaused: this.#queuePaused() };
  }

  run(id: number): TrainingRunDetail {
    const { runs } = this.#p();
    const r = runs.get(id);
    if (!r) throw new NotFoundError(`training run ${id} does not exist`);
    return { ...summaryOfRun(r), config: r.config as unknown as TrainingStartRequest, metrics: runs.metrics(id), samples: runs.samples(id) };
  }

  stop(id: number): TrainingRunSummary {
    const { runs } = this.#p();
    const r = runs.get(id);
    if (!r) throw new NotFoundError(`training run ${id} does not exist`);
    if (r.status === 'queued') {
      const out = runs.setStatus(id, 'cancelled', { finishedAt: Date.now() });
      this.#status(out);
      return summaryOfRun(out);
    }
    if (r.status === 'running' && this.#active?.runId === id) {
      this.#active.controller.abort();
      return summaryOfRun(r);
    }
    throw new ConflictError(`training run ${id} is ${r.status}; only a queued or running run can be stopped`);
  }

  resume(id: number): TrainingRunSummary {
    const { runs } = this.#p();
    const r = runs.get(id);
    if (!r) throw new NotFoundError(`training run ${id} does not exist`);
    if (r.status !== 'paused' && r.status !== 'failed') throw new ConflictError(`training run ${id} is ${r.status}; only a paused or failed run can be resumed`);
    const out = runs.setStatus(id, 'queued', { resume: r.step > 0, error: null, finishedAt: null });
    this.#status(out);
    void this.#pump();
    return summaryOfRun(out);
  }

  /** Two batches of the same cells: one with the finetuned checkpoint, one with its base. */
  compare(req: RequestOf<'training:compare'>): { finetuned: BatchEnqueued; base: BatchEnqueued } {
    const { project } = this.#p();
    const tuned = project.checkpoints.get(req.checkpointId);
    if (!tuned) throw new NotFoundError(`payload.checkpointId: checkpoint ${req.checkpointId} does not exist`);
    if (tuned.parentId === null) throw new ValidationError(`payload.checkpointId is ${tuned.id} (${tuned.name}), which has no base checkpoint; expected a finetuned checkpoint`);
    const base = project.checkpoints.get(tuned.parentId)!;
    const cells = { garmentIds: req.garmentIds, modelPhotoIds: req.modelPhotoIds, seeds: req.seeds, ...(req.settings && { settings: req.settings }) };
    const finetuned = this.#queue.enqueue({ ...cells, checkpointId: tuned.id, name: `Compare: ${tuned.name} (finetuned)`.slice(0, 200) });
    const baseBatch = this.#queue.enqueue({ ...cells, checkpointId: base.id, name: `Compare: ${base.name} (base of ${tuned.name})`.slice(0, 200) });
    return { finetuned, base: baseBatch };
  }

  /** Stops the running run (it pauses with a checkpoint) and waits for it. */
  async close(): Promise<void> {
    const a = this.#active;
    if (!a) return;
    a.controller.abort();
    await a.done;
  }

  /** Resolves when no run is training (tests). */
  async whenIdle(): Promise<void> {
    while (this.#active) await this.#active.done;
  }

  // ---- internals --------------------------------------------------------------------------------

  #queuePaused(): boolean {
    try { return this.#queue.state().paused; } catch { return false; }
  }

  #status(run: TrainingRunRow): void {
    this.#event({ type: 'status', run: summaryOfRun(run), queuePaused: this.#queuePaused() });
  }

  #event(e: TrainingEvent): void {
    try { this.#emit('training:event', e); } catch (err) { this.#log(`[training] event listener failed: ${(err as Error).message}`); }
  }

  /** After a restart: runs left running are paused (resumable); a queue paused for them is resumed. */
  #recover(project: Project): void {
    try {
      const runs = new TrainingRunRepo(project.ctx);
      this.#repos.set(project, { sets: new TrainingSetRepo(project.ctx), runs });
      for (const r of runs.withStatus('running')) {
        runs.setStatus(r.id, 'paused', { resume: r.step > 0, error: 'the app closed while this run trained; resume continues from its last checkpoint' });
      }
      if (runs.withStatus('queued').length === 0) this.#releaseQueue(runs);
      void this.#pump();
    } catch (err) {
      this.#log(`[training] recovery failed: ${(err as Error).message}`);
    }
  }

  async #pump(): Promise<void> {
    if (this.#active) return;
    const project = this.#projects.project;
    if (!project) return;
    const { runs } = this.#p();
    const next = runs.withStatus('queued')[0];
    if (!next) return;
    const controller = new AbortController();
    let finish!: () => void;
    const done = new Promise<void>((r) => { finish = r; });
    this.#active = { runId: next.id, controller, done };
    try {
      await this.#execute(project, next, controller.signal);
    } catch (err) {
      this.#log(`[training] run ${next.id} failed: ${(err as Error).stack ?? String(err)}`);
    } finally {
      this.#active = null;
      finish();
      if (this.#projects.project === project) {
        if (runs.withStatus('queued').length) void this.#pump();
        else this.#releaseQueue(runs);
      }
    }
  }

  /** Pauses the generation queue for training (waiting for its running cell); true when this call paused it. */
  async #holdQueue(): Promise<boolean> {
    let paused = false;
    try {
      if (!this.#queue.state().paused) { this.#queue.pause(); paused = true; }
      await this.#queue.whenIdle();
    } catch (err) {
      this.#log(`[training] could not pause the queue: ${(err as Error).message}`);
    }
    return paused;
  }

  #releaseQueue(runs: TrainingRunRepo): void {
    const held = runs.list().filter((r) => r.pausedQueue);
    if (!held.length) return;
    try {
      this.#queue.resume();
    } catch (err) {
      this.#log(`[training] could not resume the queue (it resumes when the project opens again): ${(err as Error).message}`);
      return;
    }
    for (const r of held) runs.clearPausedQueue(r.id);
  }

  async #execute(project: Project, queued: TrainingRunRow, signal: AbortSignal): Promise<void> {
    const { sets, runs } = this.#p();
    const req = queued.config as unknown as TrainingStartRequest;
    const anyHeld = runs.list().some((r) => r.pausedQueue);
    const pausedNow = await this.#holdQueue();
    let run = runs.setStatus(queued.id, 'running', { startedAt: Date.now(), pausedQueue: pausedNow || anyHeld });
    this.#status(run);
    const folder = join(project.dir, run.folder);
    const pending: Promise<void>[] = [];
    try {
      const base = project.checkpoints.get(run.baseCheckpointId);
      if (!base) throw new Error(`the base checkpoint ${run.baseCheckpointId} no longer exists`);
      const format = denseposeFormat(project, base.id);
      const dataset = join(folder, 'dataset');
      if (!run.resume) {
        rmSync(folder, { recursive: true, force: true }); // a fresh start: nothing of an earlier attempt is reused
        runs.truncateAfter(run.id, 0);
      }
      const { heldOut } = sets.materialise(run.setId, dataset, format);
      const config = buildTrainConfig(req, {
        weights: project.blobPath(base.blobHash), ...(base.baseConfig && { base: join(project.dir, base.baseConfig) }),
        dataset, output: join(folder, 'output'),
      }, heldOut);
      const exportTo = join(folder, 'export', req.mode === 'lora' ? 'adapter.safetensors' : 'model.safetensors');
      const onEvent = (e: EngineEvent) => {
        if (e.type === 'train') {
          const t = e.event;
          if (t.type === 'start' && t.step > 0) runs.truncateAfter(run.id, t.step);
          if (t.type === 'step') {
            const metric: TrainingMetric = { step: t.step, total: t.loss.total, diffusion: t.loss.diffusion, leffa: t.loss.leffa, lr: t.lr, gradNorm: t.gradNorm, stepMs: t.stepMs };
            runs.addMetric(run.id, metric);
            this.#event({ type: 'step', runId: run.id, totalSteps: t.totalSteps, etaMs: t.etaMs, metric });
          }
        } else if (e.type === 'train-sample') {
          pending.push(this.#storeSample(project, runs, run.id, e.step, e.png));
        }
      };
      const res = await this.#engine.request('train', { config, resume: run.resume, exportTo }, { signal, onEvent });
      await Promise.all(pending);
      if (res.cancelled || !res.exported) {
        run = runs.setStatus(run.id, 'paused', { step: res.step, resume: res.step > 0 });
        this.#status(run);
        return;
      }
      const setName = sets.get(run.setId)?.name ?? `set ${run.setId}`;
      const ckpt = await project.checkpoints.import({
        file: res.exported,
        name: `${base.name} · ${setName} (${req.mode === 'lora' ? 'LoRA' : 'finetune'}, run ${run.id})`.slice(0, 200),
        kind: req.mode === 'lora' ? 'LoRA' : 'finetune',
        architecture: base.architecture,
        licence: base.licence,
        commercialUse: base.commercialUse,
        parentId: base.id,
        source: `training run ${run.id} on training set "${setName}"`.slice(0, 2000),
        trainingRun: { runId: run.id, setId: run.setId, setName, config: req, steps: res.step, finalLoss: res.lastLoss },
        ...(base.baseConfig && { baseConfig: base.baseConfig }),
      });
      run = runs.setStatus(run.id, 'succeeded', { step: res.step, checkpointId: ckpt.id, finishedAt: Date.now() });
      this.#status(run);
      // Everything the run folder holds is now in the store (checkpoint, samples): the dataset copies of the
      // photos and the training checkpoints (4× the model's size for a full run) go.
      rmSync(folder, { recursive: true, force: true });
    } catch (err) {
      await Promise.allSettled(pending);
      const current = runs.get(run.id);
      if (current?.status === 'running' && signal.aborted) {
        // Stopped before the engine took the run (it waited for another tensor job): nothing was lost.
        run = runs.setStatus(run.id, 'paused', { resume: current.step > 0 });
        this.#status(run);
      } else if (current?.status === 'running') {
        run = runs.setStatus(run.id, 'failed', { error: (err as Error).message.slice(0, 4000), finishedAt: Date.now(), resume: current.step > 0 });
        this.#status(run);
      }
    }
  }

  async #storeSample(project: Project, runs: TrainingRunRepo, runId: number, step: number, png: Uint8Array): Promise<void> {
    try {
      const blob = await project.files.putBytes(png);
      runs.addSample(runId, step, blob, pngSize(png));
      this.#event({ type: 'sample', runId, sample: { step, blobHash: blob.hash } });
    } catch (err) {
      this.#log(`[training] sample of run ${runId} at step ${step} was not stored: ${(err as Error).message}`);
    }
  }
}

function summaryOfSet(s: TrainingSetRow): TrainingSetSummary {
  return { id: s.id, name: s.name, seed: s.seed, holdoutFraction: s.holdoutFraction, pairs: s.pairs, heldOut: s.heldOut, incomplete: s.incomplete, createdAt: s.createdAt };
}

function summaryOfRun(r: TrainingRunRow): TrainingRunSummary {
  const mode = (r.config as { mode?: string }).mode === 'lora' ? 'lora' : 'full';
  return {
    id: r.id, setId: r.setId, setName: r.setName, baseCheckpointId: r.baseCheckpointId, mode, status: r.status, step: r.step, totalSteps: r.totalSteps,
    error: r.error, checkpointId: r.checkpointId, createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt,
  };
}
