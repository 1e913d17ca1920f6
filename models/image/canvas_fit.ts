// The reference's canvas fit (Leffa `leffa_utils/utils.py: resize_and_center`, spec §3.1) and its
// inverse. Forward: uniform scale s = min(H/h, W/w), resize to (int(w·s), int(h·s)), paste centred
// (top/left = floor of half the slack) on a white W×H canvas. The placement record returned with the
// canvas lets a generated canvas be cropped back to the photo's frame and resized to its resolution.
import sharp from 'sharp';
import type { GreyImage, RgbImage } from './types.ts';
import { assertRgbImage } from './types.ts';
import { asGrey } from './grey.ts';
import { resizeBicubicOpenCV } from './resize_cubic.ts';

/** The released models' canvas, W×H = 768×1024. */
export const DEFAULT_CANVAS = Object.freeze({ width: 768, height: 1024 });

/** Where a source image sits on the canvas. All sizes in pixels. */
export interface CanvasPlacement {
  canvasWidth: number;
  canvasHeight: number;
  /** Size of the image that was fitted (upright, full resolution). */
  sourceWidth: number;
  sourceHeight: number;
  /** Nominal uniform scale s = min(H/h, W/w), as the reference computes it (float64). */
  scale: number;
  /** Size after resizing: (int(w·s), int(h·s)), truncated like Python's int(). */
  resizedWidth: number;
  resizedHeight: number;
  /** Top-left corner of the resized image on the canvas: floor((W − rw)/2), floor((H − rh)/2). */
  left: number;
  top: number;
}

/**
 * Which resampler fits the image onto the canvas.
 * - 'opencv-cubic' (default, reference parity): OpenCV INTER_CUBIC semantics, no antialiasing.
 * - 'lanczos3': sharp's antialiased Lanczos-3; smoother for big downscales, not what the model saw.
 */
export type FitResample = 'opencv-cubic' | 'lanczos3';

export interface FitOptions {
  width?: number;
  height?: number;
  resample?: FitResample;
}

/**
 * Throws unless W×H is a usable canvas: positive multiples of 8 (the VAE's scale factor). The full-size
 * SD1.5/SDXL UNets additionally need multiples of 64 (768×1024 is); the tiny fixture models use 48×64.
 */
export function validateCanvasSize(width: number, height: number): void {
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v % 8 !== 0) {
      throw new RangeError(`canvas ${name} must be a positive multiple of 8 (64 for the full-size models, e.g. 768×1024), got ${v}`);
    }
  }
}

/** Computes the placement of a w×h image on a W×H canvas, with the reference's exact arithmetic. */
export function computePlacement(
  sourceWidth: number,
  sourceHeight: number,
  canvas: { width: number; height: number } = DEFAULT_CANVAS,
): CanvasPlacement {
  validateCanvasSize(canvas.width, canvas.height);
  if (!Number.isInteger(sourceWidth) || !Number.isInteger(sourceHeight) || sourceWidth <= 0 || sourceHeight <= 0) {
    throw new RangeError(`computePlacement: source size must be positive integers, got ${sourceWidth}×${sourceHeight}`);
  }
  const W = canvas.width;
  const H = canvas.height;
  // Python: scale = min(target_height / h, target_width / w); new = int(h * scale), int(w * scale).
  // Same IEEE doubles in JS, so e.g. 600 · (1024/600) truncates exactly as it does in the reference.
  const scale = Math.min(H / sourceHeight, W / sourceWidth);
  const resizedHeight = Math.trunc(sourceHeight * scale);
  const resizedWidth = Math.trunc(sourceWidth * scale);
  if (resizedWidth < 1 || resizedHeight < 1) {
    throw new RangeError(
      `computePlacement: a ${sourceWidth}×${sourceHeight} image scales to ${resizedWidth}×${resizedHeight} on a ${W}×${H} canvas; expected an aspect ratio that leaves at least one pixel on each axis`,
    );
  }
  return {
    canvasWidth: W,
    canvasHeight: H,
    sourceWidth,
    sourceHeight,
    scale,
    resizedWidth,
    resizedHeight,
    left: Math.floor((W - resizedWidth) / 2),
    top: Math.floor((H - resizedHeight) / 2),
  };
}

/** Fits `img` onto a white canvas (default 768×1024) and returns the canvas plus its placement. */
export async function fitToCanvas(img: RgbImage, options: FitOptions = {}): Promise<{ image: RgbImage; placement: CanvasPlacement }> {
  assertRgbImage(img, 'fitToCanvas: img');
  const placement = computePlacement(img.width, img.height, {
    width: options.width ?? DEFAULT_CANVAS.width,
    height: options.height ?? DEFAULT_CANVAS.height,
  });
  const resample = options.resample ?? 'opencv-cubic';
  let resized: RgbImage;
  if (resample === 'opencv-cubic') resized = resizeBicubicOpenCV(img, placement.resizedWidth, placement.resizedHeight);
  else if (resample === 'lanczos3') resized = await resizeWithSharp(img, placement.resizedWidth, placement.resizedHeight, 'lanczos3');
  else throw new RangeError(`fitToCanvas: resample must be 'opencv-cubic' or 'lanczos3', got ${String(resample)}`);

  const W = placement.canvasWidth;
  const out = new Uint8Array(W * placement.canvasHeight * 3).fill(255); // white canvas
  const rowBytes = placement.resizedWidth * 3;
  for (let y = 0; y < placement.resizedHeight; y++) {
    const dst = ((placement.top + y) * W + placement.left) * 3;
    out.set(resized.data.subarray(y * rowBytes, (y + 1) * rowBytes), dst);
  }
  return { image: { data: out, width: W, height: placement.canvasHeight }, placement };
}

/** Cuts the fitted region (resizedWidth×resizedHeight at left/top) out of a canvas-sized image. */
export function cropFromCanvas(canvas: RgbImage, placement: CanvasPlacement): RgbImage {
  assertRgbImage(canvas, 'cropFromCanvas: canvas');
  checkCanvasMatches(canvas, placement, 'cropFromCanvas');
  return cropRect(canvas, 3, placement) as RgbImage;
}

/**
 * Inverse of fitToCanvas for a generated canvas: crop the photo's frame, resize it back to the photo's
 * resolution (sharp, default Lanczos-3). The result has the source's width and height.
 */
export async function restoreToOriginal(
  canvas: RgbImage,
  placement: CanvasPlacement,
  options: { kernel?: 'lanczos3' | 'cubic' | 'mitchell' } = {},
): Promise<RgbImage> {
  const crop = cropFromCanvas(canvas, placement);
  return resizeWithSharp(crop, placement.sourceWidth, placement.sourceHeight, options.kernel ?? 'lanczos3');
}

/**
 * Pastes the generated region back into the full-resolution photo. Without a mask the whole frame is
 * replaced (= restoreToOriginal). With a canvas-sized mask (0 = keep the photo, 255 = take the
 * generated pixel; soft values blend — e.g. a repaint-blurred mask) only that region changes, so the
 * rest of the photo keeps its original detail: out = round(photo + (gen − photo)·m/255).
 */
export async function pasteBack(
  original: RgbImage,
  generatedCanvas: RgbImage,
  placement: CanvasPlacement,
  options: { mask?: GreyImage | RgbImage; kernel?: 'lanczos3' | 'cubic' | 'mitchell' } = {},
): Promise<RgbImage> {
  assertRgbImage(original, 'pasteBack: original');
  if (original.width !== placement.sourceWidth || original.height !== placement.sourceHeight) {
    throw new RangeError(
      `pasteBack: original is ${original.width}×${original.height}, expected the placement's source size ${placement.sourceWidth}×${placement.sourceHeight}`,
    );
  }
  const gen = await restoreToOriginal(generatedCanvas, placement, { kernel: options.kernel });
  if (!options.mask) return gen;
  const maskGrey = asGrey(options.mask, 'pasteBack: mask');
  checkCanvasMatches(maskGrey, placement, 'pasteBack (mask)');
  const maskCrop = cropRect(maskGrey, 1, placement);
  const m = await resizeGreyWithSharp(maskCrop, placement.sourceWidth, placement.sourceHeight);
  const out = new Uint8Array(original.data.length);
  const o = original.data;
  const g = gen.data;
  for (let i = 0, p = 0; i < m.length; i++, p += 3) {
    const a = m[i] / 255;
    for (let c = 0; c < 3; c++) out[p + c] = Math.round(o[p + c] + (g[p + c] - o[p + c]) * a);
  }
  return { data: out, width: original.width, height: original.height };
}

/** Maps a continuous canvas coordinate (pixel-edge convention: pixel i spans [i, i+1)) to the source. */
export function canvasToSource(x: number, y: number, p: CanvasPlacement): { x: number; y: number } {
  return {
    x: ((x - p.left) * p.sourceWidth) / p.resizedWidth,
    y: ((y - p.top) * p.sourceHeight) / p.resizedHeight,
  };
}

/** Maps a continuous source coordinate to the canvas (inverse of canvasToSource). */
export function sourceToCanvas(x: number, y: number, p: CanvasPlacement): { x: number; y: number } {
  return {
    x: p.left + (x * p.resizedWidth) / p.sourceWidth,
    y: p.top + (y * p.resizedHeight) / p.sourceHeight,
  };
}

// --- helpers -----------------------------------------------------------------------------------

function checkCanvasMatches(img: { width: number; height: number }, p: CanvasPlacement, fn: string): void {
  if (img.width !== p.canvasWidth || img.height !== p.canvasHeight) {
    throw new RangeError(`${fn}: image is ${img.width}×${img.height}, expected the placement's canvas size ${p.canvasWidth}×${p.canvasHeight}`);
  }
}

function cropRect(img: { data: Uint8Array; width: number }, channels: number, p: CanvasPlacement): RgbImage | GreyImage {
  const row = p.resizedWidth * channels;
  const out = new Uint8Array(row * p.resizedHeight);
  for (let y = 0; y < p.resizedHeight; y++) {
    const s = ((p.top + y) * img.width + p.left) * channels;
    out.set(img.data.subarray(s, s + row), y * row);
  }
  return { data: out, width: p.resizedWidth, height: p.resizedHeight };
}

async function resizeWithSharp(img: RgbImage, width: number, height: number, kernel: 'lanczos3' | 'cubic' | 'mitchell'): Promise<RgbImage> {
  if (img.width === width && img.height === height) return { data: new Uint8Array(img.data), width, height };
  const buf = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(buf), width, height };
}

async function resizeGreyWithSharp(img: GreyImage, width: number, height: number): Promise<Uint8Array> {
  if (img.width === width && img.height === height) return img.data;
  const buf = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return new Uint8Array(buf);
}
