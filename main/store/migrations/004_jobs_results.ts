// Version 4: batches, jobs (one per matrix cell) and results, plus the queue's persistent pause flag.
//
// Crash safety lives in the schema: results.job_id is UNIQUE, so a cell re-run after a crash between
// "blob written" and "row committed" cannot produce a second result; jobs.claimed_by / attempt record who
// ran a cell and how often, so recovery can re-queue exactly the cells a dead runner held.
// settings_hash identifies "the same cell" across batches (same input files, checkpoint, seed and
// settings): enqueueing skips cells whose hash already has a result or a pending job.
// Results copy category and commercial_use from the garment and checkpoint: the gallery filters on them
// over a million rows, and a checkpoint's licence must travel with what was made from it. The record
// (the reproducibility JSON, ~1 KB) lives in result_records so that results rows stay narrow: filter
// scans over a million of them then read a few MB instead of a GB (scripts/bench-store.ts).
// job_status_counts is kept by triggers, so the queue's totals are 5 rows, not a count over 1M jobs.
import type { Migration } from './types.ts';

export const migration004: Migration = {
  version: 4,
  name: 'jobs and results',
  up(db) {
    db.exec(/* sql */ `
      CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
        spec TEXT NOT NULL CHECK (json_valid(spec)),
        priority INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        garment_id INTEGER NOT NULL REFERENCES garments(id),
        garment_photo_id INTEGER NOT NULL REFERENCES garment_photos(id),
        model_photo_id INTEGER NOT NULL REFERENCES model_photos(id),
        mask_id INTEGER REFERENCES masks(id),
        densepose_id INTEGER REFERENCES densepose(id),
        checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
        seed INTEGER NOT NULL CHECK (seed >= 0),
        settings TEXT NOT NULL CHECK (json_valid(settings)),
        settings_hash TEXT NOT NULL,
        steps INTEGER NOT NULL CHECK (steps >= 1),
        priority INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        status_seq INTEGER NOT NULL DEFAULT 0,
        attempt INTEGER NOT NULL DEFAULT 0,
        claimed_by TEXT,
        progress REAL NOT NULL DEFAULT 0,
        step_ms REAL,
        run_ms REAL,
        error_type TEXT,
        error_message TEXT,
        error_stack TEXT,
        retried_from INTEGER REFERENCES jobs(id),
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        updated_at INTEGER NOT NULL
      );
      -- The runner's "what next": highest priority first, then oldest. Partial, so it stays tiny.
      CREATE INDEX jobs_next ON jobs(priority DESC, id) WHERE status = 'queued';
      CREATE INDEX jobs_status ON jobs(status);
      CREATE INDEX jobs_batch_status ON jobs(batch_id, status);
      CREATE INDEX jobs_pending_hash ON jobs(settings_hash) WHERE status IN ('queued', 'running');
      CREATE INDEX jobs_retried_from ON jobs(retried_from) WHERE retried_from IS NOT NULL;

      CREATE TABLE results (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL UNIQUE REFERENCES jobs(id),
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        garment_id INTEGER NOT NULL REFERENCES garments(id),
        model_photo_id INTEGER NOT NULL REFERENCES model_photos(id),
        checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
        category TEXT NOT NULL CHECK (category IN ('upper_body', 'lower_body', 'dresses')),
        settings_hash TEXT NOT NULL,
        blob_hash TEXT NOT NULL REFERENCES blobs(hash),
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        commercial_use INTEGER NOT NULL CHECK (commercial_use IN (0, 1)),
        created_at INTEGER NOT NULL
      );
      CREATE INDEX results_settings_hash ON results(settings_hash);
      CREATE INDEX results_garment ON results(garment_id, id);
      CREATE INDEX results_batch ON results(batch_id, id);
      -- garment_id trailing: a text search can test "is this result's garment a match" from the index alone.
      CREATE INDEX results_category ON results(category, id, garment_id);
      -- Without it, "commercial-use only" scans every result when few match (a project made mostly with
      -- non-commercial weights). The model photo's index comes in 005, with the review status in it.
      CREATE INDEX results_commercial ON results(commercial_use, id);
      CREATE TRIGGER results_immutable
        BEFORE UPDATE OF job_id, batch_id, garment_id, model_photo_id, checkpoint_id, category,
                         settings_hash, blob_hash, width, height, commercial_use, created_at
        ON results BEGIN
        SELECT RAISE(ABORT, 'results are never overwritten: re-run the cell to make a new one');
      END;

      CREATE TABLE result_records (
        result_id INTEGER PRIMARY KEY REFERENCES results(id),
        record TEXT NOT NULL CHECK (json_valid(record))
      );
      CREATE TRIGGER result_records_immutable BEFORE UPDATE ON result_records BEGIN
        SELECT RAISE(ABORT, 'results are never overwritten: re-run the cell to make a new one');
      END;

      CREATE TABLE job_status_counts (
        status TEXT PRIMARY KEY,
        n INTEGER NOT NULL CHECK (n >= 0)
      ) WITHOUT ROWID;
      INSERT INTO job_status_counts (status, n)
        VALUES ('queued', 0), ('running', 0), ('succeeded', 0), ('failed', 0), ('cancelled', 0);
      CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs BEGIN
        UPDATE job_status_counts SET n = n + 1 WHERE status = new.status;
      END;
      CREATE TRIGGER job_counts_update AFTER UPDATE OF status ON jobs WHEN old.status <> new.status BEGIN
        UPDATE job_status_counts SET n = n - 1 WHERE status = old.status;
        UPDATE job_status_counts SET n = n + 1 WHERE status = new.status;
      END;
      CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs BEGIN
        UPDATE job_status_counts SET n = n - 1 WHERE status = old.status;
      END;

      CREATE TABLE queue_control (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        paused INTEGER NOT NULL CHECK (paused IN (0, 1))
      );
      INSERT INTO queue_control (id, paused) VALUES (1, 0);
    `);
  },
};
