// The Explain screen: one result, an attention layer and a sampling step, and what they show: the flow as a
// colour wheel, the garment warped by it, and (click-to-inspect) the attention of one result pixel over the
// garment. A stored explanation opens at once; otherwise explain:run starts one on the engine and pushed
// `explain:progress` events report it until it is stored (then it is fetched with explain:get).
import type {
  ExplainHeatmap, ExplainLayers, ExplainProgressEvent, Explanation, ResultItem,
} from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';

export type ExplainApi = Pick<Api, 'call' | 'on'>;

export class ExplainState {
  /** The result explained now, and the results a direct visit can pick from (newest first). */
  resultId = $state<number | null>(null);
  results = $state.raw<ResultItem[]>([]);
  info = $state.raw<ExplainLayers | null>(null);
  layer = $state<string | null>(null);
  step = $state<number | null>(null);
  explanation = $state.raw<Explanation | null>(null);
  /** The run in progress for the current (result, layer, step), if any. */
  progress = $state.raw<ExplainProgressEvent | null>(null);
  inspecting = $state(false);
  heat = $state.raw<ExplainHeatmap | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  readonly #api: ExplainApi;
  /** Guards against answers to an earlier selection arriving after a later one. */
  #ticket = 0;

  constructor(api: ExplainApi) {
    this.#api = api;
  }

  connect(): () => void {
    return this.#api.on('explain:progress', (e) => this.apply(e));
  }

  /** True while a run for the current selection has not ended. */
  get running(): boolean {
    return this.progress !== null && (this.progress.state === 'queued' || this.progress.state === 'running');
  }

  async loadResults(): Promise<void> {
    try {
      this.results = (await this.#api.call('results:list', { limit: 100 })).items;
    } catch (err) {
      this.error = readableError(err);
    }
  }

  /** Shows a result: its layers and steps, with the stored explanation of the default (layer, step) if any. */
  async open(resultId: number): Promise<void> {
    const ticket = ++this.#ticket;
    this.resultId = resultId;
    this.info = null;
    this.explanation = null;
    this.progress = null;
    this.heat = null;
    this.error = null;
    this.loading = true;
    try {
      const info = await this.#api.call('explain:layers', { resultId });
      if (ticket !== this.#ticket) return;
      this.info = info;
      this.layer = info.defaultLayer;
      this.step = info.defaultStep;
      await this.#loadStored(ticket);
    } catch (err) {
      if (ticket === this.#ticket) this.error = readableError(err);
    } finally {
      if (ticket === this.#ticket) this.loading = false;
    }
  }

  async select(layer: string, step: number): Promise<void> {
    if (this.resultId === null) return;
    const ticket = ++this.#ticket;
    this.layer = layer;
    this.step = step;
    this.explanation = null;
    this.progress = null;
    this.heat = null;
    this.error = null;
    try {
      await this.#loadStored(ticket);
    } catch (err) {
      if (ticket === this.#ticket) this.error = readableError(err);
    }
  }

  /** Explains the current selection (re-samples the result on the engine unless it is stored). */
  async run(force = false): Promise<void> {
    const { resultId, layer, step } = this;
    if (resultId === null || layer === null || step === null) return;
    const ticket = this.#ticket;
    this.error = null;
    this.progress = null;
    try {
      const r = await this.#api.call('explain:run', { resultId, layer, step, ...(force && { force }) });
      if (ticket !== this.#ticket) return;
      if (r.status === 'done') this.#show(r.explanation);
      // Events of this run may have arrived before the answer: they are newer than "queued".
      else if (this.progress === null) this.progress = { resultId, layer, step, state: 'queued', done: 0, steps: this.info?.steps ?? 0, etaMs: null };
    } catch (err) {
      if (ticket === this.#ticket) this.error = readableError(err);
    }
  }

  /** A pushed progress event: kept when it is about the current selection; 'done' fetches the explanation. */
  apply(e: ExplainProgressEvent): void {
    if (e.resultId !== this.resultId || e.layer !== this.layer || e.step !== this.step) return;
    this.progress = e;
    if (e.state === 'failed') this.error = e.error ?? 'The explanation failed.';
    if (e.state === 'done') {
      const ticket = this.#ticket;
      void this.#api.call('explain:get', { resultId: e.resultId, layer: e.layer, step: e.step }).then(
        (x) => { if (ticket === this.#ticket) this.#show(x); },
        (err: unknown) => { if (ticket === this.#ticket) this.error = readableError(err); },
      );
    }
  }

  toggleInspect(on = !this.inspecting): void {
    this.inspecting = on;
    if (!on) this.heat = null;
  }

  /** Click-to-inspect at canvas pixel (x, y) of the result. */
  async inspect(x: number, y: number): Promise<void> {
    const e = this.explanation;
    if (!e) return;
    const ticket = this.#ticket;
    try {
      const heat = await this.#api.call('explain:inspect', { resultId: e.resultId, layer: e.layer, step: e.step, x, y });
      if (ticket === this.#ticket) this.heat = heat;
    } catch (err) {
      if (ticket === this.#ticket) this.error = readableError(err);
    }
  }

  /** The project changed: nothing of the old one stays. */
  clear(): void {
    this.#ticket++;
    this.resultId = null;
    this.results = [];
    this.info = null;
    this.explanation = null;
    this.progress = null;
    this.heat = null;
    this.inspecting = false;
    this.loading = false; // an open() cut short by this clear drops its answer and would leave it set
    this.error = null;
  }

  async #loadStored(ticket: number): Promise<void> {
    const { resultId, layer, step, info } = this;
    if (resultId === null || layer === null || step === null || !info) return;
    if (!info.explained.some((x) => x.layer === layer && x.step === step)) return;
    const e = await this.#api.call('explain:get', { resultId, layer, step });
    if (ticket === this.#ticket) this.#show(e);
  }

  #show(e: Explanation): void {
    this.explanation = e;
    this.heat = null;
    if (this.info && !this.info.explained.some((x) => x.layer === e.layer && x.step === e.step)) {
      this.info = { ...this.info, explained: [...this.info.explained, { layer: e.layer, step: e.step }] };
    }
  }
}
