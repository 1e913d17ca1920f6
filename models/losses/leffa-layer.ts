// One layer of the Leffa loss (docs/leffa-spec.md §5.3 steps 1–7, fixture README §4.7), NHWC:
//   Q_gen = query[:, :, :N], K_ref = key[:, :, N:]                          [B, heads, N, d]
//   flow_lowres = attentionFlow(Q_gen, K_ref)                               [B, h, w, 2]
//   flow = clamp(resizeBilinear(flow_lowres, H×W), −1, 1)                   [B, H, W, 2]
//   warped = gridSample(reference, flow)                                    [B, H, W, 3]
//   loss[b] = mean_{H,W,C} ρ(warped·M − target·M)                          [B]
// The differentiable version is one tf.customGrad over (query, key) whose backward chains the hand-written
// backward passes of each step, so it works on wasm and needs no registered op gradients. Only flow_lowres
// ([B, h, w, 2], tiny) is kept for the backward; everything else is recomputed there.
import * as tf from '../tf.ts';
import { customOp } from '../ops/custom-op.ts';
import { gridSampleBackward, gridSampleForward } from '../ops/grid-sample.ts';
import { resizeBilinearBackward } from '../ops/resize-bilinear.ts';
import { attentionFlowBackward, attentionFlowForward } from './attention-flow.ts';
import { maskedPixelLoss, maskedPixelLossBackward } from './pixel-loss.ts';
import { resolveLeffaOptions, type LeffaLossOptions, type ResolvedLeffaLossOptions } from './leffa-options.ts';

/** Pixel-space inputs of the loss, NHWC, values as in the reference ([−1, 1] images, binary mask). */
export interface LeffaImages {
  /** I_ref [B, H, W, 3]: garment (try-on) or source person (pose transfer). */
  reference: tf.Tensor4D;
  /** I_tgt [B, H, W, 3]: the target image. */
  target: tf.Tensor4D;
  /** M [B, H, W, 1]: `warped_mask`, the target region the reference should explain. */
  mask: tf.Tensor4D;
}

/** Everything one layer computes (forward), for parity checks and the "explain" view. */
export interface LeffaLayerOutputs {
  flowLowres: tf.Tensor4D; //    [B, h, w, 2]
  flow: tf.Tensor4D; //          [B, H, W, 2], clamped
  warped: tf.Tensor4D; //        [B, H, W, 3]
  lossPerSample: tf.Tensor1D; // [B]
}

function checkLayer(query: tf.Tensor, key: tf.Tensor, h: number, w: number, images: LeffaImages): void {
  const N = h * w;
  if (query.rank !== 4 || key.rank !== 4 || query.shape.some((s, i) => s !== key.shape[i]) || query.shape[2] !== 2 * N) {
    throw new Error(`leffaLayerLoss: query and key must both be [B, heads, 2·h·w = ${2 * N}, d] (gen tokens first), got ${JSON.stringify(query.shape)} and ${JSON.stringify(key.shape)}`);
  }
  const B = query.shape[0];
  for (const [name, t, c] of [['reference', images.reference, 3], ['target', images.target, 3], ['mask', images.mask, 1]] as const) {
    if (t.rank !== 4 || t.shape[0] !== B || t.shape[3] !== c || t.shape[1] !== images.reference.shape[1] || t.shape[2] !== images.reference.shape[2]) {
      throw new Error(`leffaLayerLoss: ${name} must be NHWC [${B}, H, W, ${c}] (same H×W for all images), got ${JSON.stringify(t.shape)}`);
    }
  }
}

/** Q_gen (first N tokens of query) and K_ref (last N tokens of key): [B, heads, N, d] each. */
function splitHalves(query: tf.Tensor4D, key: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const [B, heads, twoN, d] = query.shape;
  const N = twoN / 2;
  return [tf.slice(query, [0, 0, 0, 0], [B, heads, N, d]), tf.slice(key, [0, 0, N, 0], [B, heads, N, d])];
}

/** Steps 3–5 from flow_lowres: pre-clamp flow, clamped flow, warped reference, per-sample loss. */
function warpAndScore(flowLowres: tf.Tensor4D, images: LeffaImages, o: ResolvedLeffaLossOptions) {
  const [, H, W] = images.reference.shape;
  const flowRaw = tf.image.resizeBilinear(flowLowres, [H, W], false, true); // [B, H, W, 2] (align_corners=False)
  const flow = tf.clipByValue(flowRaw, -1, 1) as tf.Tensor4D; //              [B, H, W, 2]
  const warped = gridSampleForward(images.reference, flow); //                [B, H, W, 3]
  const lossPerSample = maskedPixelLoss(warped, images.target, images.mask, o.loss_type); // [B]
  return { flowRaw, flow, warped, lossPerSample };
}

/** Forward of one layer with every intermediate (no tape entry). query, key: [B, heads, 2N, d]. */
export function leffaLayerForward(
  query: tf.Tensor4D, key: tf.Tensor4D, h: number, w: number, images: LeffaImages, opts: LeffaLossOptions = {},
): LeffaLayerOutputs {
  checkLayer(query, key, h, w, images);
  const o = resolveLeffaOptions(opts);
  return tf.tidy(() => {
    const [qGen, kRef] = splitHalves(query, key);
    const flowLowres = attentionFlowForward(qGen, kRef, h, w, o); // [B, h, w, 2]
    const { flow, warped, lossPerSample } = warpAndScore(flowLowres, images, o);
    return { flowLowres, flow, warped, lossPerSample } as unknown as tf.TensorContainerObject;
  }) as unknown as LeffaLayerOutputs;
}

/** Backward of one layer: dLoss [B] → [dQuery, dKey], each [B, heads, 2N, d] (zero on the unused halves). */
function leffaLayerBackward(
  query: tf.Tensor4D, key: tf.Tensor4D, flowLowres: tf.Tensor4D, dLoss: tf.Tensor1D,
  images: LeffaImages, o: ResolvedLeffaLossOptions,
): [tf.Tensor4D, tf.Tensor4D] {
  const [, h, w] = flowLowres.shape;
  // Pixel-space part first, in its own scope so the full-resolution tensors are freed before the attention.
  const dFlowLowres = tf.tidy(() => {
    const { flowRaw, flow, warped } = warpAndScore(flowLowres, images, o);
    const dWarped = maskedPixelLossBackward(warped, images.target, images.mask, dLoss, o.loss_type); // [B, H, W, 3]
    const dFlow = gridSampleBackward(images.reference, flow, dWarped, { input: false, grid: true }).grid!; // [B, H, W, 2]
    // clamp passes the gradient where −1 ≤ x ≤ 1 (inclusive, like torch.clamp's backward).
    const inside = tf.cast(tf.lessEqual(tf.abs(flowRaw), 1), 'float32');
    return resizeBilinearBackward(tf.mul(dFlow, inside) as tf.Tensor4D, [h, w]); // [B, h, w, 2]
  });
  try {
    return tf.tidy(() => {
      const [qGen, kRef] = splitHalves(query, key);
      const [dQGen, dKRef] = attentionFlowBackward(qGen, kRef, dFlowLowres, o); // [B, heads, N, d] each
      const zeros = tf.zerosLike(dQGen);
      return [
        tf.concat([dQGen, zeros], 2) as tf.Tensor4D, // [B, heads, 2N, d]: ref-token queries unused
        tf.concat([zeros, dKRef], 2) as tf.Tensor4D, // [B, heads, 2N, d]: gen-token keys unused
      ];
    });
  } finally {
    dFlowLowres.dispose();
  }
}

/**
 * Per-sample Leffa loss of one attention layer, [B], differentiable w.r.t. query and key.
 * query, key: [B, heads, 2N, d] from attn1 of the generative UNet (tokens [gen N | ref N], N = h·w).
 * The images are read again in the backward pass: keep them alive until gradients are computed.
 */
export function leffaLayerLoss(
  query: tf.Tensor4D, key: tf.Tensor4D, h: number, w: number, images: LeffaImages, opts: LeffaLossOptions = {},
): tf.Tensor1D {
  checkLayer(query, key, h, w, images);
  const o = resolveLeffaOptions(opts);
  const op = customOp<tf.Tensor1D>(([q, k], save) => {
    const out = leffaLayerForward(q as tf.Tensor4D, k as tf.Tensor4D, h, w, images, o);
    save([q!, k!, out.flowLowres]); // (a no-op when no gradient is being recorded)
    tf.dispose([out.flowLowres, out.flow, out.warped]);
    return {
      value: out.lossPerSample,
      gradFunc: (dy, saved) => leffaLayerBackward(
        saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, saved[2] as tf.Tensor4D, dy, images, o),
    };
  });
  return op(query, key);
}
