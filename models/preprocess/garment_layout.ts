// The reference's garment layout (spec §3.1, PR #43 `preprocess_garment_image`): bounding box of the
// alpha → square crop of side max(bw, bh) centred on it, shifted to stay inside the image → Lanczos
// resize to 768×768 → alpha-composite onto white 768×1024 at (0, 128). Generalised to any canvas: the
// square is min(W, H) wide, centred. Where the square cannot fit inside the image (a garment taller
// than the image is wide), the missing part is transparent, as PIL's crop beyond the edge gives.
import sharp from 'sharp';
import type { GreyImage, RgbImage } from '../image/index.ts';
import { DEFAULT_CANVAS } from '../image/index.ts';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Bounding box of alpha > 0 (PIL getbbox), or null when fully transparent. */
export function alphaBox(alpha: GreyImage): Box | null {
  let x0 = alpha.width;
  let y0 = alpha.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < alpha.height; y++) {
    for (let x = 0; x < alpha.width; x++) {
      if (alpha.data[y * alpha.width + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** The square crop around `box`, shifted to stay inside a w×h image where it can. */
export function squareAround(box: Box, w: number, h: number): Box {
  const side = Math.max(box.width, box.height);
  const place = (start: number, len: number, limit: number): number => {
    const centred = Math.round(start + len / 2 - side / 2);
    return side <= limit ? Math.max(0, Math.min(limit - side, centred)) : centred;
  };
  return { x: place(box.x, box.width, w), y: place(box.y, box.height, h), width: side, height: side };
}

/** Lays the garment out on a white canvas; returns the canvas and its alpha (where the garment is). */
export async function layoutGarment(
  rgb: RgbImage,
  alpha: GreyImage,
  canvas: { width: number; height: number } = DEFAULT_CANVAS,
): Promise<{ image: RgbImage; alpha: GreyImage; crop: Box }> {
  const box = alphaBox(alpha);
  if (!box) throw new RangeError('layoutGarment: the garment alpha is empty (fully transparent); expected a visible garment');
  const crop = squareAround(box, rgb.width, rgb.height);
  const side = Math.min(canvas.width, canvas.height);
  // RGBA of the square crop; outside the image stays transparent.
  const rgba = new Uint8Array(crop.width * crop.height * 4);
  for (let y = 0; y < crop.height; y++) {
    const sy = crop.y + y;
    if (sy < 0 || sy >= rgb.height) continue;
    for (let x = 0; x < crop.width; x++) {
      const sx = crop.x + x;
      if (sx < 0 || sx >= rgb.width) continue;
      const s = sy * rgb.width + sx;
      const d = (y * crop.width + x) * 4;
      rgba[d] = rgb.data[3 * s];
      rgba[d + 1] = rgb.data[3 * s + 1];
      rgba[d + 2] = rgb.data[3 * s + 2];
      rgba[d + 3] = alpha.data[s];
    }
  }
  // sharp premultiplies alpha while resampling, so transparent pixels do not bleed their colour.
  const scaled = await sharp(rgba, { raw: { width: crop.width, height: crop.height, channels: 4 } })
    .resize(side, side, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  const out = new Uint8Array(canvas.width * canvas.height * 3).fill(255);
  const outAlpha = new Uint8Array(canvas.width * canvas.height);
  const left = Math.floor((canvas.width - side) / 2);
  const top = Math.floor((canvas.height - side) / 2);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const s = (y * side + x) * 4;
      const a = scaled[s + 3] / 255;
      const d = (top + y) * canvas.width + left + x;
      for (let c = 0; c < 3; c++) out[3 * d + c] = Math.round(scaled[s + c] * a + 255 * (1 - a));
      outAlpha[d] = scaled[s + 3];
    }
  }
  return { image: { data: out, width: canvas.width, height: canvas.height }, alpha: { data: outAlpha, width: canvas.width, height: canvas.height }, crop };
}
