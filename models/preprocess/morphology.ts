// Binary morphology with OpenCV's semantics, which the reference mask recipe is written in (spec §3.4):
// - a rectangular k×k kernel has its anchor at a = floor(k/2): output pixel x looks at input pixels
//   x−a … x+(k−1−a) (a 10×10 kernel: −5…+4), for dilation (max) and erosion (min) alike;
// - n iterations of a rectangle equal one rectangle reaching n times as far (OpenCV rewrites it so);
// - outside the image counts as "off" for dilation and "on" for erosion (morphologyDefaultBorderValue),
//   so erosion never eats in from the frame edge.
// Each pass is separable and uses running sums, so the cost does not grow with the kernel size.
import { emptyMask, type BinaryMask } from './binary_mask.ts';

/** Which input pixels (x−before … x+after) a k×k kernel applied `iterations` times reads for output x. */
export function kernelReach(k: number, iterations = 1): { before: number; after: number } {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`kernelReach: kernel size must be a positive integer, got ${k}`);
  if (!Number.isInteger(iterations) || iterations < 0) throw new RangeError(`kernelReach: iterations must be ≥ 0, got ${iterations}`);
  const a = Math.floor(k / 2);
  return { before: a * iterations, after: (k - 1 - a) * iterations };
}

/** Dilation by a k×k rectangle, `iterations` times (cv2.dilate(m, ones((k,k)), iterations)). */
export function dilate(m: BinaryMask, k: number, iterations = 1): BinaryMask {
  const { before, after } = kernelReach(k, iterations);
  return rectPass(rectPass(m, before, after, 'h', false), before, after, 'v', false);
}

/** Erosion by a k×k rectangle, `iterations` times (cv2.erode). */
export function erode(m: BinaryMask, k: number, iterations = 1): BinaryMask {
  const { before, after } = kernelReach(k, iterations);
  return rectPass(rectPass(m, before, after, 'h', true), before, after, 'v', true);
}

/** Dilation by a disc of radius r (Euclidean), for growing regions evenly in every direction. */
export function dilateDisc(m: BinaryMask, r: number): BinaryMask {
  if (r <= 0) return { ...m, data: new Uint8Array(m.data) };
  const { width: w, height: h } = m;
  const out = emptyMask(w, h);
  const R = Math.floor(r);
  const span: number[] = [];
  for (let dy = -R; dy <= R; dy++) span.push(Math.floor(Math.sqrt(r * r - dy * dy)));
  // Row-wise: for each on pixel of the input we would stamp a disc; instead, per output row, OR the
  // horizontally dilated input rows with the span for that vertical offset.
  const rowsH = new Map<number, Uint8Array>();
  const hRow = (dx: number): BinaryMask => rectPass(m, dx, dx, 'h', false);
  for (const s of new Set(span)) rowsH.set(s, hRow(s).data);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let dy = -R; dy <= R; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= h) continue;
      const src = rowsH.get(span[dy + R])!;
      const so = yy * w;
      for (let x = 0; x < w; x++) out.data[o + x] |= src[so + x];
    }
  }
  return out;
}

/**
 * One separable pass: output(x) = OR (or AND when `erodeMode`) of input over [x−lo, x+hi] along the
 * axis, with the outside counted as 0 (dilate) or 1 (erode).
 */
function rectPass(m: BinaryMask, lo: number, hi: number, axis: 'h' | 'v', erodeMode: boolean): BinaryMask {
  const { width: w, height: h } = m;
  const out = emptyMask(w, h);
  const n = axis === 'h' ? w : h;
  const lines = axis === 'h' ? h : w;
  const stride = axis === 'h' ? 1 : w;
  const prefix = new Int32Array(n + 1);
  for (let l = 0; l < lines; l++) {
    const base = axis === 'h' ? l * w : l;
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + m.data[base + i * stride];
    for (let i = 0; i < n; i++) {
      const a = i - lo;
      const b = i + hi;
      const s = prefix[Math.min(n, b + 1)] - prefix[Math.max(0, a)];
      if (erodeMode) {
        const inside = Math.min(n - 1, b) - Math.max(0, a) + 1; // pixels of the window inside the image
        out.data[base + i * stride] = s === inside ? 1 : 0;
      } else {
        out.data[base + i * stride] = s > 0 ? 1 : 0;
      }
    }
  }
  return out;
}
