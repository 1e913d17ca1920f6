// The worker's `explain` and `explainLayers` methods. `explain` re-runs a result's sampling from its record
// (same inputs, settings and seed) with explain recording on for one layer and step (models/pipelines/
// explain-run.ts) and returns the pictures as PNG bytes plus the small arrays click-to-inspect needs.
// `explainLayers` lists the generative UNet's attention layers with their token maps from the checkpoint's
// base configs alone: no weights are read and no tensors made, so it never competes with a running cell.
import * as tf from '../../models/tf.ts';
import { encodePng, type RgbImage } from '../../models/image/index.ts';
import { colourWheelLegend } from '../../models/image/flow_colour.ts';
import { baseConfigFolder } from '../../models/hub/base-configs.ts';
import { LeffaModel, readBaseFolder } from '../../models/leffa/model.ts';
import { defaultExplainLayer, explainCanvas, explainLayers, explainRun } from '../../models/pipelines/explain-run.ts';
import { unloadLora } from './generate.ts';
import type { MethodContext } from './methods.ts';
import type { ModelCache } from './model-cache.ts';
import type { ExplainLayersParams, ExplainLayersResult, ExplainParams, ExplainResult } from './protocol.ts';

const png = async (img: RgbImage): Promise<Uint8Array> => new Uint8Array(await encodePng(img.data, img.width, img.height));

export function explainLayersOf(p: ExplainLayersParams): ExplainLayersResult {
  if (p.arch !== 'sd15' && p.arch !== 'sdxl' && p.checkpoint.base === undefined) {
    throw new Error(`explainLayers: arch = ${JSON.stringify(p.arch)}; expected "sd15" or "sdxl" (or a checkpoint with its own base configs)`);
  }
  const model = new LeffaModel(readBaseFolder(p.checkpoint.base ?? baseConfigFolder(p.arch as 'sd15' | 'sdxl')));
  const layers = explainLayers(model, p.width, p.height);
  return { layers, defaultLayer: defaultExplainLayer(layers) };
}

export async function explain(cache: ModelCache, p: ExplainParams, ctx: MethodContext): Promise<ExplainResult> {
  if (p.checkpoint.lora) throw new Error('explain: checkpoint.lora is set; explaining results of LoRA adapters is not supported yet (the merged model is not shared with generate)');
  unloadLora(); // one model at a time: a merged LoRA model held for generate is freed first
  const { model } = cache.get(p.checkpoint);
  const canvas = explainCanvas(model, p.settings);
  const layers = explainLayers(model.model, canvas.width, canvas.height);
  const layer = p.layer ?? defaultExplainLayer(layers);
  const r = await explainRun(model, {
    task: p.task, inputs: p.inputs, settings: p.settings, layer, ...(p.step !== undefined && { step: p.step }), signal: ctx.signal,
    onStep: (i) => ctx.emit({ type: 'progress', step: i.step, steps: i.steps, stepMs: i.stepMs, etaMs: i.etaMs }),
  });
  return {
    layer: r.layer, step: r.step, steps: r.steps, timestep: r.timestep, temperature: r.temperature,
    h: r.h, w: r.w, heads: r.heads, headDim: r.headDim, width: r.result.width, height: r.result.height,
    layers,
    flow: r.flow, query: r.query, key: r.key,
    flowPng: await png(r.flowImage), warpedPng: await png(r.warped), resultPng: await png(r.result), garmentPng: await png(r.garment),
    legendPng: await png(colourWheelLegend(128)),
    backend: tf.getBackend(),
  };
}
