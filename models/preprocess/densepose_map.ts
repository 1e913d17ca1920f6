// The DensePose data the checkpoints consume, independent of how it is drawn: per pixel a part index I
// (0…24) and chart coordinates U, V (0…255). Rendering to each checkpoint's image layout (spec §3.6):
//   'vitonhd'   fine segmentation through OpenCV's Parula colormap, background black (VITON-HD model)
//   'dresscode' I replicated to three channels, raw 0…24 (DressCode model)
//   'pose'      [U, V, I] as R, G, B (pose-transfer model)
import { computePlacement, type CanvasPlacement, type RgbImage } from '../image/index.ts';
import { partColour } from './parula.ts';

export type DenseposeLayout = 'vitonhd' | 'dresscode' | 'pose';
export const DENSEPOSE_LAYOUTS: readonly DenseposeLayout[] = ['vitonhd', 'dresscode', 'pose'];

export interface DenseposeMap {
  width: number;
  height: number;
  /** Part index per pixel, 0 = background. */
  parts: Uint8Array;
  /** Chart coordinates per pixel (0 on background); null when the source had none (Parula or I-only maps). */
  u: Uint8Array | null;
  v: Uint8Array | null;
  /** Where the data came from. Approximated maps are a stand-in, not a DensePose model's output. */
  source: 'imported' | 'approximated';
  /** One line for logs, UIs and PNG metadata. */
  provenance: string;
}

const PALETTE: [number, number, number][] = Array.from({ length: 25 }, (_, i) => partColour(i));

/** Draws the map in a checkpoint's layout. 'pose' needs U and V. */
export function renderDensepose(map: DenseposeMap, layout: DenseposeLayout): RgbImage {
  const n = map.width * map.height;
  const out = new Uint8Array(n * 3);
  if (layout === 'vitonhd') {
    for (let i = 0; i < n; i++) out.set(PALETTE[map.parts[i]], 3 * i);
  } else if (layout === 'dresscode') {
    for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = map.parts[i];
  } else if (layout === 'pose') {
    if (!map.u || !map.v) {
      throw new RangeError(`renderDensepose: the 'pose' layout needs U and V, but this map (${map.provenance}) has only part indices`);
    }
    for (let i = 0; i < n; i++) {
      out[3 * i] = map.u[i];
      out[3 * i + 1] = map.v[i];
      out[3 * i + 2] = map.parts[i];
    }
  } else {
    throw new RangeError(`renderDensepose: layout must be one of ${DENSEPOSE_LAYOUTS.join(', ')}, got ${String(layout)}`);
  }
  return { data: out, width: map.width, height: map.height };
}

/** Nearest-neighbour resize (labels must never be interpolated). */
export function resizeDensepose(map: DenseposeMap, width: number, height: number): DenseposeMap {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`resizeDensepose: size must be positive integers, got ${width}×${height}`);
  }
  const pick = (src: Uint8Array | null): Uint8Array | null => {
    if (!src) return null;
    const out = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      const sy = Math.min(map.height - 1, Math.floor(((y + 0.5) * map.height) / height));
      for (let x = 0; x < width; x++) {
        const sx = Math.min(map.width - 1, Math.floor(((x + 0.5) * map.width) / width));
        out[y * width + x] = src[sy * map.width + sx];
      }
    }
    return out;
  };
  return { ...map, width, height, parts: pick(map.parts)!, u: pick(map.u), v: pick(map.v) };
}

/**
 * Places a map of the photo onto the model canvas the way fitToCanvas places the photo (same
 * placement), with nearest-neighbour resizing and BLACK padding (background = part 0), not white.
 */
export function fitDenseposeToCanvas(map: DenseposeMap, placement?: CanvasPlacement): { map: DenseposeMap; placement: CanvasPlacement } {
  const p = placement ?? computePlacement(map.width, map.height);
  const r = resizeDensepose(map, p.resizedWidth, p.resizedHeight);
  const W = p.canvasWidth;
  const paste = (src: Uint8Array | null): Uint8Array | null => {
    if (!src) return null;
    const out = new Uint8Array(W * p.canvasHeight);
    for (let y = 0; y < p.resizedHeight; y++) {
      out.set(src.subarray(y * p.resizedWidth, (y + 1) * p.resizedWidth), (p.top + y) * W + p.left);
    }
    return out;
  };
  return {
    map: { ...map, width: W, height: p.canvasHeight, parts: paste(r.parts)!, u: paste(r.u), v: paste(r.v) },
    placement: p,
  };
}

/** PNG text entries that label a rendered map with its provenance (write them with writePng's `text`). */
export function denseposePngText(map: DenseposeMap, layout: DenseposeLayout): Record<string, string> {
  return { 'leffa:densepose': `${map.source}; layout=${layout}; ${map.provenance}` };
}
