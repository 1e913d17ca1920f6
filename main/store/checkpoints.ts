// Checkpoints (model weights) and their provenance. Imports stream the file into the blob store (hash
// and copy in one pass, with progress, cancellable), so a 7.2 GB file is read once and never held in
// memory. The same file imported twice is stored once and keeps its first record.
import { stat } from 'node:fs/promises';
import type { z } from 'zod';
import type { StoreContext } from './context.ts';
import type { DB } from './database.ts';
import { argumentError, notFound } from './errors.ts';
import { NewCheckpoint, type Architecture, type CheckpointKind } from './schemas.ts';
import type { Checkpoint, ProgressCallback } from './types.ts';
import { parseArgs } from './validate.ts';

interface Row {
  id: number; name: string; kind: CheckpointKind; architecture: Architecture; blob_hash: string; size: number; source: string | null;
  licence: string; commercial_use: number; parent_id: number | null; training_run: string | null; base_config: string | null; created_at: number;
}

const toCheckpoint = (r: Row): Checkpoint => ({
  id: r.id, name: r.name, kind: r.kind, architecture: r.architecture, blobHash: r.blob_hash, size: r.size, source: r.source,
  licence: r.licence, commercialUse: r.commercial_use === 1, parentId: r.parent_id,
  trainingRun: r.training_run ? (JSON.parse(r.training_run) as Record<string, unknown>) : null, baseConfig: r.base_config, createdAt: r.created_at,
});

function prepare(db: DB) {
  return {
    get: db.prepare(/* sql */ `SELECT * FROM checkpoints WHERE id = ?`),
    byHash: db.prepare(/* sql */ `SELECT * FROM checkpoints WHERE blob_hash = ?`),
    list: db.prepare(/* sql */ `SELECT * FROM checkpoints ORDER BY id`),
    insert: db.prepare(/* sql */ `
      INSERT INTO checkpoints (name, kind, architecture, blob_hash, size, source, licence, commercial_use, parent_id, training_run, base_config, created_at)
      VALUES (@name, @kind, @architecture, @hash, @size, @source, @licence, @commercialUse, @parentId, @trainingRun, @baseConfig, @now) RETURNING *`),
  };
}

export interface ImportCheckpointOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
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
        const row = this.#s.insert.get({
          name: v.name, kind: v.kind, architecture: v.architecture, hash: blob.hash, size: blob.size, source: v.source ?? null,
          licence: v.licence, commercialUse: v.commercialUse ? 1 : 0, parentId: v.parentId ?? null,
          trainingRun: v.trainingRun ? JSON.stringify(v.trainingRun) : null, baseConfig: v.baseConfig ?? null, now: Date.now(),
        });
        return toCheckpoint(row as Row);
      }).immediate(),
    );
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
