// PNG text metadata (generation settings embedded in saved results). sharp cannot write arbitrary
// text chunks, so the encoded PNG byte stream is edited directly (PNG spec §5 chunk layout:
// length u32 BE | type 4 bytes | data | CRC-32 of type+data). Latin-1 values go in tEXt, anything
// else in uncompressed iTXt (UTF-8). Reading understands tEXt, zTXt and iTXt (compressed or not).
import { inflateSync } from 'node:zlib';
import { crc32 } from '../io/crc32.ts';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One chunk as found in a PNG stream; offsets index the stream. */
interface Chunk {
  type: string;
  dataStart: number;
  dataEnd: number;
  /** Offset just past the CRC, i.e. where the next chunk starts. */
  end: number;
}

function isPng(png: Uint8Array): boolean {
  return png.length >= 8 && SIGNATURE.every((b, i) => png[i] === b);
}

/** Splits a PNG stream into chunks, verifying lengths and CRCs. `what` names the source in errors. */
function readChunks(png: Uint8Array, what: string): Chunk[] {
  if (!isPng(png)) throw new Error(`${what}: not a PNG file (missing the 8-byte PNG signature)`);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  let off = 8;
  while (off < png.length) {
    if (off + 12 > png.length) throw new Error(`${what}: truncated PNG (chunk header at byte ${off} runs past the end)`);
    const len = view.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    const dataStart = off + 8;
    const dataEnd = dataStart + len;
    if (dataEnd + 4 > png.length) throw new Error(`${what}: truncated PNG (chunk ${type} at byte ${off} claims ${len} bytes)`);
    const stored = view.getUint32(dataEnd);
    const actual = crc32(png.subarray(off + 4, dataEnd));
    if (stored !== actual) {
      throw new Error(`${what}: corrupt PNG (chunk ${type} at byte ${off}: CRC ${hex(stored)}, expected ${hex(actual)})`);
    }
    chunks.push({ type, dataStart, dataEnd, end: dataEnd + 4 });
    off = dataEnd + 4;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR') throw new Error(`${what}: invalid PNG (first chunk is ${chunks[0]?.type ?? 'missing'}, expected IHDR)`);
  return chunks;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Builds one chunk: length, type, data, CRC over type+data. */
function makeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** PNG spec §11.3.4.2 keyword rules: 1–79 Latin-1 printable characters, no leading, trailing or double spaces. */
function checkKeyword(key: string): void {
  const ok =
    key.length >= 1 &&
    key.length <= 79 &&
    /^[\x20-\x7e\xa1-\xff]+$/.test(key) &&
    !key.startsWith(' ') &&
    !key.endsWith(' ') &&
    !key.includes('  ');
  if (!ok) {
    throw new RangeError(
      `PNG text keyword ${JSON.stringify(key)} is invalid: expected 1–79 printable Latin-1 characters without leading, trailing or consecutive spaces`,
    );
  }
}

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

/** True when every UTF-16 code unit fits in one Latin-1 byte (so tEXt can hold the string). */
function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

/** Encodes one key/value pair as a tEXt chunk (Latin-1 value) or an uncompressed iTXt chunk (UTF-8). */
function textChunk(key: string, value: string): Uint8Array {
  checkKeyword(key);
  if (typeof value !== 'string') throw new TypeError(`PNG text value for ${JSON.stringify(key)} must be a string, got ${typeof value}`);
  if (value.includes('\0')) throw new RangeError(`PNG text value for ${JSON.stringify(key)} contains a NUL character, which PNG text cannot hold`);
  const k = latin1(key);
  if (isLatin1(value)) {
    // tEXt: keyword NUL text
    const v = latin1(value);
    const data = new Uint8Array(k.length + 1 + v.length);
    data.set(k, 0);
    data.set(v, k.length + 1);
    return makeChunk('tEXt', data);
  }
  // iTXt: keyword NUL, compression flag 0, method 0, language tag "" NUL, translated keyword "" NUL, UTF-8 text
  const v = new TextEncoder().encode(value);
  const data = new Uint8Array(k.length + 5 + v.length);
  data.set(k, 0);
  data.set(v, k.length + 5); // the five bytes after the keyword are all zero
  return makeChunk('iTXt', data);
}

/** Returns a copy of `png` with one text chunk per entry inserted right after IHDR. */
export function insertPngText(png: Uint8Array, text: Record<string, string>): Buffer {
  const chunks = readChunks(png, 'insertPngText');
  const extra = Object.entries(text).map(([k, v]) => textChunk(k, v));
  const ihdrEnd = chunks[0].end;
  return Buffer.concat([png.subarray(0, ihdrEnd), ...extra, png.subarray(ihdrEnd)]);
}

/** Reads every tEXt / zTXt / iTXt entry of a PNG stream. A repeated keyword keeps its last value. */
export function parsePngText(png: Uint8Array, what = 'PNG'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of readChunks(png, what)) {
    if (c.type !== 'tEXt' && c.type !== 'zTXt' && c.type !== 'iTXt') continue;
    const data = png.subarray(c.dataStart, c.dataEnd);
    const nul = data.indexOf(0);
    if (nul < 1) throw new Error(`${what}: malformed ${c.type} chunk (no keyword terminator)`);
    const key = Buffer.from(data.subarray(0, nul)).toString('latin1');
    if (c.type === 'tEXt') {
      out[key] = Buffer.from(data.subarray(nul + 1)).toString('latin1');
    } else if (c.type === 'zTXt') {
      // keyword NUL method(0) zlib-stream
      out[key] = inflateSync(data.subarray(nul + 2)).toString('latin1');
    } else {
      // keyword NUL flag method language NUL translated-keyword NUL text
      const flag = data[nul + 1];
      const langEnd = data.indexOf(0, nul + 3);
      const transEnd = langEnd < 0 ? -1 : data.indexOf(0, langEnd + 1);
      if (transEnd < 0) throw new Error(`${what}: malformed iTXt chunk for ${JSON.stringify(key)}`);
      const body = data.subarray(transEnd + 1);
      out[key] = (flag ? inflateSync(body) : Buffer.from(body)).toString('utf8');
    }
  }
  return out;
}
