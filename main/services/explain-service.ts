// Explain: for a result, where each generated pixel looked in the garment. explain:run re-runs the result's
// sampling from its reproducibility record (the record's input hashes are the project's blobs, its settings
// carry the seed) on the engine worker with explain recording on for one layer and step, and stores what
// comes back (store/explanations.ts), so opening it again is instant; explain:inspect answers a click from the
// stored Q_gen/K_ref in plain JS (one attention row: N·heads·d multiply-adds), without the engine.
//
// It shares the engine with the queue one tensor job at a time (engine-host/tensor-jobs.ts).
import { join } from 'node:path';
import type {
  EventName, EventSpec, ExplainHeatmap, ExplainLayers, ExplainRunResponse, Explanation as ExplanationView, RequestOf,
} from '../../preload/contract.ts';
import { NotFoundError, UnavailableError, ValidationError } from '../api/errors.ts';
import type { ExplainLayersResult, ParamsOf } from '../engine-host/protocol.ts';
import { attentionRow, defaultExplainLayer } from '../../models/pipelines/explain-attention.ts';
import type { Explanation, ExplanationData } from '../store/explanations.ts';
import type { Project } from '../store/index.ts';
import type { ResultWithRecord } from '../store/types.ts';
import type { EngineLike } from './queue-service.ts';
import type { ProjectService } from './project-service.ts';

export type Emit = <E extends EventName>(event: E, payload: EventSpec[E]) => void;

export interface ExplainServiceOptions {
  projects: ProjectService;
  /** The engine shared with the queue, through serializeTensorJobs (engine-host/tensor-jobs.ts). */
  engine: EngineLike;
  emit: Emit;
  log?: (message: string) => void;
}

/** The part of a result's record that explain reads: the engine's own record (models/pipelines/record.ts), under `engine`. */
interface RecordShape {
  engine?: { generator?: GeneratorRecord };
  generator?: GeneratorRecord;
}

interface GeneratorRecord {
  task?: 'tryon' | 'pose';
  inputs?: Record<string, { sha256?: string }>;
  weights?: { arch?: string };
  settings?: Record<string, unknown> & { steps?: number; width?: number; height?: number };
}

const runKey = (resultId: number, layer: string, step: number) => JSON.stringify([resultId, layer, step]);

export class ExplainService {
  readonly #projects: ProjectService;
  readonly #engine: EngineLike;
  readonly #emit: Emit;
  readonly #log: (message: string) => void;
  /** Runs in flight, by (result, layer, step): a second explain:run for one joins it. */
  readonly #running = new Map<string, { promise: Promise<ExplanationView>; abort: AbortController }>();
  /** The last data blob read for inspect (a click after a click reads nothing). */
  #data: { hash: string; data: ExplanationData } | null = null;
  /** Layer lists by result, for results not explained yet (from the engine; configs only). */
  readonly #layers = new Map<number, ExplainLayersResult>();

  constructor(opts: ExplainServiceOptions) {
    this.#projects = opts.projects;
    this.#engine = opts.engine;
    this.#emit = opts.emit;
    this.#log = opts.log ?? ((m) => console.error(m));
    opts.projects.onClosing(() => this.#cancelAll());
  }

  /** The result's layers, steps and defaults, and which (layer, step) pairs are stored. */
  async layers(resultId: number): Promise<ExplainLayers> {
    const project = this.#projects.require();
    const result = this.#result(project, resultId, 'resultId');
    const stored = project.explanations.list(resultId);
    const steps = this.#steps(result);
    let list: ExplainLayersResult;
    const known = stored.at(-1);
    if (known) {
      list = { layers: known.layers, defaultLayer: this.#layers.get(resultId)?.defaultLayer ?? defaultExplainLayer(known.layers) };
    } else {
      list = this.#layers.get(resultId) ?? await this.#engine.request('explainLayers', this.#layersParams(project, result));
      this.#layers.set(resultId, list);
    }
    return {
      resultId, layers: list.layers, defaultLayer: list.defaultLayer, steps, defaultStep: steps - 1,
      explained: stored.map((e) => ({ layer: e.layer, step: e.step })),
    };
  }

  /** explain:run: a stored explanation at once, else a run started in the background (progress events). */
  async start(req: RequestOf<'explain:run'>): Promise<ExplainRunResponse> {
    const project = this.#projects.require();
    const result = this.#result(project, req.resultId, 'resultId');
    const { layer, step } = await this.#resolve(result, req.layer, req.step);
    const stored = project.explanations.get(result.id, layer, step);
    if (stored && !req.force) return { status: 'done', explanation: this.#view(stored) };
    const run = this.run({ resultId: result.id, layer, step, force: req.force ?? false });
    run.catch(() => undefined); // reported through explain:progress
    return { status: 'started', resultId: result.id, layer, step };
  }

  /** Runs (or joins) the explanation of (result, layer, step) and resolves when it is stored. */
  async run(req: { resultId: number; layer?: string; step?: number; force?: boolean }): Promise<ExplanationView> {
    const project = this.#projects.require();
    const result = this.#result(project, req.resultId, 'resultId');
    const { layer, step } = await this.#resolve(result, req.layer, req.step);
    const stored = project.explanations.get(result.id, layer, step);
    if (stored && !req.force) return this.#view(stored);
    const key = runKey(result.id, layer, step);
    const joined = this.#running.get(key);
    if (joined) return joined.promise;
    const abort = new AbortController();
    const promise = this.#runNow(project, result, layer, step, abort.signal).finally(() => this.#running.delete(key));
    this.#running.set(key, { promise, abort });
    return promise;
  }

  get(req: RequestOf<'explain:get'>): ExplanationView {
    const project = this.#projects.require();
    this.#result(project, req.resultId, 'resultId');
    const e = project.explanations.get(req.resultId, req.layer, req.step);
    if (!e) throw new NotFoundError(`result ${req.resultId} has no explanation for layer ${req.layer} at step ${req.step}; run explain:run first`);
    return this.#view(e);
  }

  /** Click-to-inspect: attention row of the token under canvas pixel (x, y), from the stored Q/K. */
  async inspect(req: RequestOf<'explain:inspect'>): Promise<ExplainHeatmap> {
    const e = project(this.#projects).explanations.get(req.resultId, req.layer, req.step);
    if (!e) throw new NotFoundError(`result ${req.resultId} has no explanation for layer ${req.layer} at step ${req.step}; run explain:run first`);
    if (req.x >= e.width || req.y >= e.height) {
      throw new ValidationError(`payload.x/y: (${req.x}, ${req.y}) is outside the result's canvas; expected 0 ≤ x < ${e.width} and 0 ≤ y < ${e.height}`);
    }
    if (this.#data?.hash !== e.dataHash) this.#data = { hash: e.dataHash, data: await project(this.#projects).explanations.readData(e) };
    const { data } = this.#data;
    const col = Math.min(e.tokenW - 1, Math.floor((req.x * e.tokenW) / e.width));
    const row = Math.min(e.tokenH - 1, Math.floor((req.y * e.tokenH) / e.height));
    const token = row * e.tokenW + col;
    const weights = attentionRow(data.query, data.key, e.tokenH * e.tokenW, e.heads, token, e.temperature);
    let max = 0;
    for (const v of weights) if (v > max) max = v;
    // flow (x, y) in [-1, 1] (align_corners=False when upsampled) -> canvas pixels
    const fx = data.flow[2 * token]!, fy = data.flow[2 * token + 1]!;
    return {
      resultId: req.resultId, layer: req.layer, step: req.step, x: req.x, y: req.y, token: { row, col },
      h: e.tokenH, w: e.tokenW, weights: Array.from(weights), max,
      flowTarget: { x: ((fx + 1) * e.width) / 2, y: ((fy + 1) * e.height) / 2 },
    };
  }

  /** Cancels runs in flight (project closing). */
  #cancelAll(): void {
    for (const r of this.#running.values()) r.abort.abort(new Error('the project was closed'));
    this.#layers.clear();
    this.#data = null;
  }

  // ---- internals --------------------------------------------------------------------------------

  #result(project: Project, id: number, argument: string): ResultWithRecord {
    const r = project.results.get(id);
    if (!r) throw new NotFoundError(`payload.${argument}: ${id} is not a result of this project; expected the id of an existing result`);
    return r;
  }

  #record(result: ResultWithRecord): Required<GeneratorRecord> {
    const rec = result.record as RecordShape;
    const g = rec.engine?.generator ?? rec.generator;
    if (!g?.task || !g.inputs || !g.settings || !g.weights) {
      throw new UnavailableError(`result ${result.id} has no reproducibility record of the engine (engine.generator: task, inputs, settings, weights), so it cannot be re-sampled`);
    }
    return g as Required<GeneratorRecord>;
  }

  #steps(result: ResultWithRecord): number {
    const steps = this.#record(result).settings.steps;
    if (typeof steps !== 'number' || !(steps >= 1)) throw new UnavailableError(`result ${result.id}: its record has no step count`);
    return steps;
  }

  #checkpoint(project: Project, result: ResultWithRecord) {
    const c = project.checkpoints.get(result.checkpointId);
    if (!c) throw new NotFoundError(`result ${result.id}: its checkpoint ${result.checkpointId} is no longer in the project`);
    if (c.kind === 'LoRA') throw new UnavailableError(`result ${result.id} was made with the LoRA adapter ${c.name}; explaining LoRA results is not supported yet`);
    if (!project.files.exists(c.blobHash)) throw new UnavailableError(`result ${result.id}: the weights of checkpoint ${c.name} are missing from the project's files`);
    return { path: project.blobPath(c.blobHash), ...(c.baseConfig ? { base: join(project.dir, c.baseConfig) } : {}) };
  }

  #layersParams(project: Project, result: ResultWithRecord): ParamsOf<'explainLayers'> {
    const g = this.#record(result);
    const { width, height } = g.settings;
    if (typeof width !== 'number' || typeof height !== 'number') throw new UnavailableError(`result ${result.id}: its record has no canvas size`);
    return { checkpoint: this.#checkpoint(project, result), arch: g.weights.arch ?? 'sd15', width, height };
  }

  async #resolve(result: ResultWithRecord, layer: string | undefined, step: number | undefined): Promise<{ layer: string; step: number }> {
    const steps = this.#steps(result);
    const s = step ?? steps - 1;
    if (s >= steps) throw new ValidationError(`payload.step: ${s} is past the result's last step; expected an integer in [0, ${steps - 1}]`);
    const info = await this.layers(result.id);
    const l = layer ?? info.defaultLayer;
    if (!info.layers.some((x) => x.name === l)) {
      throw new ValidationError(`payload.layer: ${JSON.stringify(l)} is not an attention layer of this result's model; expected one of ${info.layers.map((x) => x.name).join(', ')}`);
    }
    return { layer: l, step: s };
  }

  async #runNow(project: Project, result: ResultWithRecord, layer: string, step: number, signal: AbortSignal): Promise<ExplanationView> {
    const g = this.#record(result);
    const steps = this.#steps(result);
    const progress = (state: EventSpec['explain:progress']['state'], done: number, etaMs: number | null, error?: string) =>
      this.#emit('explain:progress', { resultId: result.id, layer, step, state, done, steps, etaMs, ...(error !== undefined && { error }) });
    try {
      const inputs: Record<string, string> = {};
      for (const [k, ref] of Object.entries(g.inputs)) {
        if (!ref.sha256 || !project.files.exists(ref.sha256)) throw new UnavailableError(`result ${result.id}: its input ${k} (${ref.sha256 ?? 'no hash'}) is no longer in the project's files`);
        inputs[k] = project.blobPath(ref.sha256);
      }
      progress('queued', 0, null);
      const t0 = performance.now();
      const r = await this.#engine.request('explain', {
        task: g.task, checkpoint: this.#checkpoint(project, result), inputs, settings: g.settings as ParamsOf<'explain'>['settings'], layer, step,
      }, {
        signal,
        onEvent: (e) => {
          if (e.type === 'progress') progress('running', e.step + 1, e.etaMs);
        },
      });
      if (this.#projects.project !== project) throw new UnavailableError('the project was closed while the explanation ran');
      const saved = await project.explanations.save({
        resultId: result.id, layer: r.layer, step: r.step, steps: r.steps, timestep: r.timestep, temperature: r.temperature,
        h: r.h, w: r.w, heads: r.heads, headDim: r.headDim, width: r.width, height: r.height, layers: r.layers, backend: r.backend,
        runMs: performance.now() - t0,
        pngs: { flow: r.flowPng, warped: r.warpedPng, result: r.resultPng, garment: r.garmentPng, legend: r.legendPng },
        data: { flow: r.flow, query: r.query, key: r.key },
      });
      progress('done', steps, 0);
      return this.#view(saved);
    } catch (err) {
      this.#log(`[explain] result ${result.id} ${layer} step ${step} failed: ${(err as Error).message}`);
      progress('failed', 0, null, (err as Error).message);
      throw err;
    }
  }

  #view(e: Explanation): ExplanationView {
    return {
      resultId: e.resultId, layer: e.layer, step: e.step, steps: e.steps, timestep: e.timestep, temperature: e.temperature,
      tokenH: e.tokenH, tokenW: e.tokenW, heads: e.heads, width: e.width, height: e.height,
      flowImageHash: e.flowImageHash, warpedHash: e.warpedHash, resultHash: e.resultHash, garmentHash: e.garmentHash,
      legendHash: e.legendHash, backend: e.backend, runMs: e.runMs, createdAt: e.createdAt,
    };
  }
}

function project(projects: ProjectService): Project {
  return projects.require();
}
