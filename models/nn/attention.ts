// Scaled dot-product attention, multi-head, chunked over queries so that the score matrix of one chunk
// (heads x chunk x keys) is bounded whatever the token count: at 1024x768 the first UNet level has
// 12,288 generative queries x 24,576 keys x 8 heads, far too many to materialise at once.
import * as tf from '../tf.ts';

export interface AttentionOptions {
  heads: number;
  /** Upper bound on score-matrix elements per chunk (all heads and batch rows together). */
  maxScoreElements?: number;
}

/** Default bound: 2^25 floats = 128 MiB of scores per chunk. */
export const DEFAULT_MAX_SCORE_ELEMENTS = 2 ** 25;

/** Query-chunk length for a given problem size and budget (at least 1). */
export function queryChunkSize(rows: number, nq: number, nk: number, maxScoreElements = DEFAULT_MAX_SCORE_ELEMENTS): number {
  return Math.max(1, Math.min(nq, Math.floor(maxScoreElements / (rows * nk))));
}

/**
 * softmax(Q Kᵀ / √d) V for every head.
 * q: [B, Nq, C], k and v: [B, Nk, C] with C = heads * d (heads laid out as contiguous d-wide slices,
 * as PyTorch's `view(B, N, heads, d)`). Returns [B, Nq, C].
 */
export function multiHeadAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, opts: AttentionOptions): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, Nq, C] = q.shape;
    const Nk = k.shape[1];
    const h = opts.heads;
    if (C % h !== 0) throw new Error(`attention: ${C} channels are not divisible by heads=${h}`);
    if (k.shape[2] !== C || v.shape[2] !== C || k.shape[0] !== B || v.shape[0] !== B || v.shape[1] !== Nk) {
      throw new Error(`attention: q ${JSON.stringify(q.shape)}, k ${JSON.stringify(k.shape)}, v ${JSON.stringify(v.shape)} do not agree`);
    }
    const d = C / h;
    const rows = B * h;
    // Heads folded into the batch axis; K transposed once so every matMul is a plain (non-transposed) one,
    // which runs ~10x faster on wasm than transposeB (docs/tfjs-notes.md).
    const qh = q.mul(1 / Math.sqrt(d)).reshape([B, Nq, h, d]).transpose([0, 2, 1, 3]).reshape([rows, Nq, d]) as tf.Tensor3D; // [B*h, Nq, d], pre-scaled
    const kT = k.reshape([B, Nk, h, d]).transpose([0, 2, 3, 1]).reshape([rows, d, Nk]) as tf.Tensor3D; // [B*h, d, Nk]
    const vh = v.reshape([B, Nk, h, d]).transpose([0, 2, 1, 3]).reshape([rows, Nk, d]) as tf.Tensor3D; // [B*h, Nk, d]
    const chunk = queryChunkSize(rows, Nq, Nk, opts.maxScoreElements);
    const outs: tf.Tensor3D[] = [];
    for (let s = 0; s < Nq; s += chunk) {
      const n = Math.min(chunk, Nq - s);
      outs.push(tf.tidy(() => {
        const qc = chunk >= Nq ? qh : qh.slice([0, s, 0], [rows, n, d]); // [B*h, n, d]
        const scores = tf.matMul(qc, kT); // [B*h, n, Nk]
        return tf.matMul(tf.softmax(scores), vh) as tf.Tensor3D; // [B*h, n, d]
      }));
    }
    const o = outs.length === 1 ? outs[0]! : tf.concat(outs, 1); // [B*h, Nq, d]
    return o.reshape([B, h, Nq, d]).transpose([0, 2, 1, 3]).reshape([B, Nq, C]) as tf.Tensor3D; // [B, Nq, C]
  });
}
