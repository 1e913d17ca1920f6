// The alpha channel of an image file, upright (EXIF-rotated like loadImage's pixels). loadImage drops
// or flattens alpha (reference parity for person photos); garment clean-up needs it: a cut-out PNG's
// own alpha is a better garment mask than anything we could estimate.
import sharp from 'sharp';
import { DEFAULT_MAX_PIXELS, type GreyImage } from '../image/index.ts';

/** Returns the alpha channel (0…255) or null when the image has none. */
export async function readAlpha(input: string | Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Promise<GreyImage | null> {
  const src = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const opts = { limitInputPixels: Math.floor(maxPixels), failOn: 'truncated' as const };
  const meta = await sharp(src, opts).metadata();
  if (!meta.hasAlpha) return null;
  const { data, info } = await sharp(src, { ...opts, autoOrient: true })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i * info.channels + info.channels - 1];
  return { data: out, width: info.width, height: info.height };
}
