// WebP metadata at the RIFF chunk level (Google's WebP container spec): add the XMP packet ("XMP " chunk),
// strip metadata, find a C2PA manifest ("C2PA" chunk). Metadata needs the extended format, so a simple
// VP8/VP8L file gains a VP8X header whose canvas size and alpha flag are read from the bitstream. Splicing
// chunks keeps the (possibly lossy) image data byte for byte; re-encoding would lose quality again.

const FLAG_XMP = 0x04;
const FLAG_EXIF = 0x08;
const FLAG_ALPHA = 0x10;
const METADATA_CHUNKS = new Set(['EXIF', 'XMP ', 'C2PA']);

interface Chunk { fourcc: string; start: number; end: number; dataStart: number; size: number }

export function isWebp(bytes: Uint8Array): boolean {
  const s = (a: number, b: number) => Buffer.from(bytes.subarray(a, b)).toString('latin1');
  return bytes.length >= 12 && s(0, 4) === 'RIFF' && s(8, 12) === 'WEBP';
}

function chunks(bytes: Uint8Array, fn: string): Chunk[] {
  if (!isWebp(bytes)) throw new TypeError(`${fn}: the bytes are not a WebP (no RIFF/WEBP header); expected WebP bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffEnd = Math.min(bytes.length, 8 + view.getUint32(4, true));
  const out: Chunk[] = [];
  let off = 12;
  while (off + 8 <= riffEnd) {
    const size = view.getUint32(off + 4, true);
    const end = off + 8 + size + (size & 1); // chunks are padded to an even size
    if (off + 8 + size > riffEnd) throw new RangeError(`${fn}: truncated WebP (chunk at byte ${off} claims ${size} bytes)`);
    out.push({ fourcc: Buffer.from(bytes.subarray(off, off + 4)).toString('latin1'), start: off, end: Math.min(end, riffEnd), dataStart: off + 8, size });
    off = end;
  }
  if (!out.length) throw new RangeError(`${fn}: WebP without chunks`);
  return out;
}

function makeChunk(fourcc: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + data.length + (data.length & 1));
  out.write(fourcc, 0, 'latin1');
  out.writeUInt32LE(data.length, 4);
  out.set(data, 8);
  return out;
}

function riff(body: Uint8Array[]): Buffer {
  const payload = Buffer.concat(body);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(4 + payload.length, 4);
  head.write('WEBP', 8, 'latin1');
  return Buffer.concat([head, payload]);
}

/** A VP8X header for a simple (VP8 or VP8L) file: canvas size and alpha from the bitstream. */
function vp8xFor(bytes: Uint8Array, c: Chunk, flags: number): Buffer {
  const d = bytes.subarray(c.dataStart, c.dataStart + c.size);
  let width: number, height: number, alpha = false;
  if (c.fourcc === 'VP8L') {
    if (d[0] !== 0x2f || d.length < 5) throw new RangeError('withProvenance: malformed VP8L bitstream (no 0x2f signature)');
    const bits = d[1]! | (d[2]! << 8) | (d[3]! << 16) | (d[4]! << 24);
    width = (bits & 0x3fff) + 1;
    height = ((bits >>> 14) & 0x3fff) + 1;
    alpha = ((bits >>> 28) & 1) === 1;
  } else if (c.fourcc === 'VP8 ') {
    if (d.length < 10 || d[3] !== 0x9d || d[4] !== 0x01 || d[5] !== 0x2a) throw new RangeError('withProvenance: malformed VP8 bitstream (no key-frame start code)');
    width = ((d[6]! | (d[7]! << 8)) & 0x3fff);
    height = ((d[8]! | (d[9]! << 8)) & 0x3fff);
  } else {
    throw new RangeError(`withProvenance: WebP starts with a ${JSON.stringify(c.fourcc)} chunk; expected VP8X, VP8 or VP8L`);
  }
  const data = Buffer.alloc(10);
  data[0] = flags | (alpha ? FLAG_ALPHA : 0);
  data.writeUIntLE(width - 1, 4, 3);
  data.writeUIntLE(height - 1, 7, 3);
  return makeChunk('VP8X', data);
}

/** True when the WebP carries a C2PA manifest store (a "C2PA" chunk). */
export function webpHasC2pa(bytes: Uint8Array): boolean {
  return chunks(bytes, 'webpHasC2pa').some((c) => c.fourcc === 'C2PA');
}

/** A copy with `xmp` as its only XMP packet, in the extended format (VP8X flag set, chunk last). */
export function webpWithXmp(bytes: Uint8Array, xmp: string): Buffer {
  const list = chunks(bytes, 'withProvenance');
  const body: Uint8Array[] = [];
  const first = list[0]!;
  if (first.fourcc === 'VP8X') {
    const header = Buffer.from(bytes.subarray(first.start, first.end));
    header[8] = header[8]! | FLAG_XMP;
    body.push(header);
  } else {
    body.push(vp8xFor(bytes, first, FLAG_XMP), bytes.subarray(first.start, first.end));
  }
  for (const c of list.slice(1)) if (c.fourcc !== 'XMP ') body.push(bytes.subarray(c.start, c.end));
  body.push(makeChunk('XMP ', Buffer.from(xmp, 'utf8')));
  return riff(body);
}

/** A copy without EXIF, XMP and C2PA chunks (and their VP8X flags). ICC profiles and animation stay. */
export function webpStripMetadata(bytes: Uint8Array): Buffer {
  const list = chunks(bytes, 'stripMetadata');
  const body = list.filter((c) => !METADATA_CHUNKS.has(c.fourcc)).map((c) => {
    if (c.fourcc !== 'VP8X') return bytes.subarray(c.start, c.end);
    const header = Buffer.from(bytes.subarray(c.start, c.end));
    header[8] = header[8]! & ~(FLAG_XMP | FLAG_EXIF);
    return header;
  });
  return riff(body);
}
