// PNG metadata at the chunk level (PNG spec §5: length u32 BE | type | data | CRC-32 of type+data): add the
// XMP packet, strip metadata chunks, find a C2PA manifest. Working on chunks instead of re-encoding with
// sharp keeps the pixels and every other chunk byte for byte, in particular the `leffa-studio` text chunk
// that makes a result reproducible (models/image/png_text.ts).
import { crc32 } from '../io/crc32.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The keyword under which XMP lives in PNG (XMP spec part 3, 1.1.5), in an uncompressed iTXt chunk. */
export const PNG_XMP_KEYWORD = 'XML:com.adobe.xmp';
/** Metadata chunks removed by strip: text (tEXt/zTXt/iTXt, which includes XMP), EXIF, time, C2PA (caBX). */
const METADATA_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME', 'caBX']);

interface Chunk { type: string; start: number; end: number; dataStart: number; dataEnd: number }

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

function chunks(bytes: Uint8Array, fn: string): Chunk[] {
  if (!isPng(bytes)) throw new TypeError(`${fn}: the bytes are not a PNG (no PNG signature); expected PNG bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Chunk[] = [];
  let off = 8;
  while (off < bytes.length) {
    if (off + 12 > bytes.length) throw new RangeError(`${fn}: truncated PNG (chunk header at byte ${off} runs past the end)`);
    const len = view.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    const end = off + 12 + len;
    if (end > bytes.length) throw new RangeError(`${fn}: truncated PNG (chunk ${type} at byte ${off} claims ${len} bytes)`);
    out.push({ type, start: off, end, dataStart: off + 8, dataEnd: off + 8 + len });
    off = end;
    if (type === 'IEND') break;
  }
  if (out[0]?.type !== 'IHDR') throw new RangeError(`${fn}: invalid PNG (first chunk is ${out[0]?.type ?? 'missing'}, expected IHDR)`);
  return out;
}

function makeChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function isXmpChunk(bytes: Uint8Array, c: Chunk): boolean {
  if (c.type !== 'iTXt' && c.type !== 'zTXt' && c.type !== 'tEXt') return false;
  const key = Buffer.from(bytes.subarray(c.dataStart, Math.min(c.dataEnd, c.dataStart + PNG_XMP_KEYWORD.length + 1)));
  return key.toString('latin1') === `${PNG_XMP_KEYWORD}\0`;
}

/** True when the PNG carries a C2PA manifest store (a caBX chunk). */
export function pngHasC2pa(bytes: Uint8Array): boolean {
  return chunks(bytes, 'pngHasC2pa').some((c) => c.type === 'caBX');
}

/** A copy with `xmp` as the only XMP packet (iTXt, right after IHDR); every other chunk is kept as is. */
export function pngWithXmp(bytes: Uint8Array, xmp: string): Buffer {
  const list = chunks(bytes, 'withProvenance');
  const text = Buffer.from(xmp, 'utf8');
  // keyword NUL | compression flag 0 | method 0 | language "" NUL | translated keyword "" NUL | text
  const data = Buffer.concat([Buffer.from(`${PNG_XMP_KEYWORD}\0`, 'latin1'), Buffer.from([0, 0, 0, 0]), text]);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const c of list) {
    if (isXmpChunk(bytes, c)) continue; // replaced, not duplicated: readers take the first one they meet
    parts.push(bytes.subarray(c.start, c.end));
    if (c.type === 'IHDR') parts.push(makeChunk('iTXt', data));
  }
  return Buffer.concat(parts);
}

/** A copy without metadata chunks (text, XMP, EXIF, time, C2PA). Colour chunks (iCCP, sRGB, gAMA) stay. */
export function pngStripMetadata(bytes: Uint8Array): Buffer {
  const list = chunks(bytes, 'stripMetadata');
  return Buffer.concat([bytes.subarray(0, 8), ...list.filter((c) => !METADATA_CHUNKS.has(c.type)).map((c) => bytes.subarray(c.start, c.end))]);
}
