// Settings that belong to a project (migration 012: the project_settings key/value table). Each key has a zod
// schema and a default; `get()` returns every key, defaults filled in for keys never written, and `update()`
// merges a partial change into the stored values in one transaction, so two screens changing different
// fields do not undo each other.
//
//   releasePolicy   how model releases are checked when a batch is queued (and what the export screen uses
//                   as its default): `strict` refuses model photos whose release is missing, unscanned, or
//                   does not cover the use; otherwise those are warnings. `channel` and `region` are the
//                   use checked against each release's scope; `warnWithinDays` warns about releases that
//                   end soon. See releases.ts for the rules.
import { z } from 'zod';
import type { StoreContext } from './context.ts';
import { parseArgs } from './validate.ts';

export const ReleasePolicy = z
  .object({
    strict: z.boolean(),
    channel: z.string().trim().toLowerCase().min(1).max(40),
    /** null: releases are not checked for a region. */
    region: z.string().trim().toUpperCase().min(1).max(40).nullable(),
    warnWithinDays: z.number().int().min(0).max(3650),
  })
  .strict();

export type ReleasePolicy = z.output<typeof ReleasePolicy>;

export const DEFAULT_RELEASE_POLICY: ReleasePolicy = { strict: false, channel: 'web', region: null, warnWithinDays: 30 };

export interface ProjectSettings {
  releasePolicy: ReleasePolicy;
}

const SCHEMAS = { releasePolicy: ReleasePolicy } as const;
const DEFAULTS: ProjectSettings = { releasePolicy: DEFAULT_RELEASE_POLICY };

export const SettingsPatch = z
  .object({ releasePolicy: ReleasePolicy.partial().strict().optional() })
  .strict();

export type SettingsPatch = z.input<typeof SettingsPatch>;

export class ProjectSettingsRepo {
  readonly #get;
  readonly #put;

  constructor(private readonly ctx: StoreContext) {
    this.#get = ctx.db.prepare(/* sql */ `SELECT value FROM project_settings WHERE key = ?`).pluck();
    this.#put = ctx.db.prepare(/* sql */ `
      INSERT INTO project_settings (key, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
  }

  /** Every setting, with defaults for those never written (and for a stored value a newer build no longer reads). */
  get(): ProjectSettings {
    return { releasePolicy: this.#read('releasePolicy') };
  }

  get releasePolicy(): ReleasePolicy {
    return this.#read('releasePolicy');
  }

  /** Merges `patch` into the stored settings (fields not named stay) and returns them all. */
  update(patch: SettingsPatch): ProjectSettings {
    const v = parseArgs('updateSettings', SettingsPatch, patch);
    this.ctx.db.transaction(() => {
      if (v.releasePolicy) {
        const next = parseArgs('updateSettings', ReleasePolicy, { ...this.#read('releasePolicy'), ...stripUndefined(v.releasePolicy) });
        this.#put.run('releasePolicy', JSON.stringify(next), Date.now());
      }
    }).immediate();
    return this.get();
  }

  #read<K extends keyof ProjectSettings>(key: K): ProjectSettings[K] {
    const raw = this.#get.get(key) as string | undefined;
    if (raw === undefined) return structuredClone(DEFAULTS[key]);
    const parsed = SCHEMAS[key].safeParse({ ...DEFAULTS[key], ...(JSON.parse(raw) as object) });
    return parsed.success ? parsed.data : structuredClone(DEFAULTS[key]);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
