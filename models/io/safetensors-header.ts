// Parses and fully validates a safetensors header (layout: u64 LE header length N, N bytes of UTF-8 JSON,
// then the data block). A header that passes guarantees every tensor read stays inside the data block,
// so a corrupt or hostile file fails here with a precise message instead of returning garbage later.
import type { DType, TensorInfo } from './types.ts';
import { DTYPES, DTYPE_BYTES, isDType } from './dtype.ts';
import { CheckpointError, describeValue } from './errors.ts';

/** The reference implementation refuses headers above 100 MB; real headers are well under 1 MB. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface SafetensorsEntry extends TensorInfo {
  /** Offsets relative to the data block, as in the header. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  headerLength: number;
  dataStart: number;
  /** Entries sorted by data offset (= file order). */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** `readAt(position, length)` returns exactly those bytes of the file (bounds already checked here). */
export function parseSafetensorsHeader(
  path: string,
  fileSize: number,
  readAt: (position: number, length: number, what: string) => Uint8Array,
): SafetensorsHeader {
  const fail = (msg: string, key?: string): never => { throw new CheckpointError(path, `safetensors ${path}: ${msg}`, key); };

  if (fileSize < 8) fail(`file is ${fileSize} bytes, expected at least 8 (the header length); truncated or not a safetensors file`);
  const lenBytes = readAt(0, 8, 'header length');
  const len = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (len > BigInt(fileSize - 8)) {
    fail(`header length is ${len} bytes, expected at most ${fileSize - 8} (file size ${fileSize} minus 8); truncated or not a safetensors file`);
  }
  const headerLength = Number(len);
  if (headerLength < 2) fail(`header length is ${headerLength} bytes, expected at least 2 (a JSON object "{}")`);
  if (headerLength > MAX_HEADER_BYTES) fail(`header length is ${headerLength} bytes, expected at most ${MAX_HEADER_BYTES}`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readAt(8, headerLength, 'header'));
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    return fail('header is not valid UTF-8');
  }
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message}); received ${describeValue(text)}`);
  }
  if (!isPlainObject(json)) return fail(`header is ${describeValue(json)}, expected a JSON object of tensor entries`);

  const dataStart = 8 + headerLength;
  const dataSize = fileSize - dataStart;
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, v] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isPlainObject(v)) fail(`__metadata__ is ${describeValue(v)}, expected an object of strings`, name);
      const m = v as Record<string, unknown>;
      for (const [k, s] of Object.entries(m)) {
        if (typeof s !== 'string') fail(`__metadata__.${k} is ${describeValue(s)}, expected a string`, name);
      }
      metadata = { ...(m as Record<string, string>) };
      continue;
    }
    const at = `tensor ${JSON.stringify(name)}`;
    if (!isPlainObject(v)) fail(`${at}: entry is ${describeValue(v)}, expected {"dtype", "shape", "data_offsets"}`, name);
    const e = v as Record<string, unknown>;
    if (!isDType(e.dtype)) fail(`${at}: dtype is ${describeValue(e.dtype)}, expected one of ${DTYPES.join(', ')}`, name);
    const dtype = e.dtype as DType;
    if (!Array.isArray(e.shape) || !e.shape.every(isCount)) {
      fail(`${at}: shape is ${describeValue(e.shape)}, expected an array of non-negative integers`, name);
    }
    const shape = (e.shape as number[]).slice();
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isCount)) {
      fail(`${at}: data_offsets is ${describeValue(off)}, expected [begin, end] (two non-negative integers)`, name);
    }
    const [begin, end] = off as [number, number];
    if (end < begin) fail(`${at}: data_offsets is [${begin}, ${end}], expected begin <= end`, name);
    const numel = shape.reduce((a, b) => a * b, 1);
    const bytes = numel * DTYPE_BYTES[dtype];
    if (!Number.isSafeInteger(bytes)) fail(`${at}: shape ${describeValue(shape)} is too large`, name);
    if (end - begin !== bytes) {
      fail(`${at}: data_offsets [${begin}, ${end}] span ${end - begin} bytes, expected ${bytes} for ${dtype}${JSON.stringify(shape)}`, name);
    }
    if (end > dataSize) {
      fail(`${at}: data_offsets [${begin}, ${end}] end beyond the data block of ${dataSize} bytes (file size ${fileSize}); truncated file?`, name);
    }
    entries.push({ name, dtype, shape, begin, end });
  }

  // File order is data order; a zero-byte tensor sorts before the tensor starting at the same offset.
  // (Header order cannot break ties: JSON.parse moves integer-like names such as "0" to the front.)
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < entries.length; i++) {
    const p = entries[i - 1]!, c = entries[i]!;
    if (c.begin < p.end) {
      fail(`tensor ${JSON.stringify(c.name)}: data_offsets [${c.begin}, ${c.end}] overlap tensor ${JSON.stringify(p.name)} at [${p.begin}, ${p.end}], expected non-overlapping ranges`, c.name);
    }
  }
  return { headerLength, dataStart, entries, metadata };
}
