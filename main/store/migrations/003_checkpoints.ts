// Version 3: checkpoints (model weights) with their provenance: where they came from, under which
// licence, whether that licence allows commercial use, and which checkpoint and training run they were
// derived from. The commercial-use flag is copied onto every result made with the checkpoint (004), so
// the review and export screens can show it without a join (product.md C.1 #9).
import type { Migration } from './types.ts';

export const migration003: Migration = {
  version: 3,
  name: 'checkpoints',
  up(db) {
    db.exec(/* sql */ `
      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('try-on-HD', 'try-on-DC', 'pose', 'finetune', 'LoRA')),
        architecture TEXT NOT NULL CHECK (architecture IN ('sd15', 'sdxl')),
        blob_hash TEXT NOT NULL UNIQUE REFERENCES blobs(hash),
        size INTEGER NOT NULL CHECK (size >= 0),
        source TEXT,
        licence TEXT NOT NULL,
        commercial_use INTEGER NOT NULL CHECK (commercial_use IN (0, 1)),
        parent_id INTEGER REFERENCES checkpoints(id),
        training_run TEXT CHECK (training_run IS NULL OR json_valid(training_run)),
        created_at INTEGER NOT NULL
      );
    `);
  },
};
