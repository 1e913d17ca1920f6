// What an exported file says about itself: the provenance XMP (IPTC digital source type, generator and
// checkpoint, via models/provenance) extended with an "AI-generated" label and, unless turned off, the
// generation settings that reproduce it (seed, steps, guidance, checkpoint, input hashes). Optionally
// signed with C2PA afterwards (the signature must cover the final bytes), or stripped on request.
import { jpegWithXmp } from '../../models/provenance/jpeg-segments.ts';
import { pngWithXmp } from '../../models/provenance/png-chunks.ts';
import { webpWithXmp } from '../../models/provenance/webp-chunks.ts';
import { DIGITAL_SOURCE_TYPES } from '../../models/provenance/source-type.ts';
import { UNKNOWN_LICENCE, type ProvenanceInfo } from '../../models/provenance/info.ts';
import { STRIP_WARNING, stripMetadata } from '../../models/provenance/strip.ts';
import { xmpPacket } from '../../models/provenance/xmp-packet.ts';
import { NS } from '../../models/provenance/xmp-namespaces.ts';
import { GENERATOR_NAME, GENERATOR_VERSION } from '../../models/version.ts';
import type { ExportFormat } from './preset.ts';

export const AI_LABEL = 'AI-generated';
export const AI_DESCRIPTION = 'AI-generated image (virtual try-on): made with generative AI, not a photograph of this garment being worn.';
export const DC_NS = 'http://purl.org/dc/elements/1.1/';

/** What the export knows about a result, for its metadata. */
export interface ResultFacts {
  resultId: number;
  seed: number | null;
  settings: Record<string, unknown> | null;
  repaint: boolean;
  checkpoint: { name: string; licence: string | null; source: string | null; sha256: string | null };
  inputs: { person: string | null; garment: string | null; mask: string | null; densepose: string | null };
}

/**
 * Issue #14: trainedAlgorithmicMedia, or compositeWithTrainedAlgorithmicMedia when the result was pasted back
 * into the original photo (repaint on).
 */
export function sourceTypeOf(facts: ResultFacts): string {
  return facts.repaint ? DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia : DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia;
}

export function provenanceOf(facts: ResultFacts): ProvenanceInfo {
  return {
    digitalSourceType: sourceTypeOf(facts),
    generator: { name: GENERATOR_NAME, version: GENERATOR_VERSION },
    checkpoint: { name: facts.checkpoint.name, licence: facts.checkpoint.licence || UNKNOWN_LICENCE, ...(facts.checkpoint.source ? { source: facts.checkpoint.source } : {}) },
    task: 'tryon',
  };
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The export's XMP packet: the provenance packet plus the AI label, a description and (optionally) the settings. */
export function exportXmp(facts: ResultFacts, embedSettings: boolean): string {
  const base = xmpPacket(provenanceOf(facts));
  const props = [
    `   <leffa:Label>${AI_LABEL}</leffa:Label>`,
    `   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(AI_DESCRIPTION)}</rdf:li></rdf:Alt></dc:description>`,
    `   <leffa:ResultId>${facts.resultId}</leffa:ResultId>`,
  ];
  if (embedSettings) {
    const settings = { seed: facts.seed, settings: facts.settings, checkpointSha256: facts.checkpoint.sha256, inputs: facts.inputs };
    if (facts.seed !== null) props.push(`   <leffa:Seed>${facts.seed}</leffa:Seed>`);
    props.push(`   <leffa:GenerationSettings>${escapeXml(JSON.stringify(settings))}</leffa:GenerationSettings>`);
  }
  const withNs = base.replace(`xmlns:leffa="${NS.leffa}">`, `xmlns:leffa="${NS.leffa}"\n    xmlns:dc="${DC_NS}">`);
  if (withNs === base) throw new Error('exportXmp: the provenance packet changed shape; expected its rdf:Description to end with the leffa namespace');
  return withNs.replace('  </rdf:Description>', `${props.join('\n')}\n  </rdf:Description>`);
}

export interface MarkedFile {
  bytes: Buffer;
  warnings: string[];
}

/** Adds the export XMP, or strips every piece of metadata (with STRIP_WARNING). */
export function markExport(bytes: Buffer, format: ExportFormat, facts: ResultFacts, options: { embedSettings: boolean; strip: boolean }): MarkedFile {
  if (options.strip) return { bytes: stripMetadata(bytes, format), warnings: [STRIP_WARNING] };
  const xmp = exportXmp(facts, options.embedSettings);
  const out = format === 'png' ? pngWithXmp(bytes, xmp) : format === 'jpeg' ? jpegWithXmp(bytes, xmp) : webpWithXmp(bytes, xmp);
  return { bytes: out, warnings: [] };
}
