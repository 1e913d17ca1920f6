// Bytes to base64 for `masks:save {pngBase64}` (JSON carries no binary). Chunked, because
// String.fromCharCode(...bytes) overflows the call stack beyond ~100k arguments.
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}
