// Channel conversions between RGB and single-channel 8-bit images.
import type { GreyImage, RgbImage } from './types.ts';
import { assertGreyImage, assertRgbImage } from './types.ts';

/**
 * RGB → luminance exactly as PIL's `Image.convert('L')` (ITU-R 601-2 weights in 16-bit fixed point,
 * rounded): L = (R·19595 + G·38470 + B·7471 + 0x8000) >> 16. diffusers' mask processor
 * (`do_convert_grayscale`) goes through this conversion, so an RGB mask binarises the same way here.
 */
export function rgbToGrey(img: RgbImage, what = 'image'): GreyImage {
  assertRgbImage(img, what);
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = (d[j] * 19595 + d[j + 1] * 38470 + d[j + 2] * 7471 + 0x8000) >>> 16;
  }
  return { data: out, width: img.width, height: img.height };
}

/** Single channel → RGB by replicating the value into R, G and B (OpenCV COLOR_GRAY2RGB). */
export function greyToRgb(img: GreyImage, what = 'image'): RgbImage {
  assertGreyImage(img, what);
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const v = img.data[i];
    out[j] = v;
    out[j + 1] = v;
    out[j + 2] = v;
  }
  return { data: out, width: img.width, height: img.height };
}

/** Accepts either kind of mask image and returns its single-channel form (RGB via PIL's 'L' rule). */
export function asGrey(img: GreyImage | RgbImage, what = 'mask'): GreyImage {
  if (img && img.data && img.data.length === img.width * img.height * 3 && img.width * img.height > 0) {
    return rgbToGrey(img as RgbImage, what);
  }
  assertGreyImage(img as GreyImage, what);
  return img as GreyImage;
}
