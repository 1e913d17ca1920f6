// A binary mask: one byte per pixel, 0 or 1, row-major. The agnostic-mask recipe is a sequence of set
// operations on such masks (spec §3.4); keeping them as 0/1 bytes makes those operations one loop each.
import type { GreyImage } from '../image/index.ts';

export interface BinaryMask {
  data: Uint8Array; // 0 or 1
  width: number;
  height: number;
}

export function emptyMask(width: number, height: number): BinaryMask {
  return { data: new Uint8Array(width * height), width, height };
}

/** Grey image → binary mask, on where value ≥ threshold (default 128, i.e. ≥ 0.5 like diffusers). */
export function binarise(img: GreyImage, threshold = 128): BinaryMask {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i] >= threshold ? 1 : 0;
  return { data: out, width: img.width, height: img.height };
}

/** Binary mask → grey image with 0 / 255. */
export function toGrey(m: BinaryMask): GreyImage {
  const out = new Uint8Array(m.data.length);
  for (let i = 0; i < out.length; i++) out[i] = m.data[i] ? 255 : 0;
  return { data: out, width: m.width, height: m.height };
}

function same(a: BinaryMask, b: BinaryMask, fn: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`${fn}: masks are ${a.width}×${a.height} and ${b.width}×${b.height}, expected equal sizes`);
  }
}

export function union(...ms: BinaryMask[]): BinaryMask {
  const out = emptyMask(ms[0].width, ms[0].height);
  for (const m of ms) {
    same(out, m, 'union');
    for (let i = 0; i < out.data.length; i++) out.data[i] |= m.data[i];
  }
  return out;
}

export function intersect(a: BinaryMask, b: BinaryMask): BinaryMask {
  same(a, b, 'intersect');
  const out = emptyMask(a.width, a.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i] & b.data[i];
  return out;
}

/** a \ b */
export function subtract(a: BinaryMask, b: BinaryMask): BinaryMask {
  same(a, b, 'subtract');
  const out = emptyMask(a.width, a.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i] & (b.data[i] ^ 1);
  return out;
}

export function invert(a: BinaryMask): BinaryMask {
  const out = emptyMask(a.width, a.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i] ^ 1;
  return out;
}

export function countOn(m: BinaryMask): number {
  let n = 0;
  for (let i = 0; i < m.data.length; i++) n += m.data[i];
  return n;
}
