// The per-block arithmetic of attention-flow.ts: one head, one chunk of n query rows against all N
// reference keys. All matMuls are plain 2-D ones with operands transposed beforehand (transposeB is ~10×
// slower on wasm, transposeA ~30×), and every [n, N] broadcast against a column is folded into a small-K
// matMul instead (a broadcast [n, N] − [n, 1] costs more than a [n, 3]·[3, N] product there).
//
// Notation (one head): S = Q·s·Kᵀ [n, N] with s = 1/(√d·τ); P = softmax(S); flow_h = P·coords [n, 2].
// The weights are kept unnormalised, E = P·r with row sums r, and the normalisation is applied to the
// small [n, ·] results only: flow_h = (E·coords) / r, and in the backward pass
//   dS = P ⊙ (G·coordsᵀ − rowsum(G ⊙ flow_h)) = E ⊙ ([G, −rowsum(G ⊙ flow_h)] / r · [coordsᵀ; 1]).
import * as tf from '../tf.ts';
import type { SoftmaxMode } from './leffa-options.ts';

/** The 2-D operands of one (batch, head), sliced out of [B, heads, N, d]. */
export interface HeadOperands {
  qs: tf.Tensor2D; //   [N, d]  Q·s
  kT: tf.Tensor2D; //   [d, N]
  k?: tf.Tensor2D; //   [N, d]  (backward only)
  qsT?: tf.Tensor2D; // [d, N]  (backward only)
}

export function headOperands(q: tf.Tensor4D, k: tf.Tensor4D, b: number, h: number, scale: number, backward: boolean): HeadOperands {
  const [, , N, d] = q.shape;
  return tf.tidy(() => {
    const pick = (t: tf.Tensor4D) => tf.reshape(tf.slice(t, [b, h, 0, 0], [1, 1, N, d]), [N, d]) as tf.Tensor2D; // [N, d]
    const qs = tf.mul(pick(q), scale) as tf.Tensor2D; // [N, d]
    const kh = pick(k); //                                [N, d]
    const o: HeadOperands = { qs, kT: tf.transpose(kh) }; // kT [d, N]
    if (backward) {
      o.k = kh;
      o.qsT = tf.transpose(qs); // [d, N]
    }
    return o as unknown as tf.TensorContainerObject;
  }) as unknown as HeadOperands;
}

export function disposeOperands(o: HeadOperands): void {
  tf.dispose([o.qs, o.kT, ...(o.k ? [o.k] : []), ...(o.qsT ? [o.qsT] : [])]);
}

/** [coords | 1] as [N, 3] and its transpose [3, N], built once per call. */
export interface CoordOperands {
  c1: tf.Tensor2D; //  [N, 3]: x, y, 1
  c1T: tf.Tensor2D; // [3, N]
}

export function coordOperands(coords: Float32Array): CoordOperands {
  const N = coords.length / 2;
  const c1 = new Float32Array(N * 3);
  for (let j = 0; j < N; j++) {
    c1[3 * j] = coords[2 * j]!;
    c1[3 * j + 1] = coords[2 * j + 1]!;
    c1[3 * j + 2] = 1;
  }
  return tf.tidy(() => {
    const t = tf.tensor2d(c1, [N, 3]);
    return { c1: t, c1T: tf.transpose(t) } as unknown as tf.TensorContainerObject;
  }) as unknown as CoordOperands;
}

export interface BlockWeights {
  /** E [n, N]: unnormalised softmax weights ('exact': exp(S − rowmax); 'kernel': the fused softmax). */
  e: tf.Tensor2D;
  /** [n, 2]: flow of this head, (E·coords) / rowsum(E). */
  flow: tf.Tensor2D;
  /** [n, 1]: rowsum(E) (≈ 1 with the fused softmax; renormalising also removes its rounding). */
  rowSum: tf.Tensor2D;
}

/** Weights and flow of one head for the query rows [r0, r0 + n). Call inside a tidy. */
export function blockWeights(o: HeadOperands, co: CoordOperands, r0: number, n: number, mode: SoftmaxMode): BlockWeights {
  const qc = tf.slice(o.qs, [r0, 0], [n, o.qs.shape[1]]); // [n, d]
  const scores = tf.matMul(qc, o.kT); //                     [n, N]
  // 'exact': the backend's exp (PyTorch-like accuracy); 'kernel': XNNPACK's fused softmax on wasm,
  // ~5× faster but its polynomial exp is off by an ulp or two.
  const e = (mode === 'kernel' ? tf.softmax(scores) : tf.exp(tf.sub(scores, tf.max(scores, 1, true)))) as tf.Tensor2D;
  const f3 = tf.matMul(e, co.c1); //                        [n, 3]: E·x, E·y, rowsum(E)
  const rowSum = tf.slice(f3, [0, 2], [n, 1]) as tf.Tensor2D; // [n, 1]
  const flow = tf.div(tf.slice(f3, [0, 0], [n, 2]), rowSum) as tf.Tensor2D; // [n, 2]
  return { e, flow, rowSum };
}

/**
 * dS [n, N] of one block given g = d loss / d flow_h [n, 2] (already divided by the head count).
 * Call inside a tidy.
 */
export function blockScoreGrad(w: BlockWeights, co: CoordOperands, g: tf.Tensor2D): tf.Tensor2D {
  const rowDot = tf.sum(tf.mul(g, w.flow), 1, true); //                      [n, 1] = Σ_j dP_ij·P_ij
  const lhs = tf.div(tf.concat([g, tf.neg(rowDot)], 1), w.rowSum); //       [n, 3]
  return tf.mul(w.e, tf.matMul(lhs, co.c1T)) as tf.Tensor2D; //              [n, N]
}
