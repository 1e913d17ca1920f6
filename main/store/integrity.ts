// The startup check of a project's files against its rows:
//   orphan files  - in blobs/ but without a row: a crash between writing a file and committing its row
//                   (the expected leftover of crash-safe writes), or a failed import. Safe to delete.
//   missing files - a row without its file: someone deleted or moved files by hand. Cannot be fixed
//                   here; reported so the UI can say which garments, masks or results are affected.
//   damaged files - (verify only) a file whose bytes no longer hash to its name.
// It walks one two-hex-digit folder at a time against the matching key range of the blobs table, so a
// million blobs never sit in memory at once.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HASH_PATTERN, type BlobStore } from './blob-store.ts';
import type { DB } from './database.ts';

export interface IntegrityReport {
  /** Files without rows (deleted when `clean` was set). */
  orphanFiles: string[];
  /** Rows whose file is missing. */
  missingFiles: string[];
  /** Files whose content does not match their name (only with `verify`). */
  damagedFiles: string[];
  /** Entries in blobs/ that are not blob files at all (left alone). */
  strayEntries: string[];
  /** Whether orphan files were deleted. */
  cleaned: boolean;
}

export interface CheckOptions {
  /** Delete orphan files. Default false: report only. */
  clean?: boolean;
  /** Re-hash every file (reads everything; slow for big projects). Default false. */
  verify?: boolean;
}

const hex2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export async function checkIntegrity(db: DB, files: BlobStore, options: CheckOptions = {}): Promise<IntegrityReport> {
  const report: IntegrityReport = { orphanFiles: [], missingFiles: [], damagedFiles: [], strayEntries: [], cleaned: false };
  const rowsIn = db.prepare(/* sql */ `SELECT hash FROM blobs WHERE hash >= ? AND hash < ? ORDER BY hash`).pluck();
  const hasRow = db.prepare(/* sql */ `SELECT 1 FROM blobs WHERE hash = ?`).pluck();
  const listed = await files.list();
  report.strayEntries = listed.strays;
  const onDisk = new Map<string, string[]>();
  for (const h of listed.hashes) {
    const group = onDisk.get(h.slice(0, 2)) ?? [];
    group.push(h);
    onDisk.set(h.slice(0, 2), group);
  }
  for (const [i, prefix] of hex2.entries()) {
    const upper = i === 255 ? 'g' : hex2[i + 1]!; // 'g' sorts after every hex digit
    const rows = new Set(rowsIn.all(prefix, upper) as string[]);
    const present = new Set(onDisk.get(prefix) ?? []);
    for (const h of present) if (!rows.has(h) && !files.isHeld(h)) report.orphanFiles.push(h);
    for (const h of rows) if (!present.has(h)) report.missingFiles.push(h);
  }
  if (options.verify) {
    for (const h of listed.hashes) if (!(await files.verify(h))) report.damagedFiles.push(h);
  }
  if (options.clean) {
    for (const h of report.orphanFiles) {
      // Re-checked synchronously right before deleting: an import may have committed it meanwhile.
      if (hasRow.get(h) === undefined && !files.isHeld(h)) files.removeSync(h);
    }
    report.cleaned = true;
  }
  return report;
}

/** Lists a folder's blob-named files (for tests and tools). */
export async function listBlobFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const dir of await readdir(root)) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue;
    for (const name of await readdir(join(root, dir))) if (HASH_PATTERN.test(name)) out.push(name);
  }
  return out.sort();
}
