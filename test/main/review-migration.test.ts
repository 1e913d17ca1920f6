// Migration 011 (review extras): quality checks copied from result records into indexed columns (backfilled
// for results made before it, kept by a trigger after), re-run links and cell picks as immutable history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HASH_A, plan, seedV4, tempDb } from './store/migration-helpers.ts';

const quality = (colour: number, outside: number, leak: number) => JSON.stringify({
  garmentColour: { value: colour, threshold: 8, verdict: colour <= 8 ? 'pass' : 'warn', message: 'c' },
  outsideChange: { value: outside, threshold: 2, verdict: outside <= 2 ? 'pass' : 'warn', message: 'o', changedShare: 0 },
  oldGarmentLeak: { value: leak, threshold: 0.25, verdict: leak <= 0.25 ? 'pass' : 'warn', message: 'l', exposedPixels: 9 },
  skipped: [], ms: 3,
});

test('011 backfills quality rows from records, keeps them by trigger, and adds re-run links and picks', async () => {
  const t = await tempDb();
  try {
    const { db } = t;
    await t.to(4);
    seedV4(db); // result 1: a record without checks
    // Result 2 (job 2) made by an engine that reported checks, before version 11.
    db.exec(`
      INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, checkpoint_id, seed, settings, settings_hash, steps, status, created_at, updated_at)
        VALUES (1, 1, 1, 1, 1, 43, '{"steps":30}', 'h2', 30, 'succeeded', 0, 0);
      INSERT INTO results (job_id, batch_id, garment_id, model_photo_id, checkpoint_id, category, settings_hash, blob_hash, width, height, commercial_use, created_at)
        VALUES (2, 1, 1, 1, 1, 'upper_body', 'h2', '${HASH_A}', 48, 64, 0, 0);
    `);
    db.prepare(`INSERT INTO result_records (result_id, record) VALUES (2, ?)`).run(JSON.stringify({ seed: 43, engine: { generator: { quality: JSON.parse(quality(12.5, 1, 0.1)) } } }));
    await t.to(11);
    const row = (id: number) => db.prepare(`SELECT * FROM result_quality WHERE result_id = ?`).get(id) as Record<string, unknown> | undefined;
    assert.equal(row(1), undefined, 'no checks in the record: no row');
    assert.deepEqual(
      { ...row(2), detail: undefined },
      { result_id: 2, colour_value: 12.5, colour_verdict: 'warn', outside_value: 1, outside_verdict: 'pass', leak_value: 0.1, leak_verdict: 'pass', warnings: 1, detail: undefined },
    );

    // After 011: the trigger fills the row as the queue inserts the record (engine.quality works too).
    db.exec(`
      INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, checkpoint_id, seed, settings, settings_hash, steps, status, created_at, updated_at)
        VALUES (1, 1, 1, 1, 1, 44, '{"steps":30}', 'h3', 30, 'succeeded', 0, 0);
      INSERT INTO results (job_id, batch_id, garment_id, model_photo_id, checkpoint_id, category, settings_hash, blob_hash, width, height, commercial_use, created_at)
        VALUES (3, 1, 1, 1, 1, 'upper_body', 'h3', '${HASH_A}', 48, 64, 0, 0);
    `);
    db.prepare(`INSERT INTO result_records (result_id, record) VALUES (3, ?)`).run(JSON.stringify({ engine: { quality: JSON.parse(quality(3, 5, 0.5)) } }));
    assert.deepEqual([row(3)!.warnings, row(3)!.colour_verdict, row(3)!.outside_verdict, row(3)!.leak_verdict], [2, 'pass', 'warn', 'warn']);
    assert.throws(() => db.prepare(`UPDATE result_quality SET warnings = 0`).run(), /never edited/);
    assert.match(plan(db, `SELECT result_id FROM result_quality WHERE warnings > 0 ORDER BY warnings DESC`), /result_quality_warnings/);

    // Re-run links: one per job, a known mode, never edited.
    db.exec(`
      INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, checkpoint_id, seed, settings, settings_hash, steps, status, created_at, updated_at)
        VALUES (1, 1, 1, 1, 1, 42, '{"steps":30}', 'h1', 30, 'queued', 0, 0);
    `);
    const link = db.prepare(`INSERT INTO reruns (job_id, source_result_id, mode, created_at) VALUES (?, ?, ?, 0)`);
    link.run(4, 1, 'exact');
    assert.throws(() => link.run(4, 1, 'seed'), /UNIQUE|PRIMARY KEY/);
    assert.throws(() => link.run(3, 1, 'again'), /CHECK constraint/);
    assert.throws(() => link.run(3, 99, 'exact'), /FOREIGN KEY/);
    assert.throws(() => db.prepare(`UPDATE reruns SET mode = 'seed'`).run(), /never edited/);

    // Picks: an append-only history per cell.
    const pick = db.prepare(`INSERT INTO cell_picks (garment_id, model_photo_id, result_id, reviewer, created_at) VALUES (1, 1, ?, 'mia', 0)`);
    pick.run(2);
    pick.run(3);
    pick.run(null);
    assert.equal(db.prepare(`SELECT result_id FROM cell_picks WHERE garment_id = 1 AND model_photo_id = 1 ORDER BY id DESC LIMIT 1`).pluck().get(), null);
    assert.throws(() => db.prepare(`UPDATE cell_picks SET result_id = 2`).run(), /never edited/);
    assert.match(plan(db, `SELECT id FROM results WHERE garment_id = ? AND model_photo_id = ? ORDER BY id`, 1, 1), /results_cell/);
  } finally {
    await t.cleanup();
  }
});
