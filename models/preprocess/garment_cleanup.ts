// Garment clean-up for flat-lay photos and cut-outs: garment mask (own alpha or plain-backdrop flood
// fill), the reference's layout on a white 768×1024 canvas, and warnings for inputs that are likely to
// give poor try-ons (too small, cut off by the frame, busy background).
import { DEFAULT_MAX_PIXELS, loadImage, type GreyImage, type RgbImage } from '../image/index.ts';
import { countOn, toGrey } from './binary_mask.ts';
import { garmentForeground, type ForegroundOptions } from './garment_foreground.ts';
import { alphaBox, layoutGarment, type Box } from './garment_layout.ts';
import { readAlpha } from './read_alpha.ts';

export type GarmentWarningCode = 'too-small' | 'cut-off' | 'cluttered';

export interface GarmentWarning {
  code: GarmentWarningCode;
  message: string;
}

/** Thresholds behind the warnings (documented in README.md). */
export const GARMENT_CHECKS = Object.freeze({
  /** The garment's longer side in source pixels below which it is upscaled too much (768 / 256 = 3×). */
  minSide: 256,
  /** Garment area as a share of the image below which it is "too small" in the frame. */
  minAreaShare: 0.05,
  /** Share of one image edge covered by garment above which it is "cut off". */
  maxEdgeShare: 0.02,
  /** Share of border pixels unlike the backdrop colour above which the background is "cluttered". */
  maxBorderClutter: 0.15,
  /** Number of large separate foreground pieces from which the background is "cluttered". */
  maxLargePieces: 3,
});

export class GarmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GarmentError';
    Object.setPrototypeOf(this, GarmentError.prototype);
  }
}

export interface CleanGarment {
  /** The garment on a white canvas (default 768×1024), ready for imageToTensor. */
  image: RgbImage;
  /** Garment coverage on that canvas (0…255). */
  alpha: GreyImage;
  /** Garment mask at the source resolution (0 / 255). */
  sourceMask: GreyImage;
  source: 'alpha' | 'background';
  /** Garment bounding box in source pixels, and the square that was cropped. */
  box: Box;
  crop: Box;
  warnings: GarmentWarning[];
}

export interface CleanGarmentOptions extends ForegroundOptions {
  canvas?: { width: number; height: number };
  maxPixels?: number;
}

/** Loads a garment image file (or bytes) and cleans it up. */
export async function cleanGarmentFile(input: string | Uint8Array, options: CleanGarmentOptions = {}): Promise<CleanGarment> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const rgb = await loadImage(input, { what: 'garment image', alpha: 'white', maxPixels });
  const alpha = rgb.hadAlpha ? await readAlpha(input, maxPixels) : null;
  return cleanGarment(rgb, alpha, options);
}

/** Cleans up a decoded garment (RGB, composited on white where transparent) with its optional alpha. */
export async function cleanGarment(rgb: RgbImage, alpha: GreyImage | null, options: CleanGarmentOptions = {}): Promise<CleanGarment> {
  if (alpha && (alpha.width !== rgb.width || alpha.height !== rgb.height)) {
    throw new RangeError(`cleanGarment: alpha is ${alpha.width}×${alpha.height}, expected the image's ${rgb.width}×${rgb.height}`);
  }
  const fg = garmentForeground(rgb, alpha, options);
  const area = countOn(fg.mask);
  const n = rgb.width * rgb.height;
  if (area < 0.001 * n || area > 0.995 * n) {
    throw new GarmentError(
      `garment image: no garment found (${((100 * area) / n).toFixed(1)} % of the image differs from the ${fg.source === 'alpha' ? 'transparent area' : 'backdrop'}); expected a garment on a plain background or a cut-out PNG`,
    );
  }
  const sourceMask = toGrey(fg.mask);
  const box = alphaBox(sourceMask)!;
  const warnings = garmentWarnings(fg.mask.data, rgb.width, rgb.height, box, area, fg.borderClutter, fg.largePieces, fg.source);
  // Alpha mode keeps the file's soft edges; background mode uses the binary mask.
  const layoutAlpha = fg.source === 'alpha' && alpha ? maskedAlpha(alpha, fg.mask.data) : sourceMask;
  const laid = await layoutGarment(rgb, layoutAlpha, options.canvas);
  return { image: laid.image, alpha: laid.alpha, sourceMask, source: fg.source, box, crop: laid.crop, warnings };
}

/** The file's alpha, restricted to the kept garment piece (stray specks elsewhere dropped). */
function maskedAlpha(alpha: GreyImage, keep: Uint8Array): GreyImage {
  const out = new Uint8Array(alpha.data.length);
  for (let i = 0; i < out.length; i++) out[i] = keep[i] ? alpha.data[i] : 0;
  return { data: out, width: alpha.width, height: alpha.height };
}

function garmentWarnings(
  m: Uint8Array,
  w: number,
  h: number,
  box: Box,
  area: number,
  clutter: number,
  pieces: number,
  source: CleanGarment['source'],
): GarmentWarning[] {
  const C = GARMENT_CHECKS;
  const out: GarmentWarning[] = [];
  const side = Math.max(box.width, box.height);
  if (side < C.minSide || area < C.minAreaShare * w * h) {
    out.push({
      code: 'too-small',
      message: `garment is small: ${box.width}×${box.height} px, ${((100 * area) / (w * h)).toFixed(1)} % of the image (want ≥ ${C.minSide} px and ≥ ${100 * C.minAreaShare} %); it will be upscaled and look soft`,
    });
  }
  const edges: [string, number, number][] = [
    ['top', count(w, (x) => m[x]), w],
    ['bottom', count(w, (x) => m[(h - 1) * w + x]), w],
    ['left', count(h, (y) => m[y * w]), h],
    ['right', count(h, (y) => m[y * w + w - 1]), h],
  ];
  const cut = edges.filter(([, c, len]) => c > C.maxEdgeShare * len).map(([name]) => name);
  if (cut.length > 0) out.push({ code: 'cut-off', message: `garment touches the ${cut.join(' and ')} edge of the photo; part of it may be cut off` });
  if (source === 'background' && (clutter > C.maxBorderClutter || pieces >= C.maxLargePieces)) {
    out.push({
      code: 'cluttered',
      message: `background is not plain (${(100 * clutter).toFixed(0)} % of the border differs from the backdrop colour, ${pieces} separate large objects); the garment outline may be wrong — use a plain backdrop or a cut-out PNG`,
    });
  }
  return out;
}

function count(n: number, on: (i: number) => number): number {
  let c = 0;
  for (let i = 0; i < n; i++) c += on(i);
  return c;
}
