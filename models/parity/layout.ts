// Layout conversions between the fixtures (PyTorch NCHW) and the engine (NHWC).
import * as tf from '../tf.ts';
import type { ProducedTensor } from './types.ts';

/** NCHW data -> NHWC tensor. [B,C,H,W] -> [B,H,W,C] */
export function fromNCHW(data: Float32Array, shape: number[]): tf.Tensor4D {
  return tf.tidy(() => tf.tensor4d(data, shape as [number, number, number, number]).transpose([0, 2, 3, 1]));
}

/** NHWC tensor -> NCHW produced tensor (data read back). [B,H,W,C] -> [B,C,H,W] */
export function toNCHW(t: tf.Tensor): ProducedTensor {
  const n = tf.tidy(() => t.transpose([0, 3, 1, 2]));
  const out = { shape: n.shape.slice(), data: n.dataSync() as Float32Array };
  n.dispose();
  return out;
}

/** A tensor read back as is. */
export function asIs(t: tf.Tensor): ProducedTensor {
  return { shape: t.shape.slice(), data: t.dataSync() as Float32Array };
}
