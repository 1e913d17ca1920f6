// Images → model input tensors (spec §3.7, Leffa `leffa/transform.py: LeffaTransform`), NHWC float32.
//
// diffusers' VaeImageProcessor does `np.asarray(img).astype(float32) / 255.0` then `2.0 * x - 1.0` in
// float32. Because ×2 and ÷2 are exact in binary floating point, fl(fl(v/255)·2 − 1),
// fl(fl(v/127.5) − 1) and fl((fl(v/255) − 0.5)/0.5) are the same float32 for every v ∈ 0…255, so one
// 256-entry table gives bit-exact parity with all three spellings. (Math.fround(v/255) is also the
// correctly rounded float32 quotient: v/255 has a period-8 binary expansion, so the double result can
// never sit on a float32 rounding tie.)
import * as tf from '@tensorflow/tfjs-core';
import type { GreyImage, RgbImage } from './types.ts';
import { assertRgbImage } from './types.ts';
import { asGrey } from './grey.ts';

/** v ∈ 0…255 → float32(float32(v/255)·2 − 1): the [-1, 1] value diffusers feeds the VAE. */
const IMAGE_LUT = buildLut((v) => Math.fround(Math.fround(v / 255) * 2 - 1));

/** DensePose I channel (part index 0…24) → float32(float32(I/24)·2 − 1), the training-time normalisation. */
const PART_LUT = buildLut((v) => Math.fround(Math.fround(v / 24) * 2 - 1));

function buildLut(f: (v: number) => number): Float32Array {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = f(v);
  return lut;
}

/** Lists one image or a batch, checking they all share one size. */
function batchOf<T extends { width: number; height: number }>(imgs: T | T[], what: string): T[] {
  const list = Array.isArray(imgs) ? imgs : [imgs];
  if (list.length === 0) throw new RangeError(`${what}: expected at least one image, got an empty batch`);
  const { width, height } = list[0];
  list.forEach((im, i) => {
    if (im.width !== width || im.height !== height) {
      throw new RangeError(`${what}: batch item ${i} is ${im.width}×${im.height}, expected ${width}×${height} like item 0`);
    }
  });
  return list;
}

/** RGB image(s) → float32 [B, H, W, 3] in [-1, 1] (VaeImageProcessor.preprocess parity). */
export function imageToTensor(imgs: RgbImage | RgbImage[]): tf.Tensor4D {
  const list = batchOf(imgs, 'imageToTensor');
  list.forEach((im, i) => assertRgbImage(im, `imageToTensor: image ${i}`));
  const { width, height } = list[0];
  const per = width * height * 3;
  const buf = new Float32Array(per * list.length);
  list.forEach((im, b) => {
    const d = im.data;
    for (let i = 0; i < per; i++) buf[b * per + i] = IMAGE_LUT[d[i]];
  });
  return tf.tidy(() => tf.tensor4d(buf, [list.length, height, width, 3], 'float32')); // [B, H, W, 3]
}

/**
 * Mask image(s) → float32 [B, H, W, 1] ∈ {0, 1}, 1 = region to generate. As diffusers' mask processor
 * (do_convert_grayscale, do_binarize, no normalise): RGB → PIL 'L', /255, then ≥ 0.5 → 1 else 0,
 * i.e. grey level ≥ 128 → 1.
 */
export function maskToTensor(masks: GreyImage | RgbImage | (GreyImage | RgbImage)[]): tf.Tensor4D {
  const list = batchOf(masks, 'maskToTensor').map((m, i) => asGrey(m, `maskToTensor: mask ${i}`));
  const { width, height } = list[0];
  const per = width * height;
  const buf = new Float32Array(per * list.length);
  list.forEach((m, b) => {
    for (let i = 0; i < per; i++) buf[b * per + i] = m.data[i] / 255 >= 0.5 ? 1 : 0;
  });
  return tf.tidy(() => tf.tensor4d(buf, [list.length, height, width, 1], 'float32')); // [B, H, W, 1]
}

/**
 * How a DensePose image is normalised (spec §3.6–3.7).
 * - 'image': the app's path for all three models (VTON HD Parula map, DC I-map, PT [U,V,I] map):
 *   exactly like a photo, v/127.5 − 1. Bit-exact parity with the released app. For the pose-transfer
 *   model this squeezes the part index into [−1, −0.81] (probably a bug upstream, but it is what the
 *   released inference code feeds the released weights).
 * - 'iuv-training': the WIP training code's `prepare_densepose` for an [U, V, I] uint8 image: U and V
 *   /255, I /24, each then ×2 − 1, so all three channels span [−1, 1]. Channel order is kept. Use it
 *   only for a pose model trained with this normalisation.
 */
export type DenseposeFormat = 'image' | 'iuv-training';

/** DensePose image(s) → float32 [B, H, W, 3]. See DenseposeFormat. */
export function denseposeToTensor(imgs: RgbImage | RgbImage[], format: DenseposeFormat = 'image'): tf.Tensor4D {
  if (format === 'image') return imageToTensor(imgs);
  if (format !== 'iuv-training') {
    throw new RangeError(`denseposeToTensor: format must be 'image' or 'iuv-training', got ${String(format)}`);
  }
  const list = batchOf(imgs, 'denseposeToTensor');
  list.forEach((im, i) => assertRgbImage(im, `denseposeToTensor: image ${i}`));
  const { width, height } = list[0];
  const n = width * height;
  const buf = new Float32Array(n * 3 * list.length);
  list.forEach((im, b) => {
    const d = im.data;
    const o = b * n * 3;
    for (let p = 0; p < n * 3; p += 3) {
      const part = d[p + 2];
      if (part > 24) {
        throw new RangeError(`denseposeToTensor('iuv-training'): image ${b} has part index ${part} at pixel ${p / 3} (channel 2 = I), expected 0…24`);
      }
      buf[o + p] = IMAGE_LUT[d[p]]; // U/255·2 − 1
      buf[o + p + 1] = IMAGE_LUT[d[p + 1]]; // V/255·2 − 1
      buf[o + p + 2] = PART_LUT[part]; // I/24·2 − 1
    }
  });
  return tf.tidy(() => tf.tensor4d(buf, [list.length, height, width, 3], 'float32')); // [B, H, W, 3]
}
