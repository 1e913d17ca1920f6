// Version 9: training sets and runs (the Finetune screen).
//
// A training set is a named list of pairs (a model photo wearing a garment + that garment's photo, in a
// category), each marked `train` or `heldout` when the set is made (a seeded split, so the same set always
// holds out the same pairs). A run trains a base checkpoint on a set: its status, configuration, the step
// it reached, its run folder (relative to the project), and on success the checkpoint it registered.
// Metrics are one row per optimizer step (a resumed run replaces the steps it repeats); sample images are
// blobs, one per sampled step.
import type { Migration } from './types.ts';

export const migration009: Migration = {
  version: 9,
  name: 'training sets and runs',
  up(db) {
    db.exec(/* sql */ `
      CREATE TABLE training_sets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        seed INTEGER NOT NULL CHECK (seed >= 0),
        holdout_fraction REAL NOT NULL CHECK (holdout_fraction > 0 AND holdout_fraction < 1),
        created_at INTEGER NOT NULL
      );

      CREATE TABLE training_pairs (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES training_sets(id) ON DELETE CASCADE,
        position INTEGER NOT NULL CHECK (position >= 0),
        model_photo_id INTEGER NOT NULL REFERENCES model_photos(id),
        garment_id INTEGER NOT NULL REFERENCES garments(id),
        garment_photo_id INTEGER NOT NULL REFERENCES garment_photos(id),
        category TEXT NOT NULL CHECK (category IN ('upper_body', 'lower_body', 'dresses')),
        split TEXT NOT NULL CHECK (split IN ('train', 'heldout')),
        UNIQUE (set_id, position),
        UNIQUE (set_id, model_photo_id, garment_photo_id, category)
      );

      CREATE TABLE training_runs (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES training_sets(id),
        base_checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
        config TEXT NOT NULL CHECK (json_valid(config)),
        folder TEXT NOT NULL,
        step INTEGER NOT NULL DEFAULT 0 CHECK (step >= 0),
        total_steps INTEGER NOT NULL CHECK (total_steps >= 1),
        resume INTEGER NOT NULL DEFAULT 0 CHECK (resume IN (0, 1)),
        paused_queue INTEGER NOT NULL DEFAULT 0 CHECK (paused_queue IN (0, 1)),
        error TEXT,
        checkpoint_id INTEGER REFERENCES checkpoints(id),
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX training_runs_status ON training_runs(status, id);

      CREATE TABLE training_metrics (
        run_id INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL CHECK (step >= 1),
        loss_total REAL NOT NULL,
        loss_diffusion REAL NOT NULL,
        loss_leffa REAL,
        lr REAL NOT NULL,
        grad_norm REAL NOT NULL,
        step_ms REAL NOT NULL,
        PRIMARY KEY (run_id, step)
      ) WITHOUT ROWID;

      CREATE TABLE training_samples (
        run_id INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL CHECK (step >= 0),
        blob_hash TEXT NOT NULL REFERENCES blobs(hash),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, step)
      ) WITHOUT ROWID;
    `);
  },
};
