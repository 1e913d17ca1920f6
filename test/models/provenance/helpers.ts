// Small encoded images for the provenance tests, in every format the engine or an export writes.
import sharp from 'sharp';
import { insertPngText } from '../../../models/image/png_text.ts';
import type { ProvenanceFormat } from '../../../models/provenance/index.ts';

/** Deterministic noise, so lossy encoders have real data to compress. */
export function noise(width: number, height: number, channels: 3 | 4, seed = 1): Buffer {
  const data = Buffer.alloc(width * height * channels);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = channels === 4 && i % 4 === 3 ? 128 + (s >>> 26) : s >>> 24;
  }
  return data;
}

export async function encoded(format: ProvenanceFormat, options: { alpha?: boolean; lossless?: boolean; exif?: boolean } = {}): Promise<Buffer> {
  const channels = options.alpha ? 4 : 3;
  let img = sharp(noise(24, 16, channels), { raw: { width: 24, height: 16, channels } });
  if (options.exif) img = img.withExif({ IFD0: { Copyright: 'Studio North' } });
  if (format === 'png') return insertPngText(await img.png().toBuffer(), { 'leffa-studio': '{"seed":7}' });
  if (format === 'jpeg') return img.jpeg({ quality: 90 }).toBuffer();
  return img.webp({ lossless: options.lossless ?? false }).toBuffer();
}

/** Decoded pixels, to show that a metadata edit left the image data alone. */
export async function pixels(bytes: Uint8Array): Promise<Buffer> {
  return sharp(bytes).raw().toBuffer();
}
