// The export manifest written beside the files (CSV for spreadsheets, JSON for scripts): one row per file
// with the result it came from, what it shows (SKU, colourway, model, view), how it was made (seed,
// checkpoint, settings) and which model release covers it (store/releases.ts), checked for the export's
// date, channel and region.
import type { ExportManifestRow } from '../../preload/contract.ts';

/** One row per file, as `exports:run` also answers it. */
export type ManifestRow = ExportManifestRow;

export interface ExportManifest {
  format: 'leffa-studio-export/1';
  name: string;
  createdAt: string;
  preset: Record<string, unknown>;
  releaseCheck: { date: string; channel: string; region: string | null };
  warnings: string[];
  files: ManifestRow[];
}

export const CSV_COLUMNS = ['file_name', 'result_id', 'sku', 'colourway', 'model', 'view', 'seed', 'checkpoint', 'checkpoint_licence', 'settings',
  'digital_source_type', 'c2pa', 'stripped', 'release_status', 'release_id', 'release_subject', 'release_expires_on', 'release_issues'] as const;

/** RFC 4180 field; a leading = + - @ is prefixed with ' so spreadsheets do not run it as a formula. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function manifestCsv(m: ExportManifest): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of m.files) {
    lines.push([r.fileName, r.resultId, r.sku, r.colourway, r.model, r.view, r.seed, r.checkpoint, r.checkpointLicence, r.settings,
      r.digitalSourceType, r.c2pa, r.stripped, r.release.status, r.release.releaseId, r.release.subject, r.release.expiresOn, r.release.issues.join('; ')].map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function manifestJson(m: ExportManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}
