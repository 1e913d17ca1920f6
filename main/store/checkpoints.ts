// Checkpoints (model weights) and their provenance. Imports stream the file into the blob store (hash
// and copy in one pass, with progress, cancellable), so a 7.2 GB file is read once and never held in
// memory. The same file imported twice is stored once and keeps its first record.
import type { HubSource } from '../../preload/contract.ts';
import { stat } from 'node:fs/promises';
import type { z } from 'zod';
import type { StoreContext } from './context.ts';
import type { DB } from './database.ts';
import { argumentError, notFound } from './errors.ts';
import type { AdoptMethod } from './blob-store.ts';
import { NewCheckpoint, type Architecture, type CheckpointKind } from './schemas.ts';
import type { Checkpoint, ProgressCallback } from './types.ts';
import { parseArgs } from './validate.ts';

interface Row {
  id: number; name: string; kind: CheckpointKind; architecture: Architecture; blob_hash: string; size: number; source: string | null;
  licence: string; commercial_use: number; parent_id: number | null; training_run: string | null; base_config: string | null; created_at: number;
  licence_accepted_at: number | null; licence_accepted_by: string | null;
}

const toCheckpoint = (r: Row): Checkpoint => ({
  id: r.id, name: r.name, kind: r.kind, architecture: r.architecture, blobHash: r.blob_hash, size: r.size, source: r.source,
  licence: r.licence, commercialUse: r.commercial_use === 1, parentId: r.parent_id,
  trainingRun: r.training_run ? (JSON.parse(r.training_run) as Record<string, unknown>) : null, baseConfig: r.base_config, createdAt: r.created_at,
  licenceAcceptedAt: r.licence_accepted_at, licenceAcceptedBy: r.licence_accepted_by,
});

function prepare(db: DB) {
  return {
    get: db.prepare(/* sql */ `SELECT * FROM checkpoints WHERE id = ?`),
    byHash: db.prepare(/* sql */ `SELECT * FROM checkpoints WHERE blob_hash = ?`),
    list: db.prepare(/* sql */ `SELECT * FROM checkpoints ORDER BY id`),
    insert: db.prepare(/* sql */ `
      INSERT INTO checkpoints (name, kind, architecture, blob_hash, size, source, licence, commercial_use, parent_id, training_run, base_config, created_at,
                               licence_accepted_at, licence_accepted_by)
      VALUES (@name, @kind, @architecture, @hash, @size, @source, @licence, @commercialUse, @parentId, @trainingRun, @baseConfig, @now,
              @acceptedAt, @acceptedBy) RETURNING *`),
    accept: db.prepare(/* sql */ `
      UPDATE checkpoints SET licence_accepted_at = @now, licence_accepted_by = @by WHERE id = @id AND licence_accepted_at IS NULL`),
    hubGet: db.prepare(/* sql */ `SELECT * FROM hub_models WHERE checkpoint_id = ?`),
    hubList: db.prepare(/* sql */ `SELECT * FROM hub_models ORDER BY checkpoint_id`),
    hubInsert: db.prepare(/* sql */ `
      INSERT INTO hub_models (checkpoint_id, model_id, repo, revision, file, sha256, size, card_licence, registered_at)
      VALUES (@checkpointId, @modelId, @repo, @revision, @file, @sha256, @size, @cardLicence, @now)
      ON CONFLICT (checkpoint_id) DO NOTHING`),
    defaults: db.prepare(/* sql */ `SELECT task, checkpoint_id FROM checkpoint_defaults`),
    setDefault: db.prepare(/* sql */ `
      INSERT INTO checkpoint_defaults (task, checkpoint_id, set_at) VALUES (@task, @id, @now)
      ON CONFLICT (task) DO UPDATE SET checkpoint_id = excluded.checkpoint_id, set_at = excluded.set_at`),
  };
}

export interface ImportCheckpointOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /**
   * Who accepted the licence (migration 010). Default: accepted at import by 'import', since the user typed
   * the licence; false: not yet accepted (a downloaded model, whose licence the user has not seen yet).
   */
  licenceAccepted?: { by: string } | false;
}

/** The tasks a batch can run, each with its own default checkpoint (migration 010). */
export const CHECKPOINT_TASKS = ['try-on-HD', 'try-on-DC', 'pose'] as const;
export type CheckpointTask = (typeof CHECKPOINT_TASKS)[number];

/** Where a downloaded checkpoint came from (the hub_models row). */
export interface HubModelSource extends HubSource {
  checkpointId: number;
  registeredAt: number;
}

interface HubRow {
  checkpoint_id: number; model_id: string; repo: string; revision: string; file: string; sha256: string; size: number;
  card_licence: string | null; registered_at: number;
}

const toHub = (r: HubRow): HubModelSource => ({
  checkpointId: r.checkpoint_id, modelId: r.model_id, repo: r.repo, revision: r.revision, file: r.file, sha256: r.sha256, size: r.size,
  cardLicence: r.card_licence, registeredAt: r.registered_at,
});

/** The task a checkpoint kind serves: a finetune or LoRA serves its ancestor's (try-on HD when unknown). */
export function taskOfKind(kind: CheckpointKind): CheckpointTask | null {
  return kind === 'try-on-HD' || kind === 'try-on-DC' || kind === 'pose' ? kind : null;
}

export interface AdoptCheckpointInput {
  name: string;
  kind: CheckpointKind;
  architecture: Architecture;
  licence: string;
  commercialUse: boolean;
  source: string;
  baseConfig?: string;
  /** The file on this machine (a Hugging Face cache snapshot) and the SHA-256 the Hub published for it. */
  file: string;
  sha256: string;
  hub: Omit<HubModelSource, 'checkpointId' | 'registeredAt'>;
}

export interface AdoptCheckpointOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Try a hard link first (default true). */
  link?: boolean;
}

export class CheckpointRepo {
  readonly #s: ReturnType<typeof prepare>;

  constructor(private readonly ctx: StoreContext) {
    this.#s = prepare(ctx.db);
  }

  async import(input: z.input<typeof NewCheckpoint>, options: ImportCheckpointOptions = {}): Promise<Checkpoint> {
    const fn = 'importCheckpoint';
    const v = parseArgs(fn, NewCheckpoint, input);
    if (v.parentId !== undefined) this.require(v.parentId, fn, 'parentId');
    const st = await stat(v.file).catch(() => null);
    if (!st?.isFile()) throw argumentError(fn, 'file', v.file, 'the path of an existing checkpoint file', st ? 'validation' : 'not_found');
    const blob = await this.ctx.files.putFile(v.file, { onProgress: options.onProgress, signal: options.signal, expectedSha256: v.expectedSha256 });
    return this.ctx.blobRows.commitOrDiscard(blob, () =>
      this.ctx.db.transaction(() => {
        const existing = this.#s.byHash.get(blob.hash) as Row | undefined;
        if (existing) return toCheckpoint(existing);
        if (v.parentId !== undefined) this.require(v.parentId, fn, 'parentId');
        this.ctx.blobRows.register(blob, { mediaType: 'application/octet-stream' });
        const now = Date.now();
        const accepted = options.licenceAccepted === undefined ? { by: 'import' } : options.licenceAccepted;
        const row = this.#s.insert.get({
          name: v.name, kind: v.kind, architecture: v.architecture, hash: blob.hash, size: blob.size, source: v.source ?? null,
          licence: v.licence, commercialUse: v.commercialUse ? 1 : 0, parentId: v.parentId ?? null,
          trainingRun: v.trainingRun ? JSON.stringify(v.trainingRun) : null, baseConfig: v.baseConfig ?? null, now,
          acceptedAt: accepted ? now : null, acceptedBy: accepted ? accepted.by.slice(0, 200) : null,
        });
        return toCheckpoint(row as Row);
      }).immediate(),
    );
  }

  /**
   * Registers a downloaded checkpoint: its file is adopted into the blob store (hard link when possible,
   * else a copy; always verified against `sha256`), the row is inserted with the licence not yet accepted,
   * and its Hub source is recorded. The same file registered twice keeps its first row (and gains a Hub
   * source if it had none, e.g. it was imported by hand before).
   */
  async adopt(input: AdoptCheckpointInput, options: AdoptCheckpointOptions = {}): Promise<{ checkpoint: Checkpoint; method: AdoptMethod; created: boolean }> {
    const fn = 'registerCheckpoint';
    const { file, sha256, hub, ...fields } = input;
    const v = parseArgs(fn, NewCheckpoint, { ...fields, file, expectedSha256: sha256 });
    const st = await stat(file).catch(() => null);
    if (!st?.isFile()) throw argumentError(fn, 'file', file, 'the path of an existing checkpoint file', st ? 'validation' : 'not_found');
    const blob = await this.ctx.files.adoptFile(file, { expectedSha256: sha256, onProgress: options.onProgress, signal: options.signal, link: options.link });
    return this.ctx.blobRows.commitOrDiscard(blob, () =>
      this.ctx.db.transaction(() => {
        const now = Date.now();
        const existing = this.#s.byHash.get(blob.hash) as Row | undefined;
        let row = existing;
        if (!row) {
          this.ctx.blobRows.register(blob, { mediaType: 'application/octet-stream' });
          row = this.#s.insert.get({
            name: v.name, kind: v.kind, architecture: v.architecture, hash: blob.hash, size: blob.size, source: v.source ?? null,
            licence: v.licence, commercialUse: v.commercialUse ? 1 : 0, parentId: null, trainingRun: null, baseConfig: v.baseConfig ?? null, now,
            acceptedAt: null, acceptedBy: null,
          }) as Row;
        }
        this.#s.hubInsert.run({ checkpointId: row.id, ...hub, now });
        return { checkpoint: toCheckpoint(row), method: blob.method, created: !existing };
      }).immediate(),
    );
  }

  /** Records that `by` accepted the checkpoint's licence now; a licence already accepted keeps its record. */
  acceptLicence(id: number, by: string): Checkpoint {
    const fn = 'acceptLicence';
    const who = by.trim();
    if (who.length < 1 || who.length > 200) throw argumentError(fn, 'by', by, 'a name of 1 to 200 characters');
    this.require(id, fn, 'id');
    this.#s.accept.run({ id, by: who, now: Date.now() });
    return this.require(id, fn, 'id');
  }

  /** The Hub source of a downloaded checkpoint; undefined for one imported by hand. */
  hubSource(id: number): HubModelSource | undefined {
    const row = this.#s.hubGet.get(id) as HubRow | undefined;
    return row && toHub(row);
  }

  hubSources(): HubModelSource[] {
    return (this.#s.hubList.all() as HubRow[]).map(toHub);
  }

  /** The default checkpoint of each task that has one. */
  defaults(): Partial<Record<CheckpointTask, number>> {
    const out: Partial<Record<CheckpointTask, number>> = {};
    for (const r of this.#s.defaults.all() as { task: CheckpointTask; checkpoint_id: number }[]) out[r.task] = r.checkpoint_id;
    return out;
  }

  /** Makes `id` the default of `task` (replacing the previous one). */
  setDefault(task: CheckpointTask, id: number): void {
    const fn = 'setDefaultCheckpoint';
    if (!(CHECKPOINT_TASKS as readonly string[]).includes(task)) throw argumentError(fn, 'task', task, `one of ${CHECKPOINT_TASKS.map((t) => JSON.stringify(t)).join('|')}`);
    this.require(id, fn, 'id');
    this.#s.setDefault.run({ task, id, now: Date.now() });
  }

  get(id: number): Checkpoint | undefined {
    const row = this.#s.get.get(id) as Row | undefined;
    return row && toCheckpoint(row);
  }

  require(id: number, fn: string, argument: string): Checkpoint {
    const c = this.get(id);
    if (!c) throw notFound(fn, argument, id, 'checkpoint');
    return c;
  }

  list(): Checkpoint[] {
    return (this.#s.list.all() as Row[]).map(toCheckpoint);
  }
}
