// Export presets saved in the project (migration 008). The spec is validated by the export feature's schema
// (main/export/preset.ts) on the way in and again on the way out, so a preset written by an older build gets
// today's defaults. Saving a name that exists (in any case) replaces that preset.
import type { DB } from './database.ts';
import { argumentError, notFound } from './errors.ts';
import { ExportPresetSpec, PresetName, type ExportPresetInput, type ExportPresetSpec as Spec } from '../export/preset.ts';

export interface ExportPreset {
  id: number;
  name: string;
  spec: Spec;
  createdAt: number;
  updatedAt: number;
}

interface Row { id: number; name: string; spec: string; created_at: number; updated_at: number }

function prepare(db: DB) {
  return {
    list: db.prepare(/* sql */ `SELECT * FROM export_presets ORDER BY name COLLATE NOCASE`),
    get: db.prepare(/* sql */ `SELECT * FROM export_presets WHERE id = ?`),
    byName: db.prepare(/* sql */ `SELECT * FROM export_presets WHERE name = ? COLLATE NOCASE`),
    insert: db.prepare(/* sql */ `INSERT INTO export_presets (name, spec, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`).pluck(),
    update: db.prepare(/* sql */ `UPDATE export_presets SET name = ?, spec = ?, updated_at = ? WHERE id = ?`),
    remove: db.prepare(/* sql */ `DELETE FROM export_presets WHERE id = ?`),
  };
}

function parseSpec(fn: string, spec: unknown): Spec {
  const r = ExportPresetSpec.safeParse(spec);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw argumentError(fn, `spec.${issue.path.join('.')}`, spec, issue.message);
  }
  return r.data;
}

const toPreset = (r: Row): ExportPreset => ({ id: r.id, name: r.name, spec: parseSpec('exportPresets', JSON.parse(r.spec)), createdAt: r.created_at, updatedAt: r.updated_at });

export class ExportPresetRepo {
  readonly #s: ReturnType<typeof prepare>;
  readonly #db: DB;

  constructor(db: DB) {
    this.#db = db;
    this.#s = prepare(db);
  }

  list(): ExportPreset[] {
    return (this.#s.list.all() as Row[]).map(toPreset);
  }

  get(id: number): ExportPreset | undefined {
    const row = this.#s.get.get(id) as Row | undefined;
    return row && toPreset(row);
  }

  require(id: number, fn = 'exportPreset', argument = 'presetId'): ExportPreset {
    const p = this.get(id);
    if (!p) throw notFound(fn, argument, id, 'export preset');
    return p;
  }

  /** Saves a preset under `name` (replacing one of that name), or renames/updates preset `id`. */
  save(input: { id?: number; name: string; spec: ExportPresetInput }): ExportPreset {
    const fn = 'saveExportPreset';
    const n = PresetName.safeParse(input?.name);
    if (!n.success) throw argumentError(fn, 'name', input?.name, 'a name of 1-100 characters');
    const spec = parseSpec(fn, input.spec);
    const now = Date.now();
    const id = this.#db.transaction(() => {
      const same = this.#s.byName.get(n.data) as Row | undefined;
      if (input.id !== undefined) {
        this.require(input.id, fn, 'id');
        if (same && same.id !== input.id) throw argumentError(fn, 'name', n.data, 'a name no other preset has', 'conflict');
        this.#s.update.run(n.data, JSON.stringify(spec), now, input.id);
        return input.id;
      }
      if (same) {
        this.#s.update.run(n.data, JSON.stringify(spec), now, same.id);
        return same.id;
      }
      return this.#s.insert.get(n.data, JSON.stringify(spec), now, now) as number;
    }).immediate();
    return this.get(id)!;
  }

  delete(id: number): boolean {
    return this.#s.remove.run(id).changes > 0;
  }
}
