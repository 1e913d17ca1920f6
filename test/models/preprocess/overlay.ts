// Test-only overlays: a photo with a mask tinted over it and landmarks drawn as dots, written as PNGs
// under test-results/preprocess/ so a person can look at what the tests asserted.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GreyImage, RgbImage } from '../../../models/image/index.ts';
import { writePng } from '../../../models/image/index.ts';
import { repoRoot } from '../../helpers/fixtures.ts';

export const overlayDir = join(repoRoot, 'test-results', 'preprocess');

/** Copy of `img` with `mask` (same size, ≥128 = on) tinted in `rgb` at 50 %. */
export function tint(img: RgbImage, mask: GreyImage, rgb: [number, number, number], alpha = 0.5): RgbImage {
  const out = new Uint8Array(img.data);
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i] < 128) continue;
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round(out[3 * i + c] * (1 - alpha) + rgb[c] * alpha);
  }
  return { data: out, width: img.width, height: img.height };
}

/** Draws filled squares of side 2r+1 at the points (in place). */
export function dots(img: RgbImage, pts: { x: number; y: number }[], rgb: [number, number, number], r = 3): RgbImage {
  for (const p of pts) {
    const cx = Math.floor(p.x);
    const cy = Math.floor(p.y);
    for (let y = cy - r; y <= cy + r; y++) {
      for (let x = cx - r; x <= cx + r; x++) {
        if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
        img.data.set(rgb, (y * img.width + x) * 3);
      }
    }
  }
  return img;
}

/** Two images side by side (same height), for before/after overlays. */
export function sideBySide(a: RgbImage, b: RgbImage): RgbImage {
  if (a.height !== b.height) throw new RangeError('sideBySide: heights differ');
  const w = a.width + b.width;
  const out = new Uint8Array(w * a.height * 3);
  for (let y = 0; y < a.height; y++) {
    out.set(a.data.subarray(y * a.width * 3, (y + 1) * a.width * 3), y * w * 3);
    out.set(b.data.subarray(y * b.width * 3, (y + 1) * b.width * 3), (y * w + a.width) * 3);
  }
  return { data: out, width: w, height: a.height };
}

export async function saveOverlay(name: string, img: RgbImage): Promise<string> {
  await mkdir(overlayDir, { recursive: true });
  const path = join(overlayDir, name);
  await writePng(path, img.data, img.width, img.height);
  return path;
}
