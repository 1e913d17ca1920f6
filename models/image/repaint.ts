// Repaint (spec §1.6 step 9, the reference's `repaint` option): paste the generated pixels into the source
// photo through a softened mask, so everything outside the try-on region keeps its exact pixels.
//   radius = h // 100, bumped to the next odd number (h = 1024 → 11; h = 64 → 1)
//   m      = PIL GaussianBlur(radius)(binary mask as 8-bit image) / 255      (float64)
//   out    = uint8(src·(1 − m) + gen·m)                                     (truncation, as NumPy astype)
// The arithmetic is float64 in the same order as NumPy, so results match the reference bit for bit.
import type { GreyImage, RgbImage } from './types.ts';
import { assertRgbImage } from './types.ts';
import { asGrey } from './grey.ts';
import { pilGaussianBlur } from './pil_gaussian_blur.ts';

/** The reference's blur radius for an image of height h: h // 100, plus one if even. */
export function repaintRadius(height: number): number {
  const k = Math.floor(height / 100);
  return k % 2 === 0 ? k + 1 : k;
}

export interface RepaintOptions {
  /** Override the blur radius (PIL σ); default repaintRadius(gen.height). */
  radius?: number;
}

/**
 * Blends `gen` into `src` through `mask` (255/1… = generated region; an RGB mask is read through PIL's
 * 'L' conversion, which leaves a grey-valued RGB mask unchanged). All three must have the same size.
 */
export function repaint(src: RgbImage, gen: RgbImage, mask: GreyImage | RgbImage, options: RepaintOptions = {}): RgbImage {
  assertRgbImage(src, 'repaint: src');
  assertRgbImage(gen, 'repaint: gen');
  const m8 = asGrey(mask, 'repaint: mask');
  for (const [name, im] of [['src', src], ['mask', m8]] as const) {
    if (im.width !== gen.width || im.height !== gen.height) {
      throw new RangeError(`repaint: ${name} is ${im.width}×${im.height}, expected the generated image's size ${gen.width}×${gen.height}`);
    }
  }
  const radius = options.radius ?? repaintRadius(gen.height);
  const blurred = pilGaussianBlur(m8, radius).data;
  const out = new Uint8Array(src.data.length);
  const s = src.data;
  const g = gen.data;
  for (let i = 0, p = 0; i < blurred.length; i++, p += 3) {
    const m = blurred[i] / 255;
    const keep = 1 - m;
    // NumPy: person_np * (1 - mask_np) + result_np * mask_np, then astype(uint8) (truncates).
    out[p] = Math.trunc(s[p] * keep + g[p] * m);
    out[p + 1] = Math.trunc(s[p + 1] * keep + g[p + 1] * m);
    out[p + 2] = Math.trunc(s[p + 2] * keep + g[p + 2] * m);
  }
  return { data: out, width: gen.width, height: gen.height };
}
