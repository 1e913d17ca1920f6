// The one call an export path makes per file: mark it (default) or, when the user chose to, strip it and
// say so. C2PA signing, when configured, comes after this (c2pa-sign.ts), since it must cover the final bytes.
import type { ProvenanceFormat } from './format.ts';
import type { ProvenanceInfo } from './info.ts';
import { withProvenance } from './embed.ts';
import { STRIP_WARNING, stripMetadata } from './strip.ts';

export interface ExportProvenanceOptions {
  /** Remove all metadata, the provenance marking included. Default false. */
  strip?: boolean;
}

export interface ExportProvenanceResult {
  bytes: Buffer;
  /** Things the user must be told (STRIP_WARNING when stripped); empty otherwise. */
  warnings: string[];
}

export function exportWithProvenance(bytes: Uint8Array, format: ProvenanceFormat, info: ProvenanceInfo, options: ExportProvenanceOptions = {}): ExportProvenanceResult {
  if (options.strip === true) return { bytes: stripMetadata(bytes, format), warnings: [STRIP_WARNING] };
  return { bytes: withProvenance(bytes, format, info), warnings: [] };
}
