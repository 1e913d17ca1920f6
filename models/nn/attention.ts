// Scaled dot-product attention, multi-head, chunked over queries so that the score matrix of one chunk
// (heads x chunk x keys) is bounded whatever the token count: at 1024x768 the first UNet level has
// 12,288 generative queries x 24,576 keys x 8 heads, far too many to materialise at once.
import * as tf from '../tf.ts';
import { fusedAttention } from './attention-webgpu.ts';

export interface AttentionOptions {
  heads: number;
  /** Upper bound on score-matrix elements per chunk of one head (queries x keys). */
  maxScoreElements?: number;
}

/** Default bound on one head's score chunk: 2^24 floats = 64 MiB. */
export const DEFAULT_MAX_SCORE_ELEMENTS = 2 ** 24;

/** Query-chunk length for a given problem size and budget (at least 1). */
export function queryChunkSize(rows: number, nq: number, nk: number, maxScoreElements = DEFAULT_MAX_SCORE_ELEMENTS): number {
  return Math.max(1, Math.min(nq, Math.floor(maxScoreElements / (rows * nk))));
}

/**
 * softmax(Q Kᵀ / √d) V for every head.
 * q: [B, Nq, C], k and v: [B, Nk, C] with C = heads * d (heads laid out as contiguous d-wide slices,
 * as PyTorch's `view(B, N, heads, d)`). Returns [B, Nq, C].
 *
 * Formulation, measured on wasm (XNNPACK, TF.js 4.22; `npm run bench:engine` prints it again): a rank-3
 * batched matMul over (batch x heads) ran at 0.1-1.6 GFLOP/s, a plain 2-D matMul per head at 12-22 GFLOP/s,
 * and any `transposeB` at ~2. So: one transpose of K for all heads, then per head two plain 2-D matMuls.
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
    const fused = fusedAttention(q, k, v, h); if (fused) return fused; // WebGPU: fused kernel (attention-webgpu.ts), else the plain path below
    const d = C / h;
    const rows = B * h;
    const qh = tf.unstack(q.mul(1 / Math.sqrt(d)).reshape([B, Nq, h, d]).transpose([0, 2, 1, 3]).reshape([rows, Nq, d])) as tf.Tensor2D[]; // rows x [Nq, d], pre-scaled
    const kT = tf.unstack(k.reshape([B, Nk, h, d]).transpose([0, 2, 3, 1]).reshape([rows, d, Nk])) as tf.Tensor2D[]; // rows x [d, Nk]
    const vh = tf.unstack(v.reshape([B, Nk, h, d]).transpose([0, 2, 1, 3]).reshape([rows, Nk, d])) as tf.Tensor2D[]; // rows x [Nk, d]
    const chunk = queryChunkSize(1, Nq, Nk, opts.maxScoreElements);
    const heads: tf.Tensor2D[] = [];
    for (let r = 0; r < rows; r++) {
      const parts: tf.Tensor2D[] = [];
      for (let s = 0; s < Nq; s += chunk) {
        const n = Math.min(chunk, Nq - s);
        parts.push(tf.tidy(() => {
          const qc = n === Nq ? qh[r]! : qh[r]!.slice([s, 0], [n, d]); // [n, d]
          return tf.matMul(tf.softmax(tf.matMul(qc, kT[r]!)), vh[r]!); // [n, Nk] -> [n, d]
        }));
      }
      heads.push(parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor2D)); // [Nq, d]
    }
    return tf.stack(heads).reshape([B, h, Nq, d]).transpose([0, 2, 1, 3]).reshape([B, Nq, C]) as tf.Tensor3D; // [B, Nq, C]
  });
}
