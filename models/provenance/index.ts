// Public entry of models/provenance: machine-readable "made by AI" marking of every image the engine
// writes (XMP), optional C2PA Content Credentials, and the strip opt-out. See README.md.
// The engine worker imports embed.ts and info.ts directly: importing this file also pulls in c2pa-wasm.
export { DIGITAL_SOURCE_TYPES, IPTC_DIGITAL_SOURCE_TYPE_BASE, digitalSourceTypeFor, isAiSourceType, type DigitalSourceType, type EngineTask } from './source-type.ts';
export { UNKNOWN_LICENCE, checkpointInfo, engineProvenance, type CheckpointInfo, type EngineProvenanceOptions, type ProvenanceInfo } from './info.ts';
export { xmpPacket } from './xmp-packet.ts';
export { parseXmpProvenance, readXmpProperty, type ReadProvenance } from './xmp-parse.ts';
export { hasC2pa, readProvenance, withProvenance } from './embed.ts';
export { detectFormat, PROVENANCE_FORMATS, type ProvenanceFormat } from './format.ts';
export { STRIP_WARNING, stripMetadata } from './strip.ts';
export { exportWithProvenance, type ExportProvenanceOptions, type ExportProvenanceResult } from './export.ts';
export { writeFileAtomic } from './write-file.ts';
export { signC2pa, type SignC2paOptions } from './c2pa-sign.ts';
export { verifyC2pa, type C2paStatus, type VerifyC2paOptions, type VerifyC2paResult } from './c2pa-verify.ts';
export type { C2paAction, C2paIngredient, IngredientRelationship } from './c2pa-manifest.ts';
export type { C2paAlg } from './cose-sign1.ts';
