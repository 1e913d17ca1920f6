// Export records: which results went out, under which file names, into which folder, with which preset.
// The folder is relative to the project and must stay inside it (project-paths.ts); file names carry no
// folder part. Writing the files is the export feature's job; this keeps the record it needs.
import type { z } from 'zod';
import type { StoreContext } from './context.ts';
import type { DB } from './database.ts';
import { argumentError, notFound } from './errors.ts';
import { resolveInsideProject } from './project-paths.ts';
import { NewExport } from './schemas.ts';
import type { ExportRecord } from './types.ts';
import { parseArgs } from './validate.ts';
import { isAbsolute, relative, sep } from 'node:path';

interface Row { id: number; name: string; target_dir: string; preset: string; created_at: number }

function prepare(db: DB) {
  return {
    resultExists: db.prepare(/* sql */ `SELECT 1 FROM results WHERE id = ?`).pluck(),
    insert: db.prepare(/* sql */ `INSERT INTO exports (name, target_dir, preset, created_at) VALUES (@name, @targetDir, @preset, @now) RETURNING id`).pluck(),
    insertItem: db.prepare(/* sql */ `INSERT INTO export_items (export_id, result_id, file_name) VALUES (?, ?, ?)`),
    get: db.prepare(/* sql */ `SELECT * FROM exports WHERE id = ?`),
    items: db.prepare(/* sql */ `SELECT result_id, file_name FROM export_items WHERE export_id = ? ORDER BY file_name`),
    list: db.prepare(/* sql */ `SELECT id FROM exports ORDER BY id DESC LIMIT ?`).pluck(),
  };
}

export class ExportRepo {
  readonly #s: ReturnType<typeof prepare>;

  constructor(private readonly ctx: StoreContext) {
    this.#s = prepare(ctx.db);
  }

  /**
   * Records an export. `external: true` is for a folder the user picked outside the project (the desktop app's
   * folder dialog): then targetDir must be an absolute path and is stored as given.
   */
  record(input: z.input<typeof NewExport>, options: { external?: boolean } = {}): ExportRecord {
    const fn = 'recordExport';
    const v = parseArgs(fn, NewExport, input);
    let targetDir: string;
    if (options.external === true) {
      if (!isAbsolute(v.targetDir) || v.targetDir.includes('\0')) throw argumentError(fn, 'targetDir', v.targetDir, 'an absolute folder path (external: true)');
      targetDir = v.targetDir;
    } else {
      const target = resolveInsideProject(this.ctx.dir, v.targetDir, fn, 'targetDir');
      // Stored with forward slashes so a project moved between Windows and macOS still reads the same.
      targetDir = relative(this.ctx.dir, target).split(sep).join('/');
    }
    const id = this.ctx.db.transaction(() => {
      const names = new Set<string>();
      v.items.forEach((item, i) => {
        if (this.#s.resultExists.get(item.resultId) === undefined) throw notFound(fn, `items[${i}].resultId`, item.resultId, 'result');
        const key = item.fileName.toLowerCase(); // case-insensitive file systems would merge these
        if (names.has(key)) throw argumentError(fn, `items[${i}].fileName`, item.fileName, 'a file name not used by another item of this export', 'conflict');
        names.add(key);
      });
      const exportId = this.#s.insert.get({ name: v.name, targetDir, preset: JSON.stringify(v.preset), now: Date.now() }) as number;
      for (const item of v.items) this.#s.insertItem.run(exportId, item.resultId, item.fileName);
      return exportId;
    }).immediate();
    return this.get(id)!;
  }

  /** The latest exports, newest first. */
  list(limit = 50): ExportRecord[] {
    return (this.#s.list.all(Math.max(1, Math.min(500, Math.floor(limit)))) as number[]).map((id) => this.get(id)!);
  }

  get(id: number): ExportRecord | undefined {
    const row = this.#s.get.get(id) as Row | undefined;
    if (!row) return undefined;
    const items = (this.#s.items.all(id) as { result_id: number; file_name: string }[]).map((r) => ({ resultId: r.result_id, fileName: r.file_name }));
    return { id: row.id, name: row.name, targetDir: row.target_dir, preset: JSON.parse(row.preset) as Record<string, unknown>, items, createdAt: row.created_at };
  }
}
