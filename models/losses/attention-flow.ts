// The flow field that Leffa reads from attention (docs/leffa-spec.md §5.3 steps 1–4):
//   A = mean_heads softmax(Q_gen · K_refᵀ / √d / τ)      [B, N, N]   (softmax over the N reference tokens)
//   flow_lowres = A · coords  reshaped to [B, h, w, 2]      coords[n] = (x, y) of reference token n in [−1, 1]
//
// A is never materialised: the flow only needs Σ_j P[i, j]·coords[j] per head, so the queries are processed
// in chunks and the head mean is accumulated per chunk. The largest tensor made is one head's score block
// [chunk, N]; at the 1/8 level of a 1024×768 image (N = 12,288, 8 heads) that is 341 × 12,288 floats instead
// of the 8 × 12,288² (4.8 GB) of the reference. The backward pass recomputes each block (flash-attention style):
//   dP_h = G·coordsᵀ / heads (G = d loss / d flow, [N, 2]),  dS_h = P_h ⊙ (dP_h − rowsum(dP_h ⊙ P_h)),
//   dQ_h = dS_h·K_h·s,  dK_h = dS_hᵀ·Q_h·s  with s = 1/(√d·τ).
// The block arithmetic (and why it is arranged the way it is for wasm) is in attention-blocks.ts.
import * as tf from '../tf.ts';
import { customOp } from '../ops/custom-op.ts';
import {
  blockScoreGrad, blockWeights, coordOperands, disposeOperands, headOperands,
} from './attention-blocks.ts';
import { DEFAULT_SOFTMAX, queryChunkFor, type SoftmaxMode } from './leffa-options.ts';

export interface AttentionFlowOptions {
  /** τ (default 2.0). */
  temperature?: number;
  /** Queries per chunk (default: from a 2^22-element budget per score block). */
  query_chunk?: number;
  /** Softmax formulation, see SoftmaxMode. */
  softmax?: SoftmaxMode;
}

/** coords [N, 2] for an h×w token map, token n = y·w + x: (linspace(−1,1,w)[x], linspace(−1,1,h)[y]). */
export function flowCoords(h: number, w: number): Float32Array {
  const lin = (i: number, n: number) => (n === 1 ? -1 : -1 + (2 * i) / (n - 1));
  const c = new Float32Array(h * w * 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      c[2 * (y * w + x)] = lin(x, w);
      c[2 * (y * w + x) + 1] = lin(y, h);
    }
  }
  return c;
}

function checkQK(op: string, q: tf.Tensor, k: tf.Tensor, n: number): void {
  if (q.rank !== 4 || k.rank !== 4 || q.shape.some((s, i) => s !== k.shape[i])) {
    throw new Error(`${op}: query_gen and key_ref must both be [B, heads, N, d], got ${JSON.stringify(q.shape)} and ${JSON.stringify(k.shape)}`);
  }
  if (q.shape[2] !== n) throw new Error(`${op}: an h×w map needs h·w = ${n} tokens, query_gen has ${q.shape[2]}`);
}

/** Calls fn(r0, n) for consecutive query chunks of [0, N). */
function forChunks(N: number, chunk: number, fn: (r0: number, n: number) => void): void {
  for (let r0 = 0; r0 < N; r0 += chunk) fn(r0, Math.min(chunk, N - r0));
}

/** Per-call constants: s = 1/(√d·τ), the chunk length and the softmax formulation. */
function settings(d: number, N: number, opts: AttentionFlowOptions): { scale: number; chunk: number; mode: SoftmaxMode } {
  return {
    scale: 1 / Math.sqrt(d) / (opts.temperature ?? 2.0),
    chunk: queryChunkFor(N, opts.query_chunk),
    mode: opts.softmax ?? DEFAULT_SOFTMAX,
  };
}

/** Forward without a tape entry: query_gen, key_ref [B, heads, N = h·w, d] → flow_lowres [B, h, w, 2]. */
export function attentionFlowForward(
  qGen: tf.Tensor4D, kRef: tf.Tensor4D, h: number, w: number, opts: AttentionFlowOptions = {},
): tf.Tensor4D {
  checkQK('attentionFlow', qGen, kRef, h * w);
  const [B, heads, N, d] = qGen.shape;
  const { scale, chunk, mode } = settings(d, N, opts);
  return tf.tidy(() => {
    const co = coordOperands(flowCoords(h, w));
    const perBatch: tf.Tensor2D[] = [];
    for (let b = 0; b < B; b++) {
      let acc: tf.Tensor2D | null = null; // Σ_heads flow_h, [N, 2]
      for (let hd = 0; hd < heads; hd++) {
        const o = headOperands(qGen, kRef, b, hd, scale, false);
        const parts: tf.Tensor2D[] = [];
        forChunks(N, chunk, (r0, n) => parts.push(tf.tidy(() => blockWeights(o, co, r0, n, mode).flow))); // [n, 2]
        disposeOperands(o);
        const prev: tf.Tensor2D | null = acc;
        acc = tf.tidy(() => {
          const flowH = parts.length === 1 ? parts[0]! : tf.concat(parts, 0); // [N, 2]
          return (prev ? tf.add(prev, flowH) : tf.clone(flowH)) as tf.Tensor2D;
        });
        tf.dispose([...parts, ...(prev ? [prev] : [])]);
      }
      perBatch.push(tf.div(acc!, heads)); // mean over heads, [N, 2]
    }
    return tf.reshape(tf.stack(perBatch), [B, h, w, 2]) as tf.Tensor4D; // [B, N, 2] → [B, h, w, 2]
  });
}

/**
 * Backward without a tape entry: gradients of sum(flow_lowres · dFlow) w.r.t. query_gen and key_ref.
 * dFlow: [B, h, w, 2]. Returns [dQuery_gen, dKey_ref], each [B, heads, N, d].
 */
export function attentionFlowBackward(
  qGen: tf.Tensor4D, kRef: tf.Tensor4D, dFlow: tf.Tensor4D, opts: AttentionFlowOptions = {},
): [tf.Tensor4D, tf.Tensor4D] {
  const [, h, w] = dFlow.shape;
  checkQK('attentionFlowBackward', qGen, kRef, h * w);
  const [B, heads, N, d] = qGen.shape;
  const { scale, chunk, mode } = settings(d, N, opts);
  return tf.tidy(() => {
    const co = coordOperands(flowCoords(h, w));
    const g = tf.div(tf.reshape(dFlow, [B, N, 2]), heads); // [B, N, 2]: d loss / d flow_h of each head
    const dQ: tf.Tensor2D[] = [];
    const dK: tf.Tensor2D[] = [];
    for (let b = 0; b < B; b++) {
      for (let hd = 0; hd < heads; hd++) {
        const o = headOperands(qGen, kRef, b, hd, scale, true);
        const dqParts: tf.Tensor2D[] = [];
        let dkT: tf.Tensor2D | null = null; // Σ_chunks (Q·s)ᵀ_chunk · dS_chunk, [d, N]
        forChunks(N, chunk, (r0, n) => {
          const prev: tf.Tensor2D | null = dkT;
          const [dq, next] = tf.tidy(() => {
            const gc = tf.reshape(tf.slice(g, [b, r0, 0], [1, n, 2]), [n, 2]) as tf.Tensor2D; // [n, 2]
            const dS = blockScoreGrad(blockWeights(o, co, r0, n, mode), co, gc); //             [n, N]
            const dqc = tf.mul(tf.matMul(dS, o.k!), scale) as tf.Tensor2D; //                  [n, d]
            const part = tf.matMul(tf.slice(o.qsT!, [0, r0], [d, n]), dS); //                 [d, N]
            return [dqc, (prev ? tf.add(prev, part) : part) as tf.Tensor2D];
          });
          dqParts.push(dq);
          if (prev) prev.dispose();
          dkT = next;
        });
        disposeOperands(o);
        dQ.push(dqParts.length === 1 ? dqParts[0]! : tf.concat(dqParts, 0)); // [N, d]
        dK.push(tf.transpose(dkT!)); //                                          [N, d]
      }
    }
    return [
      tf.reshape(tf.stack(dQ), [B, heads, N, d]) as tf.Tensor4D, // [B·heads, N, d] → [B, heads, N, d]
      tf.reshape(tf.stack(dK), [B, heads, N, d]) as tf.Tensor4D,
    ];
  });
}

/**
 * flow_lowres = (mean over heads of softmax(Q_gen·K_refᵀ/√d/τ))·coords, as [B, h, w, 2] with (x, y) in
 * [−1, 1] (grid_sample convention). query_gen, key_ref: [B, heads, N = h·w, d] (the gen-token queries and
 * the reference-token keys). Differentiable w.r.t. both; memory bounded by the query chunk.
 * Also the "explain" view of the sampling pipeline: where each generated token looks in the reference.
 */
export function attentionFlow(
  query_gen: tf.Tensor4D, key_ref: tf.Tensor4D, h: number, w: number, opts: AttentionFlowOptions = {},
): tf.Tensor4D {
  checkQK('attentionFlow', query_gen, key_ref, h * w);
  const op = customOp<tf.Tensor4D>(([q, k], save) => {
    save([q!, k!]);
    return {
      value: attentionFlowForward(q as tf.Tensor4D, k as tf.Tensor4D, h, w, opts),
      gradFunc: (dy, saved) => attentionFlowBackward(saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, dy, opts),
    };
  });
  return op(query_gen, key_ref);
}

/**
 * The head-mean attention map A [B, N, N] itself (diagnostics and parity only: N² floats per sample,
 * 604 MB at N = 12,288). Not differentiable.
 */
export function attentionMap(query_gen: tf.Tensor4D, key_ref: tf.Tensor4D, opts: AttentionFlowOptions = {}): tf.Tensor3D {
  const [B, heads, N, d] = query_gen.shape;
  checkQK('attentionMap', query_gen, key_ref, N);
  const { scale, chunk, mode } = settings(d, N, opts);
  return tf.tidy(() => {
    const co = coordOperands(new Float32Array(2 * N)); // coordinates are not needed, only row sums
    const perBatch: tf.Tensor[] = [];
    for (let b = 0; b < B; b++) {
      const perHead: tf.Tensor[] = [];
      for (let hd = 0; hd < heads; hd++) {
        const o = headOperands(query_gen, key_ref, b, hd, scale, false);
        const rows: tf.Tensor[] = [];
        forChunks(N, chunk, (r0, n) => rows.push(tf.tidy(() => {
          const wts = blockWeights(o, co, r0, n, mode);
          return tf.div(wts.e, wts.rowSum); // P [n, N]
        })));
        disposeOperands(o);
        perHead.push(tf.concat(rows, 0)); // [N, N]
      }
      perBatch.push(tf.div(tf.addN(perHead), heads)); // mean over heads, [N, N]
    }
    return tf.stack(perBatch) as tf.Tensor3D; // [B, N, N]
  });
}
