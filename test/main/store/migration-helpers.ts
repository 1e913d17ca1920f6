// A bare database file for migration tests: open it, migrate to some version, insert rows the way
// an older build would have, migrate further, check.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase, type DB } from '../../../main/store/database.ts';
import { migrate } from '../../../main/store/migrate.ts';
import { tempDir } from './helpers.ts';

export interface TempDb {
  db: DB;
  file: string;
  /** Migrates to `version` (no backup; these are throwaway files). */
  to(version: number): Promise<void>;
  cleanup(): Promise<void>;
}

export async function tempDb(): Promise<TempDb> {
  const dir = await tempDir('leffa-migrate-');
  const file = join(dir, 'project.sqlite');
  const db = openDatabase(file);
  return {
    db,
    file,
    async to(version) {
      await migrate(db, { file, target: version, backup: false });
    },
    async cleanup() {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const HASH_A = 'a'.repeat(64);
export const HASH_B = 'b'.repeat(64);
export const HASH_C = 'c'.repeat(64);

/** Inserts a blob row, as every version since 1 allows. */
export function blob(db: DB, hash: string): void {
  db.prepare(`INSERT INTO blobs (hash, size, media_type, created_at) VALUES (?, 10, 'image/png', 0)`).run(hash);
}

/** The query plan as one string, to check an index is used. */
export function plan(db: DB, sql: string, ...params: unknown[]): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
}

/**
 * The rows one result needs at schema v4: blobs, a garment with a photo, a model photo, a checkpoint, a
 * batch, a job and (if `withResult`) its result. Ids are all 1.
 */
export function seedV4(db: DB, withResult = true): void {
  for (const h of [HASH_A, HASH_B, HASH_C]) blob(db, h);
  db.exec(`
    INSERT INTO garments (sku, name, category, created_at, updated_at) VALUES ('S1', 'Shirt', 'upper_body', 0, 0);
    INSERT INTO garment_photos (garment_id, blob_hash, view, photo_type, width, height, created_at) VALUES (1, '${HASH_A}', 'front', 'flat-lay', 48, 64, 0);
    INSERT INTO model_photos (name, blob_hash, width, height, created_at) VALUES ('Ana', '${HASH_B}', 48, 64, 0);
    INSERT INTO checkpoints (name, kind, architecture, blob_hash, size, licence, commercial_use, created_at)
      VALUES ('HD', 'try-on-HD', 'sd15', '${HASH_C}', 10, 'NC', 0, 0);
    INSERT INTO batches (name, checkpoint_id, spec, created_at) VALUES ('b', 1, '{}', 0);
    INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, checkpoint_id, seed, settings, settings_hash, steps, status, created_at, updated_at)
      VALUES (1, 1, 1, 1, 1, 42, '{"steps":30}', 'h1', 30, 'succeeded', 0, 0);
  `);
  if (withResult) {
    db.exec(`
      INSERT INTO results (job_id, batch_id, garment_id, model_photo_id, checkpoint_id, category, settings_hash, blob_hash, width, height, commercial_use, created_at)
        VALUES (1, 1, 1, 1, 1, 'upper_body', 'h1', '${HASH_A}', 48, 64, 0, 0);
      INSERT INTO result_records (result_id, record) VALUES (1, '{"seed":42}');
    `);
  }
}
