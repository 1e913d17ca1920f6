// Nearest-neighbour resize with PyTorch's F.interpolate(mode='nearest') rule, NHWC:
// source index = min(floor(dst · in/out), in − 1) per axis (not 'nearest-exact'). Downsampling a
// 1024×768 mask or DensePose map to the 128×96 latent (factor 8) therefore takes pixel (8i, 8j).
// Forward: two gathers with int32 indices (exact copies). Backward (custom gradient, works on wasm where
// gather's own gradient needs the missing UnsortedSegmentSum): the adjoint as one-hot selection
// matrices, dx = Syᵀ · dy · Sx, summing the gradient of every output that copied a given source pixel.
import * as tf from '../tf.ts';
import { customOp } from './custom-op.ts';
import { linearMatrix, nearestAsTaps, nearestIndices } from './resize-taps.ts';
import { applySeparable } from './separable.ts';

/** Gradient of resizeNearest: dy [B, Ho, Wo, C] → dx [B, H, W, C] for an input of size [H, W]. */
export function resizeNearestBackward(dy: tf.Tensor4D, inSize: [number, number]): tf.Tensor4D {
  const [, Ho, Wo] = dy.shape;
  const [H, W] = inSize;
  return tf.tidy(() => {
    const syT = tf.tensor2d(linearMatrix(nearestAsTaps(nearestIndices(H, Ho)), H, true), [H, Ho]); // [H, Ho]
    const sx = tf.tensor2d(linearMatrix(nearestAsTaps(nearestIndices(W, Wo)), W, false), [Wo, W]); // [Wo, W]
    return applySeparable(dy, syT, sx); // [B, H, W, C]
  });
}

/**
 * x: [B, H, W, C] → [B, Ho, Wo, C], F.interpolate(size=(Ho, Wo), mode='nearest').
 * Works for any dtype forward; differentiable w.r.t. float x.
 */
export function resizeNearest(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`resizeNearest: x must be NHWC [B, H, W, C], got shape ${JSON.stringify(x.shape)}`);
  const [Ho, Wo] = size;
  const [H, W] = [x.shape[1], x.shape[2]];
  const rowIdx = nearestIndices(H, Ho); // validates the sizes
  const colIdx = nearestIndices(W, Wo);
  const forward = (input: tf.Tensor): tf.Tensor4D => tf.tidy(() => {
    const rows = tf.gather(input, tf.tensor1d(rowIdx, 'int32'), 1); // [B, Ho, W, C]
    return tf.gather(rows, tf.tensor1d(colIdx, 'int32'), 2) as tf.Tensor4D; // [B, Ho, Wo, C]
  });
  if (x.dtype !== 'float32') return forward(x);
  const op = customOp<tf.Tensor4D>(([input]) => ({
    value: forward(input!),
    gradFunc: (dy) => [resizeNearestBackward(dy, [H, W])],
  }));
  return op(x);
}
