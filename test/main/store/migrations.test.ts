// Schema migrations: one test per migration (what it creates, the data it carries over, the indexes the
// hot queries rely on), then the runner itself (backup, refusal of newer databases, rollback, numbering).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { Migration } from '../../../main/store/migrations/types.ts';
import { LATEST_VERSION, MIGRATIONS, FutureSchemaError, StoreError, openProject } from '../../../main/store/index.ts';
import { backupPath, checkMigrationList, migrate, schemaVersion } from '../../../main/store/migrate.ts';
import { openDatabase } from '../../../main/store/database.ts';
import { HASH_A, HASH_B, blob, plan, seedV4, tempDb } from './migration-helpers.ts';
import { tempDir } from './helpers.ts';

// Migration 001 (catalogue): tables exist, constraints hold, masks and DensePose rows are immutable.

test('001 creates the catalogue and enforces its constraints', async () => {
  const t = await tempDb();
  try {
    await t.to(1);
    assert.equal(t.db.pragma('user_version', { simple: true }), 1);
    const { db } = t;
    blob(db, HASH_A);
    blob(db, HASH_B);
    assert.throws(() => blob(db, 'XYZ'), /CHECK constraint/);
    db.prepare(`INSERT INTO garments (sku, name, category, created_at, updated_at) VALUES ('S1', 'Shirt', 'upper_body', 0, 0)`).run();
    assert.throws(
      () => db.prepare(`INSERT INTO garments (sku, name, category, created_at, updated_at) VALUES ('S2', 'Shoe', 'shoes', 0, 0)`).run(),
      /CHECK constraint/,
    );
    assert.throws(
      () => db.prepare(`INSERT INTO garments (sku, name, category, created_at, updated_at) VALUES ('S1', 'Again', 'dresses', 0, 0)`).run(),
      /UNIQUE constraint/,
    );
    // Foreign keys are on: a photo of a missing blob is refused.
    assert.throws(
      () => db.prepare(`INSERT INTO garment_photos (garment_id, blob_hash, view, photo_type, width, height, created_at) VALUES (1, ?, 'front', 'flat-lay', 1, 1, 0)`).run('c'.repeat(64)),
      /FOREIGN KEY constraint/,
    );
    db.prepare(`INSERT INTO model_photos (name, blob_hash, width, height, created_at) VALUES ('Ana', ?, 48, 64, 0)`).run(HASH_A);
    db.prepare(`INSERT INTO masks (model_photo_id, category, version, blob_hash, origin, created_at) VALUES (1, 'upper_body', 1, ?, 'auto', 0)`).run(HASH_B);
    assert.throws(() => db.prepare(`UPDATE masks SET blob_hash = ?`).run(HASH_A), /never overwritten/);
    db.prepare(`INSERT INTO densepose (model_photo_id, format, origin, approximated, blob_hash, created_at) VALUES (1, 'HD-parula', 'imported', 0, ?, 0)`).run(HASH_B);
    assert.throws(() => db.prepare(`UPDATE densepose SET approximated = 1`).run(), /never overwritten/);
    assert.throws(
      () => db.prepare(`INSERT INTO densepose (model_photo_id, format, origin, approximated, blob_hash, created_at) VALUES (1, 'RGB', 'imported', 0, ?, 0)`).run(HASH_A),
      /CHECK constraint/,
    );
  } finally {
    await t.cleanup();
  }
});

// Migration 002 (garment search): existing garments and tags are indexed, and the triggers keep the
// index in step with later inserts, renames, tag changes and deletes.

test('002 indexes existing garments and keeps the index in step', async () => {
  const t = await tempDb();
  try {
    const { db } = t;
    await t.to(1);
    db.prepare(`INSERT INTO garments (sku, name, category, created_at, updated_at) VALUES ('AB-100', 'Silk Blouse', 'upper_body', 0, 0)`).run();
    db.prepare(`INSERT INTO garment_tags (garment_id, tag) VALUES (1, 'summer'), (1, 'café')`).run();
    await t.to(2);
    const find = (q: string) => db.prepare(`SELECT rowid FROM garment_fts WHERE garment_fts MATCH ? ORDER BY rowid`).pluck().all(q);
    assert.deepEqual(find('"silk"'), [1], 'name of a garment made before v2');
    assert.deepEqual(find('"cafe"'), [1], 'tags of a garment made before v2, diacritics folded');
    assert.deepEqual(find('"ab" "100"'), [1], 'SKU split into words');

    db.prepare(`INSERT INTO garments (sku, name, category, created_at, updated_at) VALUES ('CD-200', 'Linen Trousers', 'lower_body', 0, 0)`).run();
    db.prepare(`INSERT INTO garment_tags (garment_id, tag) VALUES (2, 'summer')`).run();
    assert.deepEqual(find('"summer"'), [1, 2]);
    db.prepare(`UPDATE garments SET name = 'Wool Trousers' WHERE id = 2`).run();
    assert.deepEqual(find('"linen"'), []);
    assert.deepEqual(find('"wool"'), [2]);
    db.prepare(`DELETE FROM garment_tags WHERE garment_id = 1 AND tag = 'summer'`).run();
    assert.deepEqual(find('"summer"'), [2]);
    db.prepare(`DELETE FROM garment_tags WHERE garment_id = 2`).run();
    db.prepare(`DELETE FROM garments WHERE id = 2`).run();
    assert.deepEqual(find('"wool"'), []);
    assert.match(plan(db, `SELECT rowid FROM garment_fts WHERE garment_fts MATCH ?`, '"si"*'), /VIRTUAL TABLE INDEX/);
  } finally {
    await t.cleanup();
  }
});

// Migration 003 (checkpoints): provenance columns, kind/architecture checks, one row per file, parents.

test('003 adds checkpoints with provenance and licence', async () => {
  const t = await tempDb();
  try {
    const { db } = t;
    await t.to(3);
    blob(db, HASH_A);
    blob(db, HASH_B);
    const insert = db.prepare(`
      INSERT INTO checkpoints (name, kind, architecture, blob_hash, size, licence, commercial_use, parent_id, training_run, created_at)
      VALUES (?, ?, ?, ?, 10, 'MIT', ?, ?, ?, 0)`);
    insert.run('VITON-HD', 'try-on-HD', 'sd15', HASH_A, 0, null, null);
    insert.run('Our finetune', 'finetune', 'sd15', HASH_B, 1, 1, JSON.stringify({ id: 'run-7', steps: 2000 }));
    assert.throws(() => insert.run('dup', 'try-on-DC', 'sd15', HASH_A, 0, null, null), /UNIQUE constraint/);
    assert.throws(() => insert.run('x', 'upscaler', 'sd15', 'c'.repeat(64), 0, null, null), /CHECK constraint/);
    assert.throws(() => insert.run('x', 'pose', 'flux', 'c'.repeat(64), 0, null, null), /CHECK constraint/);
    assert.throws(() => insert.run('x', 'pose', 'sd15', 'c'.repeat(64), 0, null, 'not json'), /CHECK constraint|FOREIGN KEY/);
    const child = db.prepare(`SELECT parent_id, commercial_use, json_extract(training_run, '$.id') AS run FROM checkpoints WHERE id = 2`).get();
    assert.deepEqual(child, { parent_id: 1, commercial_use: 1, run: 'run-7' });
  } finally {
    await t.cleanup();
  }
});

// Migration 004 (jobs and results): the state CHECK, one result per job, immutable results, the
// queue_control row, and the partial index the runner's "next job" query relies on.

test('004 adds batches, jobs and results keyed by job', async () => {
  const t = await tempDb();
  try {
    const { db } = t;
    await t.to(4);
    seedV4(db);
    assert.deepEqual(db.prepare(`SELECT paused FROM queue_control`).all(), [{ paused: 0 }]);
    assert.throws(() => db.prepare(`UPDATE jobs SET status = 'done'`).run(), /CHECK constraint/);
    // A second result for the same job (a re-run after a crash) is refused by the schema itself.
    assert.throws(
      () => db.prepare(`
        INSERT INTO results (job_id, batch_id, garment_id, model_photo_id, checkpoint_id, category, settings_hash, blob_hash, width, height, commercial_use, created_at)
        VALUES (1, 1, 1, 1, 1, 'upper_body', 'h1', ?, 48, 64, 0, 0)`).run(HASH_A),
      /UNIQUE constraint failed: results.job_id/,
    );
    assert.throws(() => db.prepare(`UPDATE results SET blob_hash = ?`).run(HASH_B), /never overwritten/);
    assert.throws(() => db.prepare(`UPDATE result_records SET record = '{}'`).run(), /never overwritten/);
    assert.throws(() => db.prepare(`UPDATE jobs SET settings = 'nope'`).run(), /CHECK constraint/);
    // job_status_counts follows every insert and status change.
    const counts = () => Object.fromEntries((db.prepare(`SELECT status, n FROM job_status_counts`).all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));
    assert.deepEqual(counts(), { cancelled: 0, failed: 0, queued: 0, running: 0, succeeded: 1 });
    db.prepare(`INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, checkpoint_id, seed, settings, settings_hash, steps, created_at, updated_at)
      VALUES (1, 1, 1, 1, 1, 7, '{}', 'h2', 30, 0, 0)`).run();
    db.prepare(`UPDATE jobs SET status = 'running' WHERE settings_hash = 'h2'`).run();
    db.prepare(`UPDATE jobs SET progress = 0.5 WHERE settings_hash = 'h2'`).run();
    assert.deepEqual(counts(), { cancelled: 0, failed: 0, queued: 0, running: 1, succeeded: 1 });
    assert.match(plan(db, `SELECT id FROM jobs INDEXED BY jobs_next WHERE status = 'queued' ORDER BY priority DESC, id LIMIT 1`), /USING (COVERING )?INDEX jobs_next/);
    assert.match(plan(db, `SELECT 1 FROM results WHERE settings_hash = ?`, 'h1'), /results_settings_hash/);
  } finally {
    await t.cleanup();
  }
});

// Migration 005 (reviews and exports): results made before it read as 'pending'; a review sets the
// result's status through the trigger; reviews are never edited; status filters use the index.

test('005 adds review status (pending for old results), reviews and exports', async () => {
  const t = await tempDb();
  try {
    const { db } = t;
    await t.to(4);
    seedV4(db);
    await t.to(5);
    assert.equal(db.prepare(`SELECT review_status FROM results WHERE id = 1`).pluck().get(), 'pending');
    const review = db.prepare(`INSERT INTO reviews (result_id, status, defect_tags, reviewer, created_at) VALUES (1, ?, ?, 'mia', 0)`);
    review.run('rejected', '["sleeve-leak"]');
    assert.equal(db.prepare(`SELECT review_status FROM results WHERE id = 1`).pluck().get(), 'rejected');
    review.run('approved', '[]');
    assert.equal(db.prepare(`SELECT review_status FROM results WHERE id = 1`).pluck().get(), 'approved');
    assert.throws(() => db.prepare(`UPDATE reviews SET status = 'approved'`).run(), /never edited/);
    assert.throws(() => review.run('great', '[]'), /CHECK constraint/);
    assert.throws(() => review.run('approved', '{"a":1}'), /CHECK constraint/);
    assert.throws(() => db.prepare(`UPDATE results SET review_status = 'meh'`).run(), /CHECK constraint/);
    db.prepare(`INSERT INTO exports (name, target_dir, preset, created_at) VALUES ('x', 'exports/x', '{}', 0)`).run();
    db.prepare(`INSERT INTO export_items (export_id, result_id, file_name) VALUES (1, 1, 'a.png')`).run();
    assert.throws(() => db.prepare(`INSERT INTO export_items (export_id, result_id, file_name) VALUES (1, 2, 'a.png')`).run(), /UNIQUE|FOREIGN KEY/);
    assert.match(plan(db, `SELECT id FROM results WHERE review_status = ? ORDER BY id DESC LIMIT 50`, 'approved'), /results_review/);
    assert.match(plan(db, `SELECT id FROM results WHERE category = ? AND review_status = ? ORDER BY id DESC LIMIT 50`, 'dresses', 'redo'), /results_category_review/);
    assert.match(plan(db, `SELECT id FROM results WHERE garment_id = ? AND review_status = ?`, 1, 'redo'), /COVERING INDEX results_garment_review/);
    assert.match(plan(db, `SELECT id FROM results WHERE model_photo_id = ? AND review_status = ? ORDER BY id DESC`, 1, 'redo'), /COVERING INDEX results_model_photo/);
    assert.equal(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'results_garment'`).pluck().get(), 0, 'replaced by results_garment_review');
  } finally {
    await t.cleanup();
  }
});

// ---- the runner ----
test('a new project is created at the latest version, with WAL and foreign keys on', async () => {
  const dir = await tempDir();
  try {
    const p = await openProject({ dir, create: true });
    assert.equal(schemaVersion(p.db), LATEST_VERSION);
    assert.equal(p.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(p.db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(p.migration.backup, undefined, 'nothing to back up in a new project');
    p.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('migrating an existing project backs it up first as project.sqlite.bak-v<N>', async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, 'project.sqlite');
    const db = openDatabase(file);
    await migrate(db, { file, target: 2, backup: false });
    db.prepare(`INSERT INTO project (id, name, created_at) VALUES (1, 'old', 0)`).run();
    db.close();
    const p = await openProject({ dir });
    assert.equal(p.migration.from, 2);
    assert.equal(p.migration.to, LATEST_VERSION);
    assert.equal(p.migration.backup, backupPath(file, 2));
    assert.equal(p.name, 'old');
    p.close();
    const backup = new Database(backupPath(file, 2), { readonly: true });
    assert.equal(backup.pragma('user_version', { simple: true }), 2);
    assert.equal(backup.prepare(`SELECT name FROM project`).pluck().get(), 'old');
    backup.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a database from a newer build is refused with a clear error and left untouched', async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, 'project.sqlite');
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_VERSION + 3}`);
    db.close();
    await assert.rejects(openProject({ dir }), (err: unknown) => {
      assert.ok(err instanceof FutureSchemaError);
      assert.equal(err.kind, 'version');
      assert.match(err.message, new RegExp(`schema version ${LATEST_VERSION + 3}, but this build of Leffa Studio supports up to version ${LATEST_VERSION}`));
      return true;
    });
    const again = new Database(file, { readonly: true });
    assert.equal(again.pragma('user_version', { simple: true }), LATEST_VERSION + 3);
    assert.equal(again.prepare(`SELECT count(*) FROM sqlite_master`).pluck().get(), 0, 'no tables were created');
    again.close();
    assert.ok(!existsSync(`${file}.bak-v${LATEST_VERSION + 3}`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('opening a missing project without create names the folder', async () => {
  const dir = await tempDir();
  try {
    await assert.rejects(openProject({ dir: join(dir, 'nope') }), /openProject: dir is ".*nope"; expected a project folder containing project.sqlite/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failing migration is rolled back and named; earlier ones stay applied', async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, 'x.sqlite');
    const db = openDatabase(file);
    const broken: Migration = { version: 2, name: 'broken', up: (d) => d.exec(`CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);`) };
    await assert.rejects(
      migrate(db, { file, migrations: [MIGRATIONS[0]!, broken], backup: false }),
      (err: unknown) => err instanceof StoreError && /migration 2 \("broken"\) failed .* left at version 1/.test(err.message),
    );
    assert.equal(schemaVersion(db), 1);
    assert.equal(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'half'`).pluck().get(), 0);
    db.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the migration list must be numbered 1, 2, 3, ...', () => {
  checkMigrationList(MIGRATIONS);
  const m = (version: number): Migration => ({ version, name: `m${version}`, up: () => {} });
  assert.throws(() => checkMigrationList([m(1), m(3)]), /entry 1 \("m3"\) has version 3; expected 2/);
  assert.throws(() => checkMigrationList([m(1), m(1)]), /expected 2/);
});
