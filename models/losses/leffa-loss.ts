// The Leffa loss (learning flow fields in attention), exactly as the only published code, Leffa commit
// 511469f (AttnProcessor2_0 with attn_type "g_to_p", attn_source "v2"; SimpleVtonModel.forward):
// docs/leffa-spec.md §5.3 and the fixture README §4.7.
//
//   per layer k:   loss_k[b]   = leffaLayerLoss(query_k, key_k)          (leffa-layer.ts)
//   layer_mean[b] = mean_k loss_k[b]
//   gated[b]      = layer_mean[b] · 1[t_b < θ_timestep]                  (θ = 500)
//   attn_loss     = mean_b gated[b]
//   weighted_loss = λ · attn_loss                                        (λ = 1e-3, added to the diffusion loss)
//
// Everything is NHWC; attn_loss and weighted_loss are differentiable w.r.t. every layer's query and key
// (tf.customGrad all the way down: no reliance on the stock op gradients, nor on the gradient kernels that
// wasm lacks). Memory is bounded by the attention's query chunk (leffa-options.ts), whatever N is.
import * as tf from '../tf.ts';
import { customOp } from '../ops/custom-op.ts';
import { leffaLayerLoss, type LeffaImages } from './leffa-layer.ts';
import { resolveLeffaOptions, type LeffaLossOptions } from './leffa-options.ts';

export { attentionFlow, attentionMap, flowCoords, type AttentionFlowOptions } from './attention-flow.ts';
export { leffaLayerForward, leffaLayerLoss, type LeffaImages, type LeffaLayerOutputs } from './leffa-layer.ts';
export {
  DEFAULT_SOFTMAX, LEFFA_LOSS_DEFAULTS, type LeffaLossOptions, type LeffaLossType, type SoftmaxMode,
} from './leffa-options.ts';

/** One loss layer: the attn1 query and key over [gen N | ref N] tokens, and the h×w map of the N tokens. */
export interface LeffaLayerInput {
  query: tf.Tensor4D; // [B, heads, 2N, d]
  key: tf.Tensor4D; //   [B, heads, 2N, d]
  h: number;
  w: number;
}

export interface LeffaLossResult {
  /** loss_k [B] per layer (differentiable). */
  perLayer: tf.Tensor1D[];
  /** mean over layers [B] (value only). */
  layerMean: tf.Tensor1D;
  /** layerMean · 1[t < θ] [B] (value only). */
  gated: tf.Tensor1D;
  /** mean over the batch of gated, scalar (differentiable). */
  attnLoss: tf.Scalar;
  /** λ · attnLoss, scalar (differentiable): the term added to the diffusion loss. */
  weightedLoss: tf.Scalar;
}

/** 1 where t < θ else 0, per sample. */
export function timestepGate(timesteps: ArrayLike<number> | tf.Tensor1D, threshold: number): Float32Array {
  const t = timesteps instanceof tf.Tensor ? timesteps.dataSync() : timesteps;
  return Float32Array.from({ length: t.length }, (_, i) => (Number(t[i]) < threshold ? 1 : 0));
}

/** factor · mean_b(gate_b · mean_k loss_k[b]) as a scalar with a custom gradient w.r.t. every loss_k. */
function gatedLayerMean(perLayer: tf.Tensor1D[], gate: Float32Array, factor: number): tf.Scalar {
  const L = perLayer.length;
  const B = gate.length;
  const op = customOp<tf.Scalar>((losses) => {
    const coeff = (): tf.Tensor1D => tf.mul(tf.tensor1d(gate), factor / (L * B)); // d value / d loss_k[b], [B]
    return {
      value: tf.tidy(() => tf.sum(tf.mul(tf.addN(losses), coeff()))) as tf.Scalar, // []
      gradFunc: (dy) => losses.map(() => tf.mul(coeff(), dy)), // [B] each
    };
  });
  return op(...perLayer);
}

/**
 * Combines per-layer losses ([B] each, e.g. produced inside each attention processor by leffaLayerLoss)
 * into the gated, batch-averaged Leffa loss. timesteps: the per-sample training timesteps [B].
 */
export function combineLeffaLayers(
  perLayer: tf.Tensor1D[], timesteps: ArrayLike<number> | tf.Tensor1D, opts: LeffaLossOptions = {},
): Omit<LeffaLossResult, 'perLayer'> {
  const o = resolveLeffaOptions(opts);
  if (perLayer.length === 0) throw new Error('combineLeffaLayers: no layers given (perLayer is empty)');
  const B = perLayer[0]!.shape[0];
  const nt = timesteps instanceof tf.Tensor ? timesteps.size : timesteps.length;
  if (perLayer.some((l) => l.rank !== 1 || l.shape[0] !== B) || nt !== B) {
    throw new Error(`combineLeffaLayers: every layer loss must be [B=${B}] and timesteps must have ${B} entries, got ${JSON.stringify(perLayer.map((l) => l.shape))} and ${nt} timesteps`);
  }
  const gate = timestepGate(timesteps, o.timestep_threshold);
  const [layerMean, gated] = tf.tidy(() => {
    const mean = tf.div(tf.addN(perLayer), perLayer.length) as tf.Tensor1D; // [B]
    return [mean, tf.mul(mean, tf.tensor1d(gate)) as tf.Tensor1D];
  });
  return {
    layerMean,
    gated,
    attnLoss: gatedLayerMean(perLayer, gate, 1),
    weightedLoss: gatedLayerMean(perLayer, gate, o.weight),
  };
}

/**
 * The Leffa loss over several layers. images: NHWC reference/target [B, H, W, 3] and mask [B, H, W, 1];
 * timesteps: [B]. Options (reference names): temperature 2.0, timestep_threshold 500, weight 1e-3,
 * loss_type 'smooth_l1' | 'l2', plus query_chunk (memory bound of the attention).
 */
export function leffaLoss(
  layers: LeffaLayerInput[], images: LeffaImages, timesteps: ArrayLike<number> | tf.Tensor1D, opts: LeffaLossOptions = {},
): LeffaLossResult {
  const perLayer = layers.map((l) => leffaLayerLoss(l.query, l.key, l.h, l.w, images, opts)); // [B] each
  return { perLayer, ...combineLeffaLayers(perLayer, timesteps, opts) };
}
