// Checks that an input really is an image we can use, before anything is stored: the magic bytes first
// (cheap, and a clear message for a PDF or a ZIP picked by mistake), then sharp's header read for the
// size, refusing decompression bombs (a 30 000 × 30 000 PNG is a few KB on disk and 2.7 GB decoded)
// before any pixel is decoded.
import { open } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { argumentError } from './errors.ts';

/** 50 megapixels: a 48 MP phone photo passes, a bomb does not (the same limit as models/image). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'tiff';

export interface ImageInfo {
  format: ImageFormat;
  mediaType: string;
  width: number;
  height: number;
  /** 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

export interface InspectImageOptions {
  /** The public function and argument, for error messages. */
  fn: string;
  argument: string;
  maxPixels?: number;
}

const MEDIA_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', tiff: 'image/tiff' };
const EXPECTED = 'a PNG, JPEG, WebP or TIFF image';

/** The format from the first bytes of a file, or null. */
export function sniffImageFormat(head: Uint8Array): ImageFormat | null {
  const b = (i: number) => head[i] ?? -1;
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47 && b(4) === 0x0d && b(5) === 0x0a && b(6) === 0x1a && b(7) === 0x0a) return 'png';
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  if (b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57 && b(9) === 0x45 && b(10) === 0x42 && b(11) === 0x50) return 'webp';
  if ((b(0) === 0x49 && b(1) === 0x49 && b(2) === 0x2a && b(3) === 0x00) || (b(0) === 0x4d && b(1) === 0x4d && b(2) === 0x00 && b(3) === 0x2a)) return 'tiff';
  return null;
}

async function readHead(file: string, opts: InspectImageOptions): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw argumentError(opts.fn, opts.argument, file, `a readable image file (${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message})`, code === 'ENOENT' ? 'not_found' : 'validation');
  }
  try {
    const head = new Uint8Array(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 8)).toString('hex') || 'none: the input is empty';
}

/** Validates an image file (path) or encoded bytes and returns its format and size. */
export async function inspectImage(input: string | Uint8Array, opts: InspectImageOptions): Promise<ImageInfo> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const head = typeof input === 'string' ? await readHead(input, opts) : input.subarray(0, 16);
  const format = sniffImageFormat(head);
  if (!format) throw argumentError(opts.fn, opts.argument, input, `${EXPECTED} (its first bytes are ${hex(head)}, which is no image format we accept)`);
  let meta: Metadata;
  try {
    // Header only: sharp reads the dimensions without decoding pixels. Its own pixel limit is off here so
    // that our message, which names the size, is the one the user sees.
    meta = await sharp(typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength), { limitInputPixels: false }).metadata();
  } catch (err) {
    throw argumentError(opts.fn, opts.argument, input, `${EXPECTED} that can be read (the ${format.toUpperCase()} header is damaged: ${(err as Error).message})`, 'validation', { cause: err });
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width < 1 || height < 1) throw argumentError(opts.fn, opts.argument, input, `${EXPECTED} of at least 1×1 pixels (it is ${width}×${height})`);
  if (width * height > maxPixels) {
    throw argumentError(
      opts.fn,
      opts.argument,
      input,
      `an image of at most ${(maxPixels / 1e6).toFixed(0)} megapixels (it is ${width}×${height} = ${((width * height) / 1e6).toFixed(1)} megapixels; downscale it first)`,
    );
  }
  return { format, mediaType: MEDIA_TYPES[format], width, height, channels: meta.channels ?? 3 };
}
