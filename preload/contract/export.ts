// Part of the API contract (preload/contract.ts, which re-exports it): Exports: presets, names, manifests,
// Content Credentials.
// Types only.
import type { ReviewStatus } from './base.ts';

// ---- export (main/export) -------------------------------------------------------------------------

export type ExportFormat = 'png' | 'jpeg' | 'webp';

/** An export recipe: size and crop, format and quality, background, naming template, metadata options. */
export interface ExportPresetSpec {
  /** Output size; null keeps each result's own size. */
  size: { width: number; height: number } | null;
  /** cover: crop to the aspect; contain: fit inside and pad with the background. */
  fit: 'cover' | 'contain';
  format: ExportFormat;
  /** JPEG/WebP quality 1-100. */
  quality: number;
  /** #rrggbb: padding and transparency. */
  background: string;
  /** File name template with {sku} {colourway} {model} {view} {seed} {index} {result} {checkpoint}. */
  template: string;
  /** Generation settings in the XMP beside the AI-generated label. */
  embedSettings: boolean;
  /** Sign with C2PA Content Credentials (needs the signing certificate, exports:setSigning). */
  c2pa: boolean;
  /** Remove all metadata, the AI marking included (comes back with a warning). */
  strip: boolean;
  /** Release check: the channel (and region) the images are for. */
  channel: string;
  region?: string;
}

export interface ExportPresetInfo {
  id: number;
  name: string;
  spec: ExportPresetSpec;
  createdAt: number;
  updatedAt: number;
}

/** Which results: ids picked by hand, or a filter (default: approved). */
export type ExportSelection = { resultIds: number[] } | { filter: { reviewStatus?: ReviewStatus | 'any'; batchId?: number } };

/**
 * Where to: a folder FileRef from the desktop app's folder dialog; a folder inside the project
 * (`exports/<projectFolder>`); or a zip inside the project (`exports/<zip>.zip`, for serve mode).
 */
export type ExportTargetRequest = { folder: string } | { projectFolder: string } | { zip: string };

export interface ExportRequest {
  selection: ExportSelection;
  /** A saved preset, or `preset` inline (inline wins where both are given). */
  presetId?: number;
  preset?: Partial<ExportPresetSpec>;
  target: ExportTargetRequest;
  /** The export's name (default: the date and time). */
  name?: string;
  /** A file name already in the folder: 'suffix' (default) writes name-2.ext; 'refuse' fails before writing. */
  onConflict?: 'suffix' | 'refuse';
  /** Export results whose model release refuses this use (default false: refused). */
  allowReleaseRefusals?: boolean;
}

export interface ExportPreviewItem {
  resultId: number;
  blobHash: string;
  fileName: string;
  /** Why the template's name is refused (it would leave the folder, or is reserved), or null. */
  refused: string | null;
  suffixed: boolean;
  exists: boolean;
  release: { status: 'ok' | 'warn' | 'refuse'; messages: string[] };
}

export interface ExportPreview {
  total: number;
  /** The first 200 items. */
  items: ExportPreviewItem[];
  conflicts: string[];
  refused: { resultId: number; fileName: string; reason: string }[];
  releaseWarnings: { resultId: number; status: 'warn' | 'refuse'; messages: string[] }[];
  releaseCheck: { date: string; channel: string; region: string | null };
  /** The template (or preset) is not usable: why. */
  error: string | null;
}

export interface ExportManifestRow {
  fileName: string;
  resultId: number;
  sku: string;
  colourway: string | null;
  model: string;
  view: string | null;
  seed: number | null;
  checkpoint: string;
  checkpointLicence: string | null;
  settings: Record<string, unknown> | null;
  digitalSourceType: string | null;
  c2pa: boolean;
  stripped: boolean;
  release: { status: 'ok' | 'warn' | 'refuse'; releaseId: number | null; subject: string | null; expiresOn: string | null; issues: string[] };
}

export interface ExportRunResult {
  exportId: number;
  name: string;
  /** Where the files went: relative to the project when inside it, else the absolute folder. */
  target: { kind: 'folder' | 'zip'; path: string };
  files: { resultId: number; fileName: string; suffixed: boolean }[];
  manifestFiles: { csv: string; json: string };
  rows: ExportManifestRow[];
  /** Things the user must be told (stripped metadata, suffixed names). */
  warnings: string[];
  /** Serve mode, zip target: where the page downloads the zip (same origin, behind the launch token). */
  downloadUrl?: string;
}

export interface ExportSummary {
  id: number;
  name: string;
  targetDir: string;
  presetName: string | null;
  format: string | null;
  fileCount: number;
  createdAt: number;
}

/** The C2PA signing certificate set in the app (never its path or key). */
export interface SigningStatus {
  configured: boolean;
  alg: 'es256' | 'ps256' | null;
  subject: string | null;
}

export interface ExportProgressEvent {
  runId: string;
  phase: 'rendering' | 'writing' | 'done' | 'failed';
  done: number;
  total: number;
  fileName: string | null;
}
