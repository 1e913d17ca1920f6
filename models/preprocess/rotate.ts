// Quarter-turn rotation of RGB / grey images and of points, for photos of people lying down or shot
// sideways without an EXIF orientation tag: the pose models are trained on upright people, so the
// analysis turns the image until the torso points up, runs the models, and turns the results back.
import type { GreyImage, RgbImage } from '../image/index.ts';
import type { Point } from './keypoints.ts';

/** Number of clockwise quarter turns, 0…3. */
export type QuarterTurns = 0 | 1 | 2 | 3;

/** Rotates an interleaved image clockwise by k quarter turns. */
export function rotateImage<T extends RgbImage | GreyImage>(img: T, k: QuarterTurns, channels: 1 | 3): T {
  if (k === 0) return img;
  const { width: w, height: h, data } = img;
  const W = k % 2 === 1 ? h : w;
  const H = k % 2 === 1 ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Clockwise: (x, y) → (h−1−y, x); twice: (w−1−x, h−1−y); three times: (y, w−1−x).
      const [X, Y] = k === 1 ? [h - 1 - y, x] : k === 2 ? [w - 1 - x, h - 1 - y] : [y, w - 1 - x];
      const s = (y * w + x) * channels;
      const d = (Y * W + X) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = data[s + c];
    }
  }
  return { ...img, data: out, width: W, height: H };
}

/**
 * Maps a continuous point (pixel-edge convention) of the ROTATED image back to the original image of
 * size w×h, undoing k clockwise quarter turns.
 */
export function unrotatePoint(p: Point, k: QuarterTurns, w: number, h: number): Point {
  switch (k) {
    case 0:
      return { x: p.x, y: p.y };
    case 1: // rotated (X, Y) = (h − y, x)  ⇒  x = Y, y = h − X
      return { x: p.y, y: h - p.x };
    case 2:
      return { x: w - p.x, y: h - p.y };
    case 3: // rotated (X, Y) = (y, w − x)  ⇒  x = w − Y, y = X
      return { x: w - p.y, y: p.x };
  }
}

/** Inverse of k clockwise turns = 4 − k clockwise turns. */
export function inverseTurns(k: QuarterTurns): QuarterTurns {
  return ((4 - k) % 4) as QuarterTurns;
}
