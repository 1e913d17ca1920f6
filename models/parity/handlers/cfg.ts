// Parity handler for the `cfg` record (fixtures README §4.5): plain classifier-free guidance and the
// Leffa pipeline's rescale with φ = guidance scale. Pure maths; elementwise plus per-sample std, so
// the stored NCHW layout is used as is.
import * as tf from '../../tf.ts';
import { applyGuidance } from '../../pipelines/guidance.ts';
import type { ParityContext, ProducedTensor, RecordHandler } from '../types.ts';

function input(ctx: ParityContext, name: string): tf.Tensor {
  return tf.tensor(ctx.float(name), ctx.manifest.tensors[name]?.shape ?? ctx.tensor(name).shape, 'float32');
}

function produced(t: tf.Tensor): ProducedTensor {
  try {
    return { shape: t.shape.slice(), data: t.dataSync() as Float32Array };
  } finally {
    t.dispose();
  }
}

/** Output name → rescale mode that produces it. */
const OUTPUTS: Record<string, 'off' | 'reference'> = {
  'cfg/guided': 'off',
  'cfg/rescaled': 'reference',
};

export const cfgHandler: RecordHandler = {
  ids: ['cfg'],
  needsModel: false,
  async run(record, ctx) {
    const scale = Number(record.params?.guidance_scale);
    if (!Number.isFinite(scale)) throw new Error(`${record.id}: params.guidance_scale = ${String(record.params?.guidance_scale)}; expected a number`);
    const uncond = input(ctx, 'cfg/noise_pred_uncond');
    const cond = input(ctx, 'cfg/noise_pred_cond');
    const out = new Map<string, ProducedTensor>();
    try {
      for (const name of record.outputs) {
        const rescale = OUTPUTS[name];
        if (!rescale) throw new Error(`${record.id}: output ${name} is not one this handler knows how to compute (expected ${Object.keys(OUTPUTS).join(', ')})`);
        out.set(name, produced(applyGuidance(uncond, cond, { scale, rescale })));
      }
    } finally {
      tf.dispose([uncond, cond]);
    }
    return out;
  },
};
