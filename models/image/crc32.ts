// CRC-32 (ISO 3309 / ITU-T V.42, reflected polynomial 0xEDB88320), the checksum of every PNG chunk
// (PNG spec §5.5: computed over the chunk type and data, not the length). Node 20 has no zlib.crc32.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Updates a running CRC (start with 0) with `bytes`; returns the new CRC as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
