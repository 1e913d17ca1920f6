// The image formats provenance metadata is written to, and recognising them from their first bytes.
import { isJpeg } from './jpeg-segments.ts';
import { isPng } from './png-chunks.ts';
import { isWebp } from './webp-chunks.ts';

export type ProvenanceFormat = 'png' | 'jpeg' | 'webp';
export const PROVENANCE_FORMATS: readonly ProvenanceFormat[] = ['png', 'jpeg', 'webp'];
export const MEDIA_TYPE: Record<ProvenanceFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export function detectFormat(bytes: Uint8Array): ProvenanceFormat | null {
  if (isPng(bytes)) return 'png';
  if (isJpeg(bytes)) return 'jpeg';
  if (isWebp(bytes)) return 'webp';
  return null;
}

/** Throws unless `bytes` really are `format` (a mislabelled file would be spliced into garbage). */
export function assertFormat(fn: string, bytes: Uint8Array, format: ProvenanceFormat): void {
  if (!PROVENANCE_FORMATS.includes(format)) throw new TypeError(`${fn}: format is ${JSON.stringify(format)}; expected one of ${PROVENANCE_FORMATS.join(', ')}`);
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${fn}: bytes is ${typeof bytes}; expected the encoded image as a Uint8Array`);
  const actual = detectFormat(bytes);
  if (actual !== format) throw new TypeError(`${fn}: format is "${format}" but the bytes are ${actual ? `a ${actual.toUpperCase()}` : 'no PNG, JPEG or WebP'}; expected ${format.toUpperCase()} bytes`);
}
