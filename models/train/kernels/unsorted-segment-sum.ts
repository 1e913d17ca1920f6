// UnsortedSegmentSum for the wasm backend (missing in tfjs-backend-wasm 4.22; it is what tf.gather's
// gradient calls, so any gradient through a gather fails there).
//
//   out[s, ...] = Σ_{n : ids[n] = s} x[n, ...]        ids of rank r index the first r axes of x
//
// Built on wasm's ScatterNd, which adds updates that land on the same index (the gradient of
// gridSample relies on the same property): one pass over x, no [numSegments × N] one-hot matrix, so it
// scales to large gathers. Ids outside [0, numSegments) contribute nothing, as on the cpu backend (their
// updates are zeroed and their index clamped to 0 before the scatter).
import * as tf from '../../tf.ts';
import { tensorKernel } from './tensor-kernel.ts';

export function unsortedSegmentSumVia(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  const r = segmentIds.rank;
  if (segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`UnsortedSegmentSum: segmentIds ${JSON.stringify(segmentIds.shape)} must be a prefix of x's shape ${JSON.stringify(x.shape)}`);
  }
  const inner = x.shape.slice(r);
  return tf.tidy(() => {
    const n = segmentIds.size;
    const ids = tf.cast(tf.reshape(segmentIds, [n]), 'int32'); //                    [N]
    const valid = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments)); // [N]
    const idx = tf.reshape(tf.where(valid, ids, tf.zerosLike(ids)), [n, 1]); //        [N, 1]
    const rows = tf.reshape(x, [n, ...inner]); //                                      [N, ...inner]
    const keep = tf.reshape(tf.cast(valid, x.dtype), [n, ...inner.map(() => 1)]);
    const updates = tf.mul(rows, keep);
    return tf.scatterND(idx, updates, [numSegments, ...inner]); //                     [S, ...inner]
  });
}

export const unsortedSegmentSumKernel = tensorKernel('UnsortedSegmentSum', (inputs, attrs) =>
  unsortedSegmentSumVia(inputs.x!, inputs.segmentIds!, Number(attrs.numSegments)));
