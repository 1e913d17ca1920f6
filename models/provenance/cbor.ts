// The few CBOR (RFC 8949) encodings a COSE_Sign1 needs: integers, text, byte strings, arrays, maps, null
// and tags, always in the shortest form (deterministic encoding, §4.2.1), so the same input always gives
// the same bytes. Decoding is never needed here: the C2PA library reads what we write.

export type CborValue = number | string | Uint8Array | null | CborValue[] | Map<number | string, CborValue> | CborTag;

export class CborTag {
  constructor(readonly tag: number, readonly value: CborValue) {}
}

/** The head of a data item: major type (0–7) and its argument in the shortest encoding. */
export function cborHead(major: number, n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cbor: argument ${n} is not a non-negative safe integer`);
  const m = major << 5;
  if (n < 24) return Buffer.from([m | n]);
  if (n < 0x100) return Buffer.from([m | 24, n]);
  if (n < 0x10000) { const b = Buffer.alloc(3); b[0] = m | 25; b.writeUInt16BE(n, 1); return b; }
  if (n < 0x100000000) { const b = Buffer.alloc(5); b[0] = m | 26; b.writeUInt32BE(n, 1); return b; }
  const b = Buffer.alloc(9); b[0] = m | 27; b.writeBigUInt64BE(BigInt(n), 1); return b;
}

export function cborEncode(v: CborValue): Buffer {
  if (v === null) return Buffer.from([0xf6]);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`cbor: ${v} is not an integer; only integers are supported`);
    return v >= 0 ? cborHead(0, v) : cborHead(1, -1 - v);
  }
  if (typeof v === 'string') { const s = Buffer.from(v, 'utf8'); return Buffer.concat([cborHead(3, s.length), s]); }
  if (v instanceof Uint8Array) return Buffer.concat([cborHead(2, v.length), v]);
  if (Array.isArray(v)) return Buffer.concat([cborHead(4, v.length), ...v.map(cborEncode)]);
  if (v instanceof Map) return Buffer.concat([cborHead(5, v.size), ...[...v].flatMap(([k, x]) => [cborEncode(k), cborEncode(x)])]);
  if (v instanceof CborTag) return Buffer.concat([cborHead(6, v.tag), cborEncode(v.value)]);
  throw new TypeError(`cbor: cannot encode ${typeof v}`);
}
