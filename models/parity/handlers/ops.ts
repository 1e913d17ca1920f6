// Parity handler for the `ops` record (fixtures README §4.9): grid_sample (output and the gradients of
// sum(output·grad_output) w.r.t. input and grid), bilinear resize (output and input gradient) and
// nearest resize. Fixture images are NCHW; the engine ops are NHWC, so inputs are transposed on the way
// in and image-shaped outputs on the way out. Grids ([B, Ho, Wo, 2]) are stored in the engine layout.
import * as tf from '../../tf.ts';
import { gridSample } from '../../ops/grid-sample.ts';
import { resizeBilinear } from '../../ops/resize-bilinear.ts';
import { resizeNearest } from '../../ops/resize-nearest.ts';
import { asIs, fromNCHW, toNCHW } from '../layout.ts';
import type { ParityContext, ProducedTensor, RecordHandler } from '../types.ts';

function shapeOf(ctx: ParityContext, name: string): number[] {
  const meta = ctx.manifest.tensors[name];
  if (!meta) throw new Error(`ops: tensor ${name} is not in fixture.json`);
  return meta.shape;
}

/** An NCHW fixture image as an NHWC tensor: [B, C, H, W] → [B, H, W, C]. */
const image = (ctx: ParityContext, name: string) => fromNCHW(ctx.float(name), shapeOf(ctx, name));

/** The output size [Ho, Wo] of a resize, read from its stored NCHW output. */
function sizeOf(ctx: ParityContext, name: string): [number, number] {
  const s = shapeOf(ctx, name);
  return [s[2]!, s[3]!];
}

/** Computes every output of the record, as name → tensor in the stored layout. */
function compute(ctx: ParityContext): Map<string, ProducedTensor> {
  const out = new Map<string, ProducedTensor>();
  tf.tidy(() => {
    // grid_sample: input [B, C, H, W] → NHWC; grid [B, Ho, Wo, 2] as stored; grad_output NCHW → NHWC.
    const input = image(ctx, 'ops/grid_sample/input'); //             [B, H, W, C]
    const grid = tf.tensor4d(ctx.float('ops/grid_sample/grid'), shapeOf(ctx, 'ops/grid_sample/grid') as [number, number, number, number]);
    const gradOut = image(ctx, 'ops/grid_sample/grad_output'); //     [B, Ho, Wo, C]
    out.set('ops/grid_sample/output', toNCHW(gridSample(input, grid))); // [B, Ho, Wo, C] → [B, C, Ho, Wo]
    // d sum(output·grad_output) = the vector-Jacobian product with dy = grad_output.
    const [dInput, dGrid] = tf.grads((x: tf.Tensor, g: tf.Tensor) => gridSample(x as tf.Tensor4D, g as tf.Tensor4D))([input, grid], gradOut);
    out.set('ops/grid_sample/grad_input', toNCHW(dInput!)); // [B, H, W, C] → [B, C, H, W]
    out.set('ops/grid_sample/grad_grid', asIs(dGrid!)); //     [B, Ho, Wo, 2] as stored

    // bilinear: [B, C, h, w] → [B, C, Ho, Wo], align_corners=False.
    const low = image(ctx, 'ops/bilinear/input'); //                   [B, h, w, C]
    const size = sizeOf(ctx, 'ops/bilinear/output');
    out.set('ops/bilinear/output', toNCHW(resizeBilinear(low, size))); // [B, Ho, Wo, C] → NCHW
    const dLow = tf.grads((x: tf.Tensor) => resizeBilinear(x as tf.Tensor4D, size))([low], image(ctx, 'ops/bilinear/grad_output'))[0]!;
    out.set('ops/bilinear/grad_input', toNCHW(dLow)); //                  [B, h, w, C] → NCHW

    // nearest: src index = floor(dst·in/out).
    const near = resizeNearest(image(ctx, 'ops/nearest/input'), sizeOf(ctx, 'ops/nearest/output'));
    out.set('ops/nearest/output', toNCHW(near)); // [B, Ho, Wo, C] → NCHW
  });
  return out;
}

export const opsHandler: RecordHandler = {
  ids: ['ops'],
  needsModel: false,
  async run(record, ctx) {
    const all = compute(ctx);
    const out = new Map<string, ProducedTensor>();
    for (const name of record.outputs) {
      const t = all.get(name);
      if (!t) throw new Error(`${record.id}: output ${name} is not one this handler computes (it knows ${[...all.keys()].join(', ')})`);
      out.set(name, t);
    }
    return out;
  },
};
