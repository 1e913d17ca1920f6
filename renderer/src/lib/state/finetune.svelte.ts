// The Finetune screen's state: training sets (a pair builder over the catalogue, with the inputs each pair
// lacks), the run form, the runs and the selected run's live metrics and held-out samples (kept current by
// pushed `training:event`s), stop/resume, and "compare against base" for a finished run's checkpoint.
import type {
  BatchEnqueued, Category, GarmentListItem, ModelPhotoListItem, TrainingEvent, TrainingPairInput, TrainingRunDetail, TrainingRunSummary,
  TrainingSetDetail, TrainingSetSummary, TrainingStartRequest,
} from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';

export type FinetuneApi = Pick<Api, 'call' | 'on'>;

export interface DraftPair extends TrainingPairInput {
  category: Category;
}

export interface RunForm {
  baseCheckpointId: number | null;
  mode: 'full' | 'lora';
  rank: number;
  steps: number;
  learningRate: number;
  leffaEnabled: boolean;
  leffaWeight: number;
  sampleEvery: number;
  sampleSteps: number;
  seed: number;
  width: number;
  height: number;
}

export function defaultRunForm(): RunForm {
  return {
    baseCheckpointId: null, mode: 'lora', rank: 16, steps: 1000, learningRate: 1e-5, leffaEnabled: true, leffaWeight: 0.001,
    sampleEvery: 100, sampleSteps: 20, seed: 42, width: 384, height: 512,
  };
}

/** The request `training:start` gets from the form (LoRA rank only in LoRA mode). */
export function startRequest(setId: number, f: RunForm): TrainingStartRequest {
  return {
    setId, baseCheckpointId: f.baseCheckpointId ?? 0, mode: f.mode, ...(f.mode === 'lora' && { rank: f.rank }), steps: f.steps,
    learningRate: f.learningRate, leffaLoss: { enabled: f.leffaEnabled, weight: f.leffaEnabled ? f.leffaWeight : 0 }, sampleEvery: f.sampleEvery,
    seed: f.seed, width: f.width, height: f.height, sampleSteps: f.sampleSteps,
  };
}

const unique = (ids: number[]) => ids.filter((id, i) => ids.indexOf(id) === i);

export class FinetuneState {
  sets = $state.raw<TrainingSetSummary[]>([]);
  set = $state.raw<TrainingSetDetail | null>(null);
  runs = $state.raw<TrainingRunSummary[]>([]);
  run = $state.raw<TrainingRunDetail | null>(null);
  queuePaused = $state(false);
  etaMs = $state<number | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  loaded = $state(false);

  // Set builder
  photos = $state.raw<ModelPhotoListItem[]>([]);
  garments = $state.raw<GarmentListItem[]>([]);
  pickPhoto = $state<number | null>(null);
  pickGarment = $state<number | null>(null);
  draft = $state.raw<DraftPair[]>([]);
  draftName = $state('');
  holdoutPercent = $state(10);

  form = $state<RunForm>(defaultRunForm());
  lastCompare = $state.raw<{ finetuned: BatchEnqueued; base: BatchEnqueued } | null>(null);

  readonly #api: FinetuneApi;

  constructor(api: FinetuneApi) {
    this.#api = api;
  }

  connect(): () => void {
    return this.#api.on('training:event', (e) => this.apply(e));
  }

  async load(): Promise<void> {
    await this.#try('load training', async () => {
      const [sets, runs, photos, garments] = await Promise.all([
        this.#api.call('training:sets', {}), this.#api.call('training:runs', {}), this.#api.call('models:list', {}), this.#api.call('garments:list', { limit: 500 }),
      ]);
      this.sets = sets.items;
      this.runs = runs.items;
      this.queuePaused = runs.queuePaused;
      this.photos = photos.items;
      this.garments = garments.items;
      // Keep the open set and run unless they are gone (an erasure can delete runs): then the first ones.
      const setId = sets.items.some((x) => x.id === this.set?.id) ? this.set!.id : sets.items[0]?.id;
      if (setId !== undefined) await this.openSet(setId);
      else this.set = null;
      const runId = runs.items.some((r) => r.id === this.run?.id) ? this.run!.id : runs.items[0]?.id;
      if (runId !== undefined) await this.openRun(runId);
      else { this.run = null; this.etaMs = null; }
    });
    this.loaded = true;
  }

  /** Another project opened: nothing of this one's sets, runs or draft stays. */
  clear(): void {
    this.sets = [];
    this.set = null;
    this.runs = [];
    this.run = null;
    this.etaMs = null;
    this.draft = [];
    this.pickPhoto = null;
    this.pickGarment = null;
    this.lastCompare = null;
    this.error = null;
    this.form.baseCheckpointId = null;
    this.loaded = false;
  }

  apply(e: TrainingEvent): void {
    if (e.type === 'status') {
      const i = this.runs.findIndex((r) => r.id === e.run.id);
      this.runs = i < 0 ? [e.run, ...this.runs] : this.runs.map((r) => (r.id === e.run.id ? e.run : r));
      this.queuePaused = e.queuePaused;
      if (this.run?.id === e.run.id) {
        this.run = { ...this.run, ...e.run };
        // The time left is the open run's: another run being queued or finishing leaves it.
        if (e.run.status !== 'running') this.etaMs = null;
      }
      return;
    }
    if (this.run?.id !== e.runId) return;
    if (e.type === 'step') {
      const metrics = this.run.metrics.filter((m) => m.step < e.metric.step);
      this.run = { ...this.run, status: 'running', step: e.metric.step, metrics: [...metrics, e.metric] };
      this.etaMs = e.etaMs;
      this.runs = this.runs.map((r) => (r.id === e.runId ? { ...r, step: e.metric.step } : r));
    } else {
      this.run = { ...this.run, samples: [...this.run.samples.filter((s) => s.step !== e.sample.step), e.sample] };
    }
  }

  async openSet(id: number): Promise<void> {
    await this.#try('open the training set', async () => { this.set = await this.#api.call('training:setDetail', { id }); });
  }

  async openRun(id: number): Promise<void> {
    await this.#try('open the run', async () => {
      const run = await this.#api.call('training:run', { id });
      if (run.id !== this.run?.id) this.etaMs = null; // the time left belongs to the open run
      this.run = run;
    });
  }

  // ---- set builder ----

  addPair(): void {
    const photo = this.pickPhoto, garment = this.garments.find((g) => g.id === this.pickGarment);
    if (photo === null || !garment) return;
    if (this.draft.some((p) => p.modelPhotoId === photo && p.garmentId === garment.id)) return;
    this.draft = [...this.draft, { modelPhotoId: photo, garmentId: garment.id, category: garment.category }];
    this.pickPhoto = null;
    this.pickGarment = null;
  }

  removePair(index: number): void {
    this.draft = this.draft.filter((_, i) => i !== index);
  }

  /** Inputs a draft pair's photo lacks (mask for the category; any DensePose). */
  missingOf(p: DraftPair): string[] {
    const photo = this.photos.find((m) => m.id === p.modelPhotoId);
    if (!photo) return ['photo'];
    return [...(photo.masks[p.category] ? [] : ['mask']), ...(photo.denseposeFormats.length ? [] : ['DensePose'])];
  }

  async createSet(): Promise<boolean> {
    return this.#try('create the training set', async () => {
      const set = await this.#api.call('training:createSet', {
        name: this.draftName.trim(), holdoutFraction: this.holdoutPercent / 100,
        pairs: this.draft.map(({ modelPhotoId, garmentId, category }) => ({ modelPhotoId, garmentId, category })),
      });
      this.set = set;
      this.sets = [set, ...this.sets.filter((s) => s.id !== set.id)];
      this.draft = [];
      this.draftName = '';
    });
  }

  // ---- runs ----

  async start(): Promise<boolean> {
    const set = this.set;
    if (!set) return false;
    return this.#try('start the run', async () => {
      const run = await this.#api.call('training:start', startRequest(set.id, this.form));
      // Pushed events may have overtaken the answer: keep what they said, and read the run as it stands now.
      if (!this.runs.some((r) => r.id === run.id)) this.runs = [run, ...this.runs];
      this.run = await this.#api.call('training:run', { id: run.id });
    });
  }

  async stop(id: number): Promise<boolean> {
    return this.#try('stop the run', async () => { await this.#api.call('training:stop', { id }); });
  }

  async resume(id: number): Promise<boolean> {
    return this.#try('resume the run', async () => { await this.#api.call('training:resume', { id }); });
  }

  /** The same cells for the finetuned checkpoint and its base: the held-out pairs' garments × photos. */
  async compare(checkpointId: number, seeds: number[], steps: number): Promise<boolean> {
    const set = this.set?.id === this.run?.setId ? this.set : this.run ? await this.#api.call('training:setDetail', { id: this.run.setId }).catch(() => null) : null;
    if (!set) return false;
    const held = set.items.filter((p) => p.split === 'heldout');
    const pairs = held.length ? held : set.items.slice(0, 1);
    return this.#try('queue the comparison', async () => {
      this.lastCompare = await this.#api.call('training:compare', {
        checkpointId, garmentIds: unique(pairs.map((p) => p.garmentId)), modelPhotoIds: unique(pairs.map((p) => p.modelPhotoId)),
        seeds, settings: [{ steps }],
      });
    });
  }

  async #try(action: string, f: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    try {
      await f();
      this.error = null;
      return true;
    } catch (err) {
      this.error = readableError(err, action);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
