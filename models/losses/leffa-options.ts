// Options of the Leffa loss, named after the reference code (Leffa commit 511469f, config "g_to_p"/"v2";
// docs/leffa-spec.md §5.3), with its defaults.

export type LeffaLossType = 'smooth_l1' | 'l2';

/**
 * How the attention softmax is computed.
 * 'kernel' (default): the backend's fused Softmax; on wasm that is XNNPACK, whose polynomial exp is off by
 *   an ulp or two, and whose row normalisation is redone on the small flow results (attention-blocks.ts).
 * 'exact': exp(S − rowmax) with the backend's exp (as PyTorch). On wasm that exp is scalar code, ~5× the
 *   cost of the fused kernel: measured +50–100 % on a 1/8-level layer's forward + backward.
 * Both match every fixture output; 'exact' is the closer of the two (max flow error vs float64 1.8e-7
 * against 2.5e-7), which matters only next to a bilinear tap boundary, where a one-ulp flow difference
 * flips grid_sample's floor() and with it that pixel's gradient (see models/ops/README.md).
 */
export type SoftmaxMode = 'kernel' | 'exact';

export const DEFAULT_SOFTMAX: SoftmaxMode = 'kernel';

export interface LeffaLossOptions {
  /** τ: the attention logits are divided by √d·τ before the softmax (reference: 2.0). */
  temperature?: number;
  /** θ_timestep: a sample contributes only when its training timestep t < θ (reference: 500). */
  timestep_threshold?: number;
  /** λ: factor of the Leffa term in the total loss (reference: 1e-3). */
  weight?: number;
  /** Pixel loss between warped reference and target: Smooth-L1 with β = 1 (code default) or L2 (paper text). */
  loss_type?: LeffaLossType;
  /**
   * Queries per chunk of the attention: the scores of one chunk and one head ([chunk, N]) are the largest
   * tensors made. Default: as many as fit in DEFAULT_SCORE_BUDGET elements (341 at N = 12,288).
   */
  query_chunk?: number;
  /** Attention softmax formulation (default 'kernel'). */
  softmax?: SoftmaxMode;
}

export type ResolvedLeffaLossOptions = Required<Omit<LeffaLossOptions, 'query_chunk'>> & { query_chunk?: number };

export const LEFFA_LOSS_DEFAULTS: Readonly<Required<Omit<LeffaLossOptions, 'query_chunk'>>> = Object.freeze({
  temperature: 2.0,
  timestep_threshold: 500,
  weight: 1e-3,
  loss_type: 'smooth_l1',
  softmax: DEFAULT_SOFTMAX,
});

/** Elements of one [chunk, N] score block: 2^22 floats = 16 MiB (a few such blocks are alive at once). */
export const DEFAULT_SCORE_BUDGET = 2 ** 22;

export function resolveLeffaOptions(opts: LeffaLossOptions = {}): ResolvedLeffaLossOptions {
  const o = { ...LEFFA_LOSS_DEFAULTS, ...opts };
  if (!(o.temperature > 0)) throw new Error(`Leffa loss: temperature must be > 0, got ${o.temperature}`);
  if (o.loss_type !== 'smooth_l1' && o.loss_type !== 'l2') {
    throw new Error(`Leffa loss: loss_type must be 'smooth_l1' or 'l2', got ${JSON.stringify(o.loss_type)}`);
  }
  if (o.softmax !== 'kernel' && o.softmax !== 'exact') {
    throw new Error(`Leffa loss: softmax must be 'kernel' or 'exact', got ${JSON.stringify(o.softmax)}`);
  }
  if (o.query_chunk !== undefined && !(Number.isInteger(o.query_chunk) && o.query_chunk > 0)) {
    throw new Error(`Leffa loss: query_chunk must be a positive integer, got ${o.query_chunk}`);
  }
  return o;
}

/** Queries per chunk for N reference tokens. */
export function queryChunkFor(n: number, queryChunk?: number): number {
  return Math.max(1, Math.min(n, queryChunk ?? Math.floor(DEFAULT_SCORE_BUDGET / n)));
}
