// Mask resampling between the analysis / working resolutions and the photo's. The reference resizes its
// 384×512 mask to 768×1024 with PIL bicubic and binarises at 0.5 (spec §3.4); here bilinear (sharp
// 'linear') then ≥ 128, which gives the same smooth edge without cubic overshoot rings.
import sharp from 'sharp';
import type { GreyImage } from '../image/index.ts';

/** Resizes a grey image to width×height (bilinear); optionally binarises to 0/255 at `threshold`. */
export async function resizeMask(m: GreyImage, width: number, height: number, threshold?: number): Promise<GreyImage> {
  let data: Uint8Array;
  if (m.width === width && m.height === height) {
    data = new Uint8Array(m.data);
  } else {
    const buf = await sharp(m.data, { raw: { width: m.width, height: m.height, channels: 1 } })
      .resize(width, height, { fit: 'fill', kernel: 'linear' })
      .extractChannel(0)
      .raw()
      .toBuffer();
    data = new Uint8Array(buf);
  }
  if (threshold !== undefined) for (let i = 0; i < data.length; i++) data[i] = data[i] >= threshold ? 255 : 0;
  return { data, width, height };
}
