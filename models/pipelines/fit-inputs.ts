// Puts a mask or DensePose image given at the person photo's resolution onto the model canvas with the
// photo's placement. Label images must not be interpolated (a DensePose part colour or a mask edge would
// blend into values that mean nothing), so this uses nearest sampling; the padding is "nothing": 0.
import type { CanvasPlacement, GreyImage, RgbImage } from '../image/index.ts';

function checkAspect(what: string, w: number, h: number, p: CanvasPlacement): void {
  const a = w / h;
  const b = p.sourceWidth / p.sourceHeight;
  if (Math.abs(a - b) > 0.01 * b) {
    throw new RangeError(`${what} is ${w}x${h}; expected the person photo's size ${p.sourceWidth}x${p.sourceHeight} (or the same aspect ratio)`);
  }
}

/** Nearest-neighbour placement of an image with `channels` samples per pixel onto a zero canvas. */
export function fitLabelImage<T extends RgbImage | GreyImage>(img: T, channels: 1 | 3, p: CanvasPlacement, what: string): T {
  if (img.data.length !== img.width * img.height * channels) {
    throw new RangeError(`${what}: ${img.data.length} bytes for ${img.width}x${img.height}, expected ${channels} channel(s)`);
  }
  checkAspect(what, img.width, img.height, p);
  const W = p.canvasWidth;
  const out = new Uint8Array(W * p.canvasHeight * channels);
  for (let y = 0; y < p.resizedHeight; y++) {
    const sy = Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / p.resizedHeight));
    for (let x = 0; x < p.resizedWidth; x++) {
      const sx = Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / p.resizedWidth));
      const src = (sy * img.width + sx) * channels;
      const dst = ((p.top + y) * W + p.left + x) * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = img.data[src + c]!;
    }
  }
  return { data: out, width: W, height: p.canvasHeight } as T;
}
