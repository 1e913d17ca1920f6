// The New batch form: garments × model photos × seeds, the checkpoint and sampling settings, and the
// live plan: how many cells, how many skipped because they exist or are queued, what inputs are
// missing, and how long it should take. The plan comes from `batches:preview` (the host does the same
// dedup enqueue would), asked again shortly after each change; stale answers are dropped.
import type { BatchEnqueued, BatchPlan, BatchSpecInput } from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { cellCount, estimateMs, parseSeedList, seedsFromCount, type SeedMode } from '../batch-plan.ts';
import { readableError } from '../errors.ts';
import { setOf, toggled } from '../immutable.ts';

export type BatchApi = Pick<Api, 'call'>;

export interface BatchSettings {
  name: string;
  checkpointId: number | null;
  steps: number;
  guidanceScale: number;
  refAcceleration: boolean;
  repaint: boolean;
  seedMode: SeedMode;
  seedCount: number;
  firstSeed: number;
  seedList: string;
}

export function defaultSettings(): BatchSettings {
  return {
    name: '', checkpointId: null, steps: 30, guidanceScale: 2.5, refAcceleration: false, repaint: false,
    seedMode: 'count', seedCount: 1, firstSeed: 1, seedList: '1, 2, 3',
  };
}

export class BatchBuilderState {
  garmentIds = $state.raw<ReadonlySet<number>>(setOf());
  modelPhotoIds = $state.raw<ReadonlySet<number>>(setOf());
  settings = $state<BatchSettings>(defaultSettings());
  plan = $state.raw<BatchPlan | null>(null);
  planning = $state(false);
  planError = $state<string | null>(null);
  enqueuing = $state(false);
  error = $state<string | null>(null);
  /** Measured time per step from the queue, for the estimate when the host has none. */
  msPerStep = $state<number | null>(null);

  readonly seeds = $derived(this.settings.seedMode === 'count' ? seedsFromCount(this.settings.seedCount, this.settings.firstSeed) : parseSeedList(this.settings.seedList));

  readonly cells = $derived(cellCount(this.garmentIds.size, this.modelPhotoIds.size, this.seeds.ok ? this.seeds.seeds.length : 0));

  /** What must change before the batch can be queued, or null. */
  readonly problem = $derived.by(() => {
    if (this.garmentIds.size === 0) return 'Pick at least one garment.';
    if (this.modelPhotoIds.size === 0) return 'Pick at least one model photo.';
    if (!this.seeds.ok) return this.seeds.error;
    const s = this.settings;
    if (!Number.isInteger(s.steps) || s.steps < 1 || s.steps > 1000) return 'Steps must be a whole number from 1 to 1000.';
    if (!Number.isFinite(s.guidanceScale) || s.guidanceScale < 0 || s.guidanceScale > 50) return 'Guidance must be between 0 and 50.';
    return null;
  });

  /** The estimate for the cells that would run: the host's, else cells × steps × the queue's step time. */
  readonly estimate = $derived(
    this.plan?.estimateMs ?? estimateMs(this.plan?.created ?? this.cells, this.settings.steps, this.msPerStep),
  );

  readonly #api: BatchApi;
  readonly #debounceMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #generation = 0;

  constructor(api: BatchApi, debounceMs = 250) {
    this.#api = api;
    this.#debounceMs = debounceMs;
  }

  /** The request for preview and enqueue, or null while the form has a problem. */
  spec(): BatchSpecInput | null {
    if (this.problem || !this.seeds.ok) return null;
    const s = this.settings;
    return {
      ...(s.name.trim() ? { name: s.name.trim() } : {}),
      ...(s.checkpointId !== null ? { checkpointId: s.checkpointId } : {}),
      garmentIds: [...this.garmentIds],
      modelPhotoIds: [...this.modelPhotoIds],
      seeds: this.seeds.seeds,
      settings: [{ steps: s.steps, guidanceScale: s.guidanceScale, refAcceleration: s.refAcceleration, repaint: s.repaint }],
    };
  }

  setGarments(ids: Iterable<number>): void {
    this.garmentIds = setOf(ids);
    this.changed();
  }

  setModelPhotos(ids: Iterable<number>): void {
    this.modelPhotoIds = setOf(ids);
    this.changed();
  }

  toggleModelPhoto(id: number): void {
    this.setModelPhotos(toggled(this.modelPhotoIds, id));
  }

  /** Call after any change to the form: asks for a new plan after a short pause. */
  changed(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#generation++;
    if (!this.spec()) {
      this.plan = null;
      this.planning = false;
      return;
    }
    this.planning = true;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.refreshPlan();
    }, this.#debounceMs);
  }

  async refreshPlan(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const spec = this.spec();
    const generation = ++this.#generation;
    if (!spec) return;
    this.planning = true;
    try {
      const plan = await this.#api.call('batches:preview', spec);
      if (generation !== this.#generation) return;
      this.plan = plan;
      this.planError = null;
    } catch (err) {
      if (generation !== this.#generation) return;
      this.plan = null;
      this.planError = readableError(err);
    } finally {
      if (generation === this.#generation) this.planning = false;
    }
  }

  /** Queues the batch; returns what was queued, or null. */
  async enqueue(): Promise<BatchEnqueued | null> {
    const spec = this.spec();
    if (!spec) {
      this.error = this.problem;
      return null;
    }
    this.enqueuing = true;
    this.error = null;
    try {
      const queued = await this.#api.call('batches:enqueue', spec);
      // The same form again would now skip every cell: show that.
      this.plan = { ...queued, created: 0, skippedPending: queued.skippedPending + queued.created };
      void this.refreshPlan();
      return queued;
    } catch (err) {
      this.error = readableError(err, 'queue the batch');
      return null;
    } finally {
      this.enqueuing = false;
    }
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
  }
}
