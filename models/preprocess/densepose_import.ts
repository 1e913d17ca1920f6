// Importing a user's DensePose image: detect which of the three checkpoint layouts it is in, validate
// it, and normalise it to a DenseposeMap (part indices snapped to exact values: JPEG-saved maps carry
// compression noise that would otherwise feed the model colours it never saw).
//
// Detection, in order (each layout leaves a distinctive fingerprint):
//   'dresscode' every pixel grey (R = G = B) and at most 24: a near-black label map;
//   'pose'      blue (I) at most 24 everywhere while red/green (U, V) go above 24;
//   'vitonhd'   every non-black pixel close to one of the 24 Parula part colours.
import type { RgbImage } from '../image/index.ts';
import { assertRgbImage } from '../image/index.ts';
import type { DenseposeLayout, DenseposeMap } from './densepose_map.ts';
import { partColour } from './parula.ts';

/** Per-channel slack for lossy-compression noise when recognising a layout. */
export const IMPORT_TOLERANCE = Object.freeze({
  /** Max |R−G|, |G−B| for a grey (DressCode) pixel, and max excess over 24 for I values. */
  channel: 3,
  /** Max RGB distance from the nearest Parula part colour. */
  parula: 24,
  /** A pixel whose channels are all ≤ this is background in a Parula map. */
  black: 24,
  /** Fraction of pixels allowed to break a layout's rule (stray compression artefacts). */
  outliers: 0.005,
});

export class DenseposeImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DenseposeImportError';
    Object.setPrototypeOf(this, DenseposeImportError.prototype);
  }
}

export interface DenseposeImport {
  map: DenseposeMap;
  layout: DenseposeLayout;
  /** Pixels whose value changed when snapping to exact layout values (compression noise). */
  snappedPixels: number;
  warnings: string[];
}

const PARTS = Array.from({ length: 24 }, (_, k) => partColour(k + 1));

/**
 * Detects the layout of a DensePose image and returns its normalised map. Pass `expect` to insist on a
 * layout (an error names what was found instead).
 */
export function importDensepose(img: RgbImage, options: { expect?: DenseposeLayout; what?: string } = {}): DenseposeImport {
  const what = options.what ?? 'DensePose image';
  assertRgbImage(img, `importDensepose: ${what}`);
  const layout = detectLayout(img, what);
  if (options.expect && options.expect !== layout) {
    throw new DenseposeImportError(`${what}: expected a '${options.expect}' DensePose layout, but the image is in the '${layout}' layout`);
  }
  const n = img.width * img.height;
  const d = img.data;
  const parts = new Uint8Array(n);
  let u: Uint8Array | null = null;
  let v: Uint8Array | null = null;
  let snapped = 0;
  if (layout === 'dresscode') {
    for (let i = 0; i < n; i++) {
      const m = Math.round((d[3 * i] + d[3 * i + 1] + d[3 * i + 2]) / 3);
      parts[i] = Math.min(24, m);
      if (d[3 * i] !== parts[i] || d[3 * i + 1] !== parts[i] || d[3 * i + 2] !== parts[i]) snapped++;
    }
  } else if (layout === 'pose') {
    u = new Uint8Array(n);
    v = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const p = Math.min(24, d[3 * i + 2]);
      parts[i] = p;
      // U and V are meaningless on the background; zero them so noise does not leak into the model.
      u[i] = p ? d[3 * i] : 0;
      v[i] = p ? d[3 * i + 1] : 0;
      if (p !== d[3 * i + 2] || u[i] !== d[3 * i] || v[i] !== d[3 * i + 1]) snapped++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const p = nearestPart(d[3 * i], d[3 * i + 1], d[3 * i + 2]).part;
      parts[i] = p;
      const c = p ? PARTS[p - 1] : [0, 0, 0];
      if (c[0] !== d[3 * i] || c[1] !== d[3 * i + 1] || c[2] !== d[3 * i + 2]) snapped++;
    }
  }
  const warnings: string[] = [];
  const fg = parts.reduce((s, p) => s + (p ? 1 : 0), 0);
  if (fg === 0) warnings.push(`${what}: no body parts (all background); the model will get no pose guidance`);
  if (snapped > 0.02 * n) warnings.push(`${what}: ${snapped} pixels (${((100 * snapped) / n).toFixed(1)} %) were snapped to exact values; save DensePose maps as PNG, not JPEG`);
  return {
    map: { width: img.width, height: img.height, parts, u, v, source: 'imported', provenance: `imported ${layout} DensePose image` },
    layout,
    snappedPixels: snapped,
    warnings,
  };
}

/** Which layout an image is in, or a DenseposeImportError explaining why it is none of them. */
export function detectLayout(img: RgbImage, what = 'DensePose image'): DenseposeLayout {
  const n = img.width * img.height;
  const d = img.data;
  const T = IMPORT_TOLERANCE;
  let notGrey = 0;
  let blueOver = 0;
  let rgOver = 0;
  let parulaMiss = 0;
  let nonBlack = 0;
  for (let i = 0; i < n; i++) {
    const r = d[3 * i];
    const g = d[3 * i + 1];
    const b = d[3 * i + 2];
    if (Math.abs(r - g) > T.channel || Math.abs(g - b) > T.channel || Math.max(r, g, b) > 24 + T.channel) notGrey++;
    if (b > 24 + T.channel) blueOver++;
    if (r > 24 + T.channel || g > 24 + T.channel) rgOver++;
    if (Math.max(r, g, b) > T.black) {
      nonBlack++;
      if (nearestPart(r, g, b).distance > T.parula) parulaMiss++;
    }
  }
  const allowed = Math.floor(T.outliers * n);
  if (notGrey <= allowed) return 'dresscode';
  if (blueOver <= allowed && rgOver > allowed) return 'pose';
  if (nonBlack > 0 && parulaMiss <= Math.max(allowed, Math.floor(T.outliers * nonBlack))) return 'vitonhd';
  throw new DenseposeImportError(
    `${what}: not a DensePose image in any layout the checkpoints use. Expected one of: ` +
      `'vitonhd' (body parts in Parula colours on black; here ${parulaMiss} of ${nonBlack} coloured pixels match no part colour), ` +
      `'dresscode' (grey part indices 0…24; here ${notGrey} pixels are not), ` +
      `'pose' ([U, V, I] with I = blue ≤ 24; here ${blueOver} pixels have blue > 24)`,
  );
}

/** Nearest of background (black) and the 24 Parula part colours. */
function nearestPart(r: number, g: number, b: number): { part: number; distance: number } {
  let best = 0;
  let bestD = r * r + g * g + b * b;
  for (let k = 0; k < 24; k++) {
    const c = PARTS[k];
    const dd = (r - c[0]) ** 2 + (g - c[1]) ** 2 + (b - c[2]) ** 2;
    if (dd < bestD) {
      bestD = dd;
      best = k + 1;
    }
  }
  return { part: best, distance: Math.sqrt(bestD) };
}
