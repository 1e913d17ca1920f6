// PIL's `ImageFilter.GaussianBlur(radius)` for 8-bit images, reimplemented from its documented
// algorithm so repaint (spec §1.6 step 9) blends with the same soft mask as the reference.
//
// What PIL's "radius" means: it is the standard deviation σ of the Gaussian, not a kernel half-width.
// PIL does not convolve with a sampled Gaussian. It approximates one with 3 successive box blurs per
// axis ("extended box blur", Gwosdek et al., SSVM 2011): each box has radius r = l + a, an integer
// part l plus a fractional weight a for the two pixels just outside, chosen so that the 3 boxes'
// combined variance equals σ²:
//   σ²ₚ = σ²/3,  L = √(12σ²ₚ + 1),  l = ⌊(L − 1)/2⌋,  a = (2l+1)(l(l+1) − 3σ²ₚ) / (6(σ²ₚ − (l+1)²)).
// One box pass: out[x] = (Σ_{|k|≤l} in[x+k] + a·(in[x−l−1] + in[x+l+1])) / (2r + 1), edges replicated,
// in 24-bit fixed point (weights ww = ⌊2²⁴/(2r+1)⌋ and fw = ⌊(2²⁴ − (2l+1)·ww)/2⌋, result rounded) and
// stored back to 8 bits after every pass. Three horizontal passes, then three vertical ones.
// The float steps are done in float32 (Math.fround) as PIL's C code does them.
// sharp's blur(σ) samples a true Gaussian instead, so it differs from PIL by a level or more on the
// edges of a mask; hence this small reimplementation.
import type { GreyImage } from './types.ts';
import { assertGreyImage } from './types.ts';

const PASSES = 3;

/** PIL's box radius l + a (float32) for a Gaussian of standard deviation `sigma` split into `passes` boxes. */
export function pilBoxRadius(sigma: number, passes = PASSES): number {
  const f = Math.fround;
  const sigma2 = f(f(sigma * sigma) / passes);
  const L = f(Math.sqrt(12 * sigma2 + 1));
  const l = f(Math.floor((L - 1) / 2));
  let a = f(f(2 * l + 1) * f(l * (l + 1) - f(3 * sigma2)));
  a = f(a / f(6 * f(sigma2 - (l + 1) * (l + 1))));
  return f(l + a);
}

/**
 * One box-blur pass along rows of a `width`×`rows` 8-bit buffer, in place via a line buffer.
 * `radius` is the fractional box radius from pilBoxRadius.
 */
function boxBlurRows(buf: Uint8Array, width: number, rows: number, radius: number): void {
  const l = Math.trunc(radius);
  const ww = Math.trunc(Math.fround(16777216 / Math.fround(Math.fround(radius * 2) + 1)));
  const fw = Math.floor((16777216 - (2 * l + 1) * ww) / 2);
  const last = width - 1;
  const line = new Uint8Array(width);
  const at = (row: number, i: number): number => buf[row + (i < 0 ? 0 : i > last ? last : i)];
  for (let y = 0; y < rows; y++) {
    const row = y * width;
    // Running sum of the 2l+1 central taps (clamped indices), for the position before x = 0.
    let acc = 0;
    for (let k = -l - 1; k <= l - 1; k++) acc += at(row, k);
    for (let x = 0; x < width; x++) {
      acc += at(row, x + l) - at(row, x - l - 1);
      const far = at(row, x - l - 1) + at(row, x + l + 1);
      line[x] = Math.floor((acc * ww + far * fw + 8388608) / 16777216);
    }
    buf.set(line, row);
  }
}

function transpose(src: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[x * height + y] = src[y * width + x];
  return out;
}

/** Blurs a single-channel 8-bit image like PIL's `img.filter(ImageFilter.GaussianBlur(sigma))`. */
export function pilGaussianBlur(img: GreyImage, sigma: number): GreyImage {
  assertGreyImage(img, 'pilGaussianBlur: img');
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`pilGaussianBlur: sigma must be a finite number ≥ 0, got ${sigma}`);
  const { width, height } = img;
  const r = pilBoxRadius(sigma);
  if (r === 0) return { data: new Uint8Array(img.data), width, height };
  const h = new Uint8Array(img.data);
  for (let i = 0; i < PASSES; i++) boxBlurRows(h, width, height, r); // horizontal
  const t = transpose(h, width, height); // [W, H]
  for (let i = 0; i < PASSES; i++) boxBlurRows(t, height, width, r); // vertical, as rows of the transpose
  return { data: transpose(t, height, width), width, height };
}
