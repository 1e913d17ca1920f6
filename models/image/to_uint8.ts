// Decoder output → 8-bit RGB, exactly as the reference does it (Leffa pipeline step 8, fixture README
// §4.6): image_float = clamp(x/2 + 0.5, 0, 1) in float32, then (image_float·255).round() with NumPy's
// rounding (halves to even), then uint8.
import type * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from './types.ts';

/** A batch of 8-bit RGB images, NHWC: `data.length === batch·height·width·3`. */
export interface RgbBatch {
  data: Uint8Array;
  batch: number;
  height: number;
  width: number;
}

/** NumPy's round(): nearest integer, halves to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v); // halves up
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The reference's float → uint8 mapping for one value, in float32 steps:
 * a = fl(x/2), b = fl(a + 0.5), c = clamp(b, 0, 1), d = fl(c·255), round half to even.
 * NaN maps to 0 (NumPy's uint8 cast of NaN is undefined; 0 is the sane choice).
 */
export function floatToUint8(x: number): number {
  const f = Math.fround;
  let v = f(f(x * 0.5) + 0.5);
  if (!(v > 0)) return 0; // also NaN
  if (v > 1) v = 1;
  return roundHalfEven(f(v * 255));
}

/** Applies floatToUint8 element-wise (for data already read back, e.g. NHWC Float32Array). */
export function floatsToUint8(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToUint8(values[i]);
  return out;
}

/**
 * Decoded image tensor [B, H, W, 3] or [H, W, 3] (raw decoder output, nominally in [-1, 1]) → uint8
 * RGB batch. Reads the tensor synchronously (dataSync) and does the arithmetic in JavaScript with
 * float32 rounding at every step, so the result does not depend on the backend's round() kernel.
 * The caller keeps ownership of `t` (it is not disposed).
 */
export function tensorToImageUint8(t: tf.Tensor): RgbBatch {
  const shape = t.shape;
  const s4 = shape.length === 3 ? [1, ...shape] : shape;
  if (s4.length !== 4 || s4[3] !== 3) {
    throw new RangeError(`tensorToImageUint8: expected a tensor of shape [B, H, W, 3] or [H, W, 3] (NHWC), got [${shape.join(', ')}]`);
  }
  if (t.dtype !== 'float32') throw new TypeError(`tensorToImageUint8: expected a float32 tensor, got ${t.dtype}`);
  const data = floatsToUint8(t.dataSync() as Float32Array);
  return { data, batch: s4[0], height: s4[1], width: s4[2] };
}

/** Item `index` of a batch as an RgbImage (a view on the batch's buffer, not a copy). */
export function batchItem(batch: RgbBatch, index: number): RgbImage {
  if (!Number.isInteger(index) || index < 0 || index >= batch.batch) {
    throw new RangeError(`batchItem: index must be an integer in [0, ${batch.batch}), got ${index}`);
  }
  const per = batch.height * batch.width * 3;
  return { data: batch.data.subarray(index * per, (index + 1) * per), width: batch.width, height: batch.height };
}
