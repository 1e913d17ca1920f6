// The Explain view of one result: re-runs its sampling exactly as tryOn/poseTransfer did (same canvas fit,
// same seeded noise, same settings: the record's), with explain recording on for one layer and one step,
// and returns what the view shows:
//   - the low-res flow of that layer/step (explain.ts: attention flow as the Leffa loss computes it),
//   - the flow as a colour-wheel image (image/flow_colour.ts),
//   - the canvas garment warped by the upsampled flow (explain.ts warpByFlow = gridSample(garment, flow↑)),
//   - the canvas result and garment (the frame the flow lives in), and
//   - for click-to-inspect, Q_gen and K_ref of that layer (conditional branch, every head, [N, heads·d]):
//     any row of the head-mean attention over the reference tokens is then ~N·heads·d flops, computed on
//     demand (attentionRow), instead of storing the N×N map.
// Explain recording is in leffaSample (explain.ts's hook); Q/K are captured by wrapping the model's
// predictNoise so that it also sees the same onQueryKey call (the pipeline itself is unchanged).
import * as tf from '../tf.ts';
import {
  batchItem, computePlacement, fitToCanvas, loadImage, repaint, rgbToGrey,
  tensorToImageUint8, type GreyImage, type RgbImage,
} from '../image/index.ts';
import { flowToColourImage } from '../image/flow_colour.ts';
import type { LoadedLeffa } from '../leffa/loaded.ts';
import type { LeffaModel } from '../leffa/model.ts';
import { warpByFlow, type ExplainFlow } from './explain.ts';
import { fitLabelImage } from './fit-inputs.ts';
import { leffaSample, type StepInfo } from './leffa-pipeline.ts';
import { EXPLAIN_TEMPERATURE, type ExplainLayerInfo } from './explain-attention.ts';

export { defaultExplainLayer, type ExplainLayerInfo } from './explain-attention.ts';
import { canvasTensors, makeScheduler, resolveSettings, samplingOptions, type GenerationSettings, type ImageInput } from './tryon.ts';



/** The UNet level (0 = full latent resolution) of a generative-UNet attention layer, from its name. */
export function layerLevel(name: string, levels: number): number {
  const m = /^(down|up)_blocks\.(\d+)\./.exec(name);
  if (m) return m[1] === 'down' ? Number(m[2]) : levels - 1 - Number(m[2]);
  if (name.startsWith('mid_block.')) return levels - 1;
  throw new Error(`explain: ${name} is not an attention layer of the generative UNet`);
}

/** Every self-attention layer of the generative UNet with its token map at a width × height canvas. */
export function explainLayers(model: LeffaModel, width: number, height: number): ExplainLayerInfo[] {
  const levels = model.unet.downBlocks.length;
  return model.unet.attentionLayers().map((name) => {
    const f = model.vae.scaleFactor * 2 ** layerLevel(name, levels);
    return { name, h: Math.ceil(height / f), w: Math.ceil(width / f) };
  });
}

export interface ExplainRunRequest {
  task: 'tryon' | 'pose';
  /** tryon: person, garment, mask, densepose; pose: reference, target, densepose (as generate). */
  inputs: Record<string, ImageInput>;
  /** The result's settings (its record): the same settings and seed give the same sampling. */
  settings: Partial<GenerationSettings>;
  layer: string;
  /** 0-based step; default the last. */
  step?: number;
  temperature?: number;
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void;
}

export interface ExplainRunResult {
  layer: string;
  step: number;
  steps: number;
  timestep: number;
  settings: GenerationSettings;
  temperature: number;
  /** Token map of the layer and its attention heads. */
  h: number;
  w: number;
  heads: number;
  headDim: number;
  /** flow_lowres [h, w, 2], (x, y) in [−1, 1] (grid_sample convention). */
  flow: Float32Array;
  /** The flow as colours, h × w (hue = direction, saturation = length; 1 = half the canvas). */
  flowImage: RgbImage;
  /** The canvas garment (reference) warped by the flow, and the canvas result and garment, canvas size. */
  warped: RgbImage;
  result: RgbImage;
  garment: RgbImage;
  /** Q_gen and K_ref of the conditional branch, each [N = h·w, heads·headDim], row-major. */
  query: Float32Array;
  key: Float32Array;
}

/** A model whose predictNoise also calls `extra` wherever the pipeline's onQueryKey hook is called. */
function observed(m: LoadedLeffa, extra: NonNullable<Parameters<LeffaModel['predictNoise']>[4]>['onQueryKey']): LoadedLeffa {
  const model = m.model;
  const predictNoise: LeffaModel['predictNoise'] = (p, input, timesteps, reference, opts = {}) => {
    const inner = opts.onQueryKey;
    const onQueryKey = inner && ((layer: string, q: tf.Tensor3D, k: tf.Tensor3D, heads: number) => { inner(layer, q, k, heads); extra!(layer, q, k, heads); });
    return model.predictNoise(p, input, timesteps, reference, { ...opts, onQueryKey });
  };
  const proxy = new Proxy(model, {
    get(target, prop) {
      if (prop === 'predictNoise') return predictNoise;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { ...m, model: proxy };
}

async function canvasInputs(req: ExplainRunRequest, settings: GenerationSettings) {
  const canvas = { width: settings.width, height: settings.height };
  const i = req.inputs;
  const need = req.task === 'tryon' ? ['person', 'garment', 'mask', 'densepose'] : ['reference', 'target', 'densepose'];
  const missing = need.filter((k) => i[k] === undefined);
  if (missing.length) throw new Error(`explain: inputs.${missing.join(', inputs.')} missing; ${req.task} needs ${need.join(', ')}`);
  const frame = await loadImage(req.task === 'tryon' ? i.person! : i.target!, { what: req.task === 'tryon' ? 'person image' : 'target pose image' });
  const refImg = await loadImage(req.task === 'tryon' ? i.garment! : i.reference!, { what: req.task === 'tryon' ? 'garment image' : 'reference person image' });
  const placement = computePlacement(frame.width, frame.height, canvas);
  const src = (await fitToCanvas(frame, canvas)).image;
  const ref = (await fitToCanvas(refImg, canvas)).image;
  let mask: GreyImage;
  if (req.task === 'tryon') {
    mask = fitLabelImage(rgbToGrey(await loadImage(i.mask!, { what: 'mask' }), 'mask'), 1, placement, 'mask');
    for (let k = 0; k < mask.data.length; k++) mask.data[k] = mask.data[k]! >= 128 ? 255 : 0; // as tryOn: binarise at 0.5
  } else {
    mask = { data: new Uint8Array(canvas.width * canvas.height).fill(255), ...canvas };
  }
  const densepose = fitLabelImage(await loadImage(i.densepose!, { what: 'DensePose image' }), 3, placement, 'DensePose image');
  return { src, ref, mask, densepose };
}

/** Re-runs a result's sampling with explain on for one layer and step; see the file comment. */
/** The canvas a result was made at: its settings' size, else the model's default (as tryOn's canvasOf). */
export function explainCanvas(m: LoadedLeffa, s: Partial<GenerationSettings>): { width: number; height: number } {
  const tiny = m.model.configs.unet.block_out_channels[0]! < 128;
  return { width: s.width ?? (tiny ? 48 : 768), height: s.height ?? (tiny ? 64 : 1024) };
}

export async function explainRun(m: LoadedLeffa, req: ExplainRunRequest): Promise<ExplainRunResult> {
  const settings = resolveSettings(req.task, req.settings, explainCanvas(m, req.settings));
  const layers = explainLayers(m.model, settings.width, settings.height);
  const info = layers.find((l) => l.name === req.layer);
  if (!info) throw new RangeError(`explain: layer = ${JSON.stringify(req.layer)}; expected one of ${layers.map((l) => l.name).join(', ')}`);
  const step = req.step ?? settings.steps - 1;
  if (!Number.isInteger(step) || step < 0 || step >= settings.steps) throw new RangeError(`explain: step = ${step}; expected an integer in [0, ${settings.steps - 1}] (the result has ${settings.steps} steps)`);
  const temperature = req.temperature ?? EXPLAIN_TEMPERATURE;
  const imgs = await canvasInputs(req, settings);

  let captured: { query: Float32Array; key: Float32Array; heads: number; inner: number } | null = null;
  const capture = (layer: string, q: tf.Tensor3D, k: tf.Tensor3D, heads: number) => {
    if (layer !== req.layer) return;
    const [rows, n, inner] = q.shape;
    // Conditional branch = the last row of the CFG batch (B = 1).
    const [qd, kd] = tf.tidy(() => [q.slice([rows - 1, 0, 0], [1, n, inner]).dataSync(), k.slice([rows - 1, 0, 0], [1, n, inner]).dataSync()]);
    captured = { query: new Float32Array(qd as Float32Array), key: new Float32Array(kd as Float32Array), heads, inner };
  };
  const inputs = canvasTensors(imgs, settings.denseposeFormat);
  try {
    const res = await leffaSample(observed(m, capture), makeScheduler(m, settings.sampler), inputs, {
      ...samplingOptions(settings),
      signal: req.signal,
      onStep: req.onStep,
      explain: { layers: [req.layer], steps: [step], temperature },
    });
    let flow: ExplainFlow;
    let generated: RgbImage;
    let warped: RgbImage;
    try {
      generated = batchItem(tensorToImageUint8(res.decoded), 0);
      const f = res.explain?.find((e) => e.layer === req.layer && e.step === step);
      if (!f || !captured) throw new Error(`explain: layer ${req.layer} was not run at step ${step}`);
      flow = f;
      const w = warpByFlow(inputs.refImage, f);
      try { warped = batchItem(tensorToImageUint8(w), 0); } finally { w.dispose(); }
    } finally {
      tf.dispose([res.latent, res.decoded]);
    }
    const c = captured as { query: Float32Array; key: Float32Array; heads: number; inner: number };
    const result = settings.repaint && req.task === 'tryon' ? repaint(imgs.src, generated, imgs.mask) : generated;
    return {
      layer: req.layer, step, steps: settings.steps, timestep: flow.timestep, settings, temperature,
      h: flow.h, w: flow.w, heads: c.heads, headDim: c.inner / c.heads,
      flow: flow.flow.slice(0, flow.h * flow.w * 2),
      flowImage: flowToColourImage(flow.flow, flow.h, flow.w),
      warped, result, garment: imgs.ref, query: c.query, key: c.key,
    };
  } finally {
    tf.dispose(Object.values(inputs));
  }
}
