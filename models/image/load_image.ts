// Decoding user photos into upright 8-bit RGB, the way the reference pipeline sees them
// (spec §3.1: RGBA → RGB by dropping alpha, greyscale → RGB), with the safety checks a desktop app
// needs before handing a file to the decoder.
import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata, OutputInfo } from 'sharp';
import type { LoadedImage } from './types.ts';

/** Default pixel limit: 50 megapixels (a 48 MP phone photo passes; a decompression bomb does not). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export interface LoadImageOptions {
  /** Names the argument in error messages, e.g. 'person image', 'garment image'. */
  what: string;
  /** Refuse images with more than this many pixels, before decoding them. Default 50 000 000. */
  maxPixels?: number;
  /**
   * What to do with an alpha channel.
   * - 'drop' (default, reference parity): discard it and keep the stored colour values, as Leffa's
   *   `resize_and_center` does with `cv2.COLOR_RGBA2RGB`. Fully transparent pixels keep whatever colour
   *   the file stores (often black).
   * - 'white': composite onto white (what a user sees in a viewer; better for cut-out garment PNGs).
   */
  alpha?: 'drop' | 'white';
}

/** Error thrown for unreadable or unacceptable image inputs; `what` and `source` name the culprit. */
export class ImageLoadError extends Error {
  constructor(
    readonly what: string,
    readonly source: string,
    message: string,
    cause?: unknown,
  ) {
    super(`${what} (${source}): ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'ImageLoadError';
    Object.setPrototypeOf(this, ImageLoadError.prototype);
  }
}

const EXPECTED = 'expected a PNG, JPEG, WebP, TIFF, GIF, AVIF or SVG image';

/**
 * Loads an image file (path) or encoded bytes (Buffer / Uint8Array) as upright 8-bit RGB.
 * Steps: size check from the header → decode with EXIF auto-orientation → alpha dropped (or composited
 * on white) → greyscale and 16-bit converted to 8-bit sRGB (16-bit samples become value >> 8, sharp's
 * conversion).
 */
export async function loadImage(input: string | Uint8Array, options: LoadImageOptions): Promise<LoadedImage> {
  const what = options?.what;
  if (typeof what !== 'string' || what.length === 0) {
    throw new TypeError(`loadImage: options.what must name the argument (e.g. 'person image'), got ${String(what)}`);
  }
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels > 0)) throw new RangeError(`loadImage(${what}): maxPixels must be > 0, got ${maxPixels}`);
  const alpha = options.alpha ?? 'drop';
  if (alpha !== 'drop' && alpha !== 'white') {
    throw new RangeError(`loadImage(${what}): alpha must be 'drop' or 'white', got ${String(alpha)}`);
  }
  const source = await checkSource(input, what);
  const src = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);

  // 1. Header only: sharp reads the dimensions without decoding pixel data, so a 30 000 × 30 000 bomb
  //    is refused here. limitInputPixels is the decoder's own second line of defence.
  //    (The header read itself runs without sharp's limit so that our message, with the size, wins.)
  const sharpOpts = { limitInputPixels: Math.floor(maxPixels), failOn: 'truncated' as const };
  let meta: Metadata;
  try {
    meta = await sharp(src, { ...sharpOpts, limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageLoadError(
      what,
      source,
      `cannot read the image header: the file is corrupt, truncated, zero-size or not an image (decoder: ${(e as Error).message}); ${EXPECTED}`,
      e,
    );
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w <= 0 || h <= 0) {
    throw new ImageLoadError(what, source, `image has zero size (${w}×${h}); expected at least 1×1 pixels`);
  }
  if (w * h > maxPixels) {
    throw new ImageLoadError(
      what,
      source,
      `image is ${w}×${h} = ${(w * h / 1e6).toFixed(1)} megapixels, over the limit of ${(maxPixels / 1e6).toFixed(1)} megapixels; expected a smaller image (downscale it first)`,
    );
  }

  // 2. Decode: orientation, alpha, colourspace, 8 bits.
  let pipeline = sharp(src, { ...sharpOpts, autoOrient: true });
  if (meta.hasAlpha) pipeline = alpha === 'white' ? pipeline.flatten({ background: '#ffffff' }) : pipeline.removeAlpha();
  pipeline = pipeline.toColourspace('srgb');
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageLoadError(what, source, `cannot decode the image (${(e as Error).message}); ${EXPECTED}`, e);
  }
  const { width, height, channels } = out.info;
  const data = toRgb(new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength), width * height, channels, what, source);
  return {
    data,
    width,
    height,
    originalWidth: width,
    originalHeight: height,
    orientation: meta.orientation ?? 1,
    hadAlpha: meta.hasAlpha ?? false,
    format: meta.format ?? 'unknown',
  };
}

/** Validates the input before sharp sees it; returns a printable description of it for messages. */
async function checkSource(input: string | Uint8Array, what: string): Promise<string> {
  if (typeof input === 'string') {
    let st;
    try {
      st = await stat(input);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'file not found' : `cannot access the file (${code ?? (e as Error).message})`;
      throw new ImageLoadError(what, input, `${why}; ${EXPECTED} file`, e);
    }
    if (!st.isFile()) throw new ImageLoadError(what, input, `not a regular file; ${EXPECTED} file`);
    if (st.size === 0) throw new ImageLoadError(what, input, `file is empty (0 bytes); ${EXPECTED} file`);
    return input;
  }
  if (!(input instanceof Uint8Array)) {
    throw new TypeError(`loadImage(${what}): expected a file path or a Buffer/Uint8Array of encoded image bytes, got ${typeof input}`);
  }
  if (input.byteLength === 0) throw new ImageLoadError(what, '<buffer>', `buffer is empty (0 bytes); ${EXPECTED}`);
  return `<buffer of ${input.byteLength} bytes>`;
}

/** Normalises sharp's raw output to exactly 3 channels (it already is for every input seen so far). */
function toRgb(d: Uint8Array, n: number, channels: number, what: string, source: string): Uint8Array {
  if (channels === 3) return new Uint8Array(d); // own copy, detached from sharp's pooled buffer
  if (channels === 1) {
    const out = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = d[i];
    return out;
  }
  throw new ImageLoadError(what, source, `decoder produced ${channels} channels; expected 3 (RGB)`);
}
