// Version 10: downloaded models (the model manager, issue #13) and licences before first use.
//
// - checkpoints.licence_accepted_at / licence_accepted_by: who accepted the checkpoint's licence in this
//   project, and when. NULL means not yet accepted: batches refuse such a checkpoint until the user accepts
//   it on the Checkpoints screen. Every checkpoint that exists before this migration was imported by hand,
//   with a licence the user typed, so it counts as accepted at import.
// - hub_models: where a downloaded checkpoint came from (catalogue id, repo, commit, file), the SHA-256 and
//   size the Hub published, and the licence as read from the model card's metadata (NULL: the card said
//   none). One row per checkpoint; the checkpoint row itself keeps the licence shown to the user.
// - checkpoint_defaults: the checkpoint a batch without one uses, per task (try-on HD, try-on DC, pose),
//   instead of one per project. Deleting a checkpoint drops its default rows.
import type { Migration } from './types.ts';

export const migration010: Migration = {
  version: 10,
  name: 'downloaded models',
  up(db) {
    db.exec(/* sql */ `
      ALTER TABLE checkpoints ADD COLUMN licence_accepted_at INTEGER;
      ALTER TABLE checkpoints ADD COLUMN licence_accepted_by TEXT
        CHECK (licence_accepted_by IS NULL OR length(licence_accepted_by) BETWEEN 1 AND 200);
      UPDATE checkpoints SET licence_accepted_at = created_at, licence_accepted_by = 'import';

      CREATE TABLE hub_models (
        checkpoint_id INTEGER PRIMARY KEY REFERENCES checkpoints(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL CHECK (length(model_id) BETWEEN 1 AND 100),
        repo TEXT NOT NULL CHECK (length(repo) BETWEEN 1 AND 200),
        revision TEXT NOT NULL CHECK (length(revision) BETWEEN 1 AND 200),
        file TEXT NOT NULL CHECK (length(file) BETWEEN 1 AND 500),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        size INTEGER NOT NULL CHECK (size >= 0),
        card_licence TEXT,
        registered_at INTEGER NOT NULL
      );
      CREATE INDEX hub_models_model ON hub_models(model_id);

      CREATE TABLE checkpoint_defaults (
        task TEXT PRIMARY KEY CHECK (task IN ('try-on-HD', 'try-on-DC', 'pose')),
        checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
        set_at INTEGER NOT NULL
      );
    `);
  },
};
