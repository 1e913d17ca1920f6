// The export's image pipeline (sharp, which runs in libvips' own threads, so main's event loop only awaits):
// convert to sRGB and tag it with the sRGB profile, crop to the preset's aspect (cover) or fit inside it
// and pad (contain), resize, flatten transparency onto the background, and encode PNG / JPEG / WebP.
import sharp from 'sharp';
import type { ExportFormat } from './preset.ts';

export interface ImageSpec {
  size: { width: number; height: number } | null;
  fit: 'cover' | 'contain';
  format: ExportFormat;
  quality: number;
  background: string;
}

export interface RenderedImage {
  bytes: Buffer;
  width: number;
  height: number;
}

function rgb(hex: string): { r: number; g: number; b: number } {
  const n = Number.parseInt(hex.slice(1), 16);
  return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 };
}

export async function renderImage(input: Buffer | string, spec: ImageSpec): Promise<RenderedImage> {
  const background = rgb(spec.background);
  let img = sharp(input, { failOn: 'error' }).toColourspace('srgb');
  if (spec.size) img = img.resize(spec.size.width, spec.size.height, { fit: spec.fit, position: 'centre', background: { ...background, alpha: 1 } });
  img = img.flatten({ background }).withIccProfile('srgb');
  if (spec.format === 'png') img = img.png({ compressionLevel: 6 });
  else if (spec.format === 'jpeg') img = img.jpeg({ quality: spec.quality, chromaSubsampling: spec.quality >= 90 ? '4:4:4' : '4:2:0' });
  else img = img.webp({ quality: spec.quality });
  const { data, info } = await img.toBuffer({ resolveWithObject: true });
  return { bytes: data, width: info.width, height: info.height };
}
