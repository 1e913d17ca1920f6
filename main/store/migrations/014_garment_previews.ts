// Version 14: garment previews. The cleaned-up version of a garment photo (models/preprocess cleanGarment:
// 768×1024 on white) is a derived blob, cached so the same photo is never cleaned twice. The key is the
// source image's blob hash plus the cleaner's version: the same file attached to two garments shares one
// preview, and a later, different clean-up algorithm makes a new row instead of serving stale output.
// Warnings (too-small, cut-off, cluttered) are stored as JSON with it.
import type { Migration } from './types.ts';

export const migration014: Migration = {
  version: 14,
  name: 'garment previews',
  up(db) {
    db.exec(/* sql */ `
      CREATE TABLE garment_previews (
        source_hash TEXT NOT NULL REFERENCES blobs(hash),
        cleaner TEXT NOT NULL CHECK (length(cleaner) BETWEEN 1 AND 200),
        preview_hash TEXT NOT NULL REFERENCES blobs(hash),
        source TEXT NOT NULL CHECK (source IN ('alpha', 'background')),
        warnings TEXT NOT NULL CHECK (json_valid(warnings) AND json_type(warnings) = 'array'),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (source_hash, cleaner)
      ) WITHOUT ROWID;
      CREATE INDEX garment_previews_preview ON garment_previews(preview_hash);
    `);
  },
};
