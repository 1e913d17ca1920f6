// CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320), the checksum of zip entries and of every PNG
// chunk (PNG spec §5.5). zlib.crc32 exists from Node 20.15; older 20.x runtimes get the table-driven
// fallback, so it works on every Node the package allows (engines >= 20.10).
import * as zlib from 'node:zlib';

type Crc = (data: Uint8Array, value?: number) => number;

let table: Uint32Array | null = null;

function crc32Fallback(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: Crc }).crc32;

/** CRC-32 of `data`, continuing from `value` (the CRC of the bytes before it). */
export const crc32: Crc = typeof native === 'function' ? (d, v = 0) => native(d, v) >>> 0 : crc32Fallback;
export { crc32Fallback };
