// Saving results: RGB → PNG (sharp) with embedded text metadata, written atomically so a crash or a
// concurrent reader never sees a half-written file (temp file in the same folder, fsync, rename).
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { writeFileAtomic } from '../io/write-file-atomic.ts';
import { insertPngText, parsePngText } from './png_text.ts';

export interface WritePngOptions {
  /** Text chunks to embed (e.g. generation settings); keys follow the PNG keyword rules. */
  text?: Record<string, string>;
  /** zlib level 0–9 (default 6: a 768×1024 result encodes in tens of milliseconds). */
  compressionLevel?: number;
}

/** Encodes 8-bit RGB as PNG bytes, with optional text chunks. */
export async function encodePng(rgb: Uint8Array, width: number, height: number, options: WritePngOptions = {}): Promise<Buffer> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`encodePng: width and height must be positive integers, got ${width}×${height}`);
  }
  if (!(rgb instanceof Uint8Array) || rgb.length !== width * height * 3) {
    throw new RangeError(`encodePng: rgb must be a Uint8Array of width·height·3 = ${width * height * 3} bytes, got ${rgb?.length}`);
  }
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: options.compressionLevel ?? 6 })
    .toBuffer();
  return options.text && Object.keys(options.text).length > 0 ? insertPngText(png, options.text) : png;
}

/** Writes an RGB image as a PNG file atomically; the text entries become tEXt/iTXt chunks. */
export async function writePng(
  path: string,
  rgb: Uint8Array,
  width: number,
  height: number,
  options: WritePngOptions = {},
): Promise<void> {
  const bytes = await encodePng(rgb, width, height, options);
  await writeFileAtomic(path, bytes, 'writePng');
}

/** Reads the text entries of a PNG file (or PNG bytes). */
export async function readPngText(input: string | Uint8Array): Promise<Record<string, string>> {
  const bytes = typeof input === 'string' ? await readFile(input) : input;
  return parsePngText(bytes, typeof input === 'string' ? input : 'PNG buffer');
}
