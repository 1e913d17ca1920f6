// The body of a result upload: one request carries the image and what the worker says about it, so a
// result can never arrive half (image without record, or the reverse). Layout: a 4-byte big-endian
// length, that many bytes of UTF-8 JSON (the header), then the PNG bytes.

const MAX_HEADER_BYTES = 1 << 20;

export function encodeResultFrame(header: unknown, image: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (json.length > MAX_HEADER_BYTES) throw new RangeError(`result header is ${json.length} bytes; at most ${MAX_HEADER_BYTES}`);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length, 0);
  return Buffer.concat([len, json, image]);
}

export function decodeResultFrame(body: Buffer): { header: unknown; image: Buffer } {
  if (body.length < 4) throw new RangeError(`result body is ${body.length} bytes; expected a 4-byte header length first`);
  const n = body.readUInt32BE(0);
  if (n > MAX_HEADER_BYTES || 4 + n > body.length) throw new RangeError(`result header length ${n} does not fit the ${body.length}-byte body`);
  const header = JSON.parse(body.subarray(4, 4 + n).toString('utf8')) as unknown;
  return { header, image: body.subarray(4 + n) };
}
