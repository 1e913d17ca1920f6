// Writing and reading the provenance XMP of an encoded image. Writing splices the packet into the file's
// container (png-chunks.ts, jpeg-segments.ts, webp-chunks.ts) so pixels and other metadata are untouched;
// reading goes through sharp (libvips), an independent, standard XMP reader, so a test that passes here
// also shows that other tools can find the marking.
import sharp from 'sharp';
import type { ProvenanceInfo } from './info.ts';
import { assertFormat, detectFormat, type ProvenanceFormat } from './format.ts';
import { jpegHasC2pa, jpegWithXmp } from './jpeg-segments.ts';
import { pngHasC2pa, pngWithXmp } from './png-chunks.ts';
import { webpHasC2pa, webpWithXmp } from './webp-chunks.ts';
import { parseXmpProvenance, type ReadProvenance } from './xmp-parse.ts';
import { xmpPacket } from './xmp-packet.ts';

/** True when the image carries a C2PA manifest store. */
export function hasC2pa(bytes: Uint8Array, format: ProvenanceFormat): boolean {
  assertFormat('hasC2pa', bytes, format);
  return format === 'png' ? pngHasC2pa(bytes) : format === 'jpeg' ? jpegHasC2pa(bytes) : webpHasC2pa(bytes);
}

/**
 * A copy of `bytes` carrying the provenance XMP (replacing any XMP it had). Refuses a C2PA-signed image:
 * changing its bytes would break the signature's hash, so add the XMP first and sign afterwards.
 */
export function withProvenance(bytes: Uint8Array, format: ProvenanceFormat, info: ProvenanceInfo): Buffer {
  assertFormat('withProvenance', bytes, format);
  if (hasC2pa(bytes, format)) {
    throw new Error('withProvenance: the image is C2PA-signed and editing it would invalidate the signature; expected unsigned bytes (add the XMP first, then signC2pa)');
  }
  const xmp = xmpPacket(info);
  if (format === 'png') return pngWithXmp(bytes, xmp);
  if (format === 'jpeg') return jpegWithXmp(bytes, xmp);
  return webpWithXmp(bytes, xmp);
}

/** The provenance XMP of an encoded PNG, JPEG or WebP, or null when it has no XMP at all. */
export async function readProvenance(bytes: Uint8Array): Promise<ReadProvenance | null> {
  if (!detectFormat(bytes)) throw new TypeError('readProvenance: the bytes are no PNG, JPEG or WebP; expected an encoded image');
  const meta = await sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).metadata();
  if (!meta.xmp || meta.xmp.length === 0) return null;
  return parseXmpProvenance(meta.xmp.toString('utf8'));
}
