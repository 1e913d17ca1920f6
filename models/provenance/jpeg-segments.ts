// JPEG metadata at the segment level (ITU T.81 markers; XMP in APP1 per XMP spec part 3, 1.1.3): add the
// XMP packet, strip metadata segments, find a C2PA manifest (JUMBF in APP11). Re-encoding a JPEG to add
// metadata would lose quality a second time; splicing segments keeps the compressed data byte for byte.

const XMP_ID = 'http://ns.adobe.com/xap/1.0/\0';
const XMP_EXT_ID = 'http://ns.adobe.com/xmp/extension/\0';
const EXIF_ID = 'Exif\0';
/** A segment's length field is 16 bits and counts itself: 65535 - 2 - the XMP namespace id. */
const MAX_XMP_BYTES = 65535 - 2 - XMP_ID.length;

interface Segment { marker: number; start: number; end: number; dataStart: number }

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** The segments before the first SOS, and where SOS starts (the scan and everything after are kept whole). */
function segments(bytes: Uint8Array, fn: string): { list: Segment[]; scanStart: number } {
  if (!isJpeg(bytes)) throw new TypeError(`${fn}: the bytes are not a JPEG (no SOI marker); expected JPEG bytes`);
  const list: Segment[] = [];
  let off = 2;
  for (;;) {
    while (off < bytes.length && bytes[off] === 0xff && bytes[off + 1] === 0xff) off++; // fill bytes
    if (off + 4 > bytes.length || bytes[off] !== 0xff) throw new RangeError(`${fn}: malformed JPEG (no marker at byte ${off})`);
    const marker = bytes[off + 1]!;
    if (marker === 0xda || marker === 0xd9) return { list, scanStart: off }; // SOS or EOI
    const len = (bytes[off + 2]! << 8) | bytes[off + 3]!;
    const end = off + 2 + len;
    if (len < 2 || end > bytes.length) throw new RangeError(`${fn}: truncated JPEG (segment 0xFF${marker.toString(16)} at byte ${off} claims ${len} bytes)`);
    list.push({ marker, start: off, end, dataStart: off + 4 });
    off = end;
  }
}

function startsWith(bytes: Uint8Array, s: Segment, id: string): boolean {
  if (s.dataStart + id.length > s.end) return false;
  return Buffer.from(bytes.subarray(s.dataStart, s.dataStart + id.length)).toString('latin1') === id;
}

const isXmp = (b: Uint8Array, s: Segment) => s.marker === 0xe1 && (startsWith(b, s, XMP_ID) || startsWith(b, s, XMP_EXT_ID));

/** True when the JPEG carries a C2PA manifest store (JUMBF boxes travel in APP11 segments). */
export function jpegHasC2pa(bytes: Uint8Array): boolean {
  return segments(bytes, 'jpegHasC2pa').list.some((s) => s.marker === 0xeb);
}

/** A copy with `xmp` as its only XMP packet, placed after JFIF/EXIF as readers expect. */
export function jpegWithXmp(bytes: Uint8Array, xmp: string): Buffer {
  const { list, scanStart } = segments(bytes, 'withProvenance');
  const packet = Buffer.from(xmp, 'utf8');
  if (packet.length > MAX_XMP_BYTES) throw new RangeError(`withProvenance: the XMP packet is ${packet.length} bytes; a JPEG APP1 segment holds at most ${MAX_XMP_BYTES}`);
  const app1 = Buffer.alloc(4 + XMP_ID.length + packet.length);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(2 + XMP_ID.length + packet.length, 2);
  app1.write(XMP_ID, 4, 'latin1');
  packet.copy(app1, 4 + XMP_ID.length);
  const kept = list.filter((s) => !isXmp(bytes, s));
  // JFIF (APP0) must stay first and EXIF conventionally comes next; XMP goes right after them.
  let at = 0;
  while (at < kept.length && (kept[at]!.marker === 0xe0 || (kept[at]!.marker === 0xe1 && startsWith(bytes, kept[at]!, EXIF_ID)))) at++;
  const seg = (s: Segment) => bytes.subarray(s.start, s.end);
  return Buffer.concat([bytes.subarray(0, 2), ...kept.slice(0, at).map(seg), app1, ...kept.slice(at).map(seg), bytes.subarray(scanStart)]);
}

/**
 * A copy without metadata segments: APP1 (EXIF, XMP), APP11 (C2PA), APP12, APP13 (Photoshop/IPTC-IIM) and
 * comments. APP0 (JFIF), APP2 (ICC profile) and APP14 (Adobe colour transform) stay: decoding needs them.
 */
export function jpegStripMetadata(bytes: Uint8Array): Buffer {
  const { list, scanStart } = segments(bytes, 'stripMetadata');
  const drop = new Set([0xe1, 0xeb, 0xec, 0xed, 0xfe]);
  return Buffer.concat([bytes.subarray(0, 2), ...list.filter((s) => !drop.has(s.marker)).map((s) => bytes.subarray(s.start, s.end)), bytes.subarray(scanStart)]);
}
