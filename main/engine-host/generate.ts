// The worker's `generate` method: one try-on or pose cell through the real pipeline, with throttled
// progress and latent-preview events, cancellation through the request's AbortSignal, and the result
// returned as PNG bytes carrying its reproducibility record.
import * as tf from '../../models/tf.ts';
import { encodePng, latentPreview } from '../../models/image/index.ts';
import { makeRecord } from '../../models/pipelines/record.ts';
import { withProvenance } from '../../models/provenance/embed.ts';
import { engineProvenance } from '../../models/provenance/info.ts';
import { poseTransfer, tryOn } from '../../models/pipelines/tryon.ts';
import type { StepInfo } from '../../models/pipelines/leffa-pipeline.ts';
import type { MethodContext } from './methods.ts';
import { tryOnQuality } from './quality.ts';
import { checkpointKey, type ModelCache } from './model-cache.ts';
import { openLeffaWithLora } from '../../models/train/lora.ts';
import { cachedSha256File } from '../../models/io/file-hash.ts';
import { basename } from 'node:path';
import type { OpenedLeffa } from '../../models/leffa/open.ts';
import type { CheckpointRef, GenerateParams, GenerateResult } from './protocol.ts';

// A LoRA checkpoint (ref.lora): base weights + adapter merged at load. One model is held at a time: the
// plain cache is emptied before one is merged, and the merged one is freed when a plain one is asked for.
let loraHeld: { key: string; model: OpenedLeffa } | null = null;

/** Frees the merged LoRA model, if one is held (before training, or a plain checkpoint). */
export function unloadLora(): number {
  if (!loraHeld) return 0;
  loraHeld.model.dispose();
  loraHeld = null;
  return 1;
}

function modelFor(cache: ModelCache, ref: CheckpointRef): OpenedLeffa {
  if (!ref.lora) { unloadLora(); return cache.get(ref).model; }
  const key = JSON.stringify([checkpointKey(ref), ref.lora]);
  if (loraHeld?.key === key) return loraHeld.model;
  cache.unload();
  unloadLora();
  loraHeld = { key, model: openLeffaWithLora(ref.path, ref.lora, { base: ref.base, placement: ref.placement, precision: ref.precision }) };
  return loraHeld.model;
}

const REQUIRED = { tryon: ['person', 'garment', 'mask', 'densepose'], pose: ['reference', 'target', 'densepose'] } as const;

export async function generate(cache: ModelCache, p: GenerateParams, ctx: MethodContext): Promise<GenerateResult> {
  const missing = REQUIRED[p.task]?.filter((k) => typeof p.inputs?.[k] !== 'string');
  if (!missing) throw new Error(`generate: task = ${JSON.stringify(p.task)}; expected "tryon" or "pose"`);
  if (missing.length) throw new Error(`generate: inputs.${missing.join(', inputs.')} missing; ${p.task} needs ${REQUIRED[p.task].join(', ')}`);
  const model = modelFor(cache, p.checkpoint);
  const every = p.previewEveryMs ?? 500;
  let lastPreview = -Infinity;
  const onStep = (i: StepInfo) => {
    ctx.emit({ type: 'progress', step: i.step, steps: i.steps, stepMs: i.stepMs, etaMs: i.etaMs });
    const now = performance.now();
    if (every > 0 && now - lastPreview >= every) {
      lastPreview = now;
      const first = i.latent.slice([0, 0, 0, 0], [1, -1, -1, -1]); // [1,h,w,4]: the first image of the batch
      const img = latentPreview(first);
      first.dispose();
      ctx.emit({ type: 'preview', step: i.step, width: img.width, height: img.height, rgb: img.data });
    }
  };
  const i = p.inputs;
  const res = p.task === 'tryon'
    ? await tryOn(model, { person: i.person!, garment: i.garment!, mask: i.mask!, densepose: i.densepose!, settings: p.settings, signal: ctx.signal, onStep })
    : await poseTransfer(model, { reference: i.reference!, target: i.target!, densepose: i.densepose!, settings: p.settings, signal: ctx.signal, onStep });
  const record = await makeRecord(p.task, i, model.weightsPath, model.model.arch, model.baseFolder, res.settings);
  // A LoRA result names its adapter too (the weights above are the base it was merged into).
  if (p.checkpoint.lora) Object.assign(record, { lora: { name: basename(p.checkpoint.lora), sha256: await cachedSha256File(p.checkpoint.lora) } });
  const encoded = await encodePng(res.photo.data, res.photo.width, res.photo.height, { text: { 'leffa-studio': JSON.stringify(record) } });
  // Marked as AI-generated (XMP) before it leaves the worker, with the checkpoint's name and licence as the project
  // records them (else the file's name, and the licence from a Hub model card or 'unknown').
  const png = withProvenance(encoded, 'png', engineProvenance(p.task, model.weightsPath, {
    pastedBack: p.task === 'tryon' && res.settings.repaint === true,
    ...(p.provenance && { name: p.provenance.checkpointName, licence: p.provenance.licence }),
  }));
  // The quality checks travel with the record (not in the PNG: they do not decide the image); the queue stores them.
  if (p.task === 'tryon') Object.assign(record, { quality: await tryOnQuality({ person: i.person!, garment: i.garment!, mask: i.mask! }, res.photo) });
  return { png: new Uint8Array(png), width: res.photo.width, height: res.photo.height, record, timings: res.timings, backend: tf.getBackend() };
}
