// Which pixels of a flat-lay garment photo are garment. Two sources, best first:
//   'alpha'       the file's own alpha channel (cut-out PNGs), when it actually has transparency;
//   'background'  for an opaque photo on a plain backdrop: the backdrop colour is the median of the
//                 border pixels, the backdrop is flood-filled from the border through pixels close to
//                 that colour, the rest is garment; the largest piece is kept and its holes filled.
// The flood fill (rather than a global colour threshold) keeps white prints on a white shirt: they do
// not touch the border, so they stay garment.
import type { GreyImage, RgbImage } from '../image/index.ts';
import { countOn, emptyMask, invert, type BinaryMask } from './binary_mask.ts';
import { components, fillHoles, floodFromBorder, largestComponent } from './regions.ts';

export interface ForegroundOptions {
  /** RGB distance from the backdrop colour still counted as backdrop (default 40). */
  backgroundTolerance?: number;
  /** Alpha at or above which a pixel is garment (default 128). */
  alphaThreshold?: number;
}

export interface GarmentForeground {
  mask: BinaryMask;
  source: 'alpha' | 'background';
  /** Backdrop colour (flood mode) or null (alpha mode). */
  background: [number, number, number] | null;
  /** Share of border pixels that do not look like the backdrop (0 = perfectly plain backdrop). */
  borderClutter: number;
  /** Foreground pieces larger than 0.5 % of the image, before keeping the largest. */
  largePieces: number;
}

export function garmentForeground(rgb: RgbImage, alpha: GreyImage | null, options: ForegroundOptions = {}): GarmentForeground {
  const { width: w, height: h } = rgb;
  const alphaThreshold = options.alphaThreshold ?? 128;
  if (alpha && hasTransparency(alpha)) {
    const m = emptyMask(w, h);
    for (let i = 0; i < m.data.length; i++) m.data[i] = alpha.data[i] >= alphaThreshold ? 1 : 0;
    return finish(m, 'alpha', null, 0);
  }
  const tol = options.backgroundTolerance ?? 40;
  const bg = borderMedian(rgb);
  const d = rgb.data;
  const near = (i: number): boolean => {
    const dr = d[3 * i] - bg[0];
    const dg = d[3 * i + 1] - bg[1];
    const db = d[3 * i + 2] - bg[2];
    return dr * dr + dg * dg + db * db <= tol * tol;
  };
  let far = 0;
  let border = 0;
  forBorder(w, h, (i) => {
    border++;
    if (!near(i)) far++;
  });
  const backdrop = floodFromBorder(w, h, near);
  return finish(invert(backdrop), 'background', bg, far / Math.max(border, 1));
}

function finish(m: BinaryMask, source: GarmentForeground['source'], bg: GarmentForeground['background'], clutter: number): GarmentForeground {
  const { sizes } = components(m);
  const big = sizes.slice(1).filter((s) => s > 0.005 * m.width * m.height).length;
  const mask = countOn(m) === 0 ? m : fillHoles(largestComponent(m));
  return { mask, source, background: bg, borderClutter: clutter, largePieces: big };
}

/** True when at least 0.5 % of the pixels are noticeably transparent. */
function hasTransparency(alpha: GreyImage): boolean {
  let n = 0;
  for (let i = 0; i < alpha.data.length; i++) if (alpha.data[i] < 250) n++;
  return n >= 0.005 * alpha.data.length;
}

function forBorder(w: number, h: number, fn: (i: number) => void): void {
  for (let x = 0; x < w; x++) {
    fn(x);
    if (h > 1) fn((h - 1) * w + x);
  }
  for (let y = 1; y < h - 1; y++) {
    fn(y * w);
    if (w > 1) fn(y * w + w - 1);
  }
}

/** Per-channel median of the border pixels: the backdrop colour, robust to a garment touching the edge. */
function borderMedian(rgb: RgbImage): [number, number, number] {
  const hist = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  let n = 0;
  forBorder(rgb.width, rgb.height, (i) => {
    n++;
    for (let c = 0; c < 3; c++) hist[c][rgb.data[3 * i + c]]++;
  });
  return hist.map((hc) => {
    let acc = 0;
    for (let v = 0; v < 256; v++) {
      acc += hc[v];
      if (acc * 2 >= n) return v;
    }
    return 255;
  }) as [number, number, number];
}
