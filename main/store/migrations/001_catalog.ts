// Version 1: the catalogue. The project row, the blob register, collections, garments with tags and
// photos, and model photos with their masks and DensePose inputs.
//
// Why blobs are a table: every file in blobs/ has exactly one row here, written in the same transaction
// as the first row that points at it, so foreign keys (not code) guarantee no row points at a file the
// store does not know, and the orphan check can compare the folder with this table.
// Why masks and DensePose rows are immutable (triggers): a result's reproducibility record points at
// them by id; editing one in place would silently change what old results claim they were made from.
import type { Migration } from './types.ts';

export const migration001: Migration = {
  version: 1,
  name: 'catalog',
  up(db) {
    db.exec(/* sql */ `
      CREATE TABLE project (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE blobs (
        hash TEXT PRIMARY KEY CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
        size INTEGER NOT NULL CHECK (size >= 0),
        media_type TEXT NOT NULL,
        width INTEGER,
        height INTEGER,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        season TEXT,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE garments (
        id INTEGER PRIMARY KEY,
        sku TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('upper_body', 'lower_body', 'dresses')),
        colourway TEXT,
        season TEXT,
        collection_id INTEGER REFERENCES collections(id),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX garments_category ON garments(category, id);
      CREATE INDEX garments_collection ON garments(collection_id, id) WHERE collection_id IS NOT NULL;

      CREATE TABLE garment_tags (
        garment_id INTEGER NOT NULL REFERENCES garments(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (garment_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX garment_tags_tag ON garment_tags(tag, garment_id);

      CREATE TABLE garment_photos (
        id INTEGER PRIMARY KEY,
        garment_id INTEGER NOT NULL REFERENCES garments(id) ON DELETE CASCADE,
        blob_hash TEXT NOT NULL REFERENCES blobs(hash),
        view TEXT NOT NULL CHECK (view IN ('front', 'back', 'side', 'detail', 'other')),
        photo_type TEXT NOT NULL CHECK (photo_type IN ('flat-lay', 'on-model')),
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (garment_id, blob_hash)
      );

      CREATE TABLE model_photos (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        blob_hash TEXT NOT NULL UNIQUE REFERENCES blobs(hash),
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        notes TEXT,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE masks (
        id INTEGER PRIMARY KEY,
        model_photo_id INTEGER NOT NULL REFERENCES model_photos(id),
        category TEXT NOT NULL CHECK (category IN ('upper_body', 'lower_body', 'dresses')),
        version INTEGER NOT NULL CHECK (version >= 1),
        blob_hash TEXT NOT NULL REFERENCES blobs(hash),
        origin TEXT NOT NULL CHECK (origin IN ('auto', 'manual', 'imported')),
        created_at INTEGER NOT NULL,
        UNIQUE (model_photo_id, category, version)
      );
      CREATE TRIGGER masks_immutable BEFORE UPDATE ON masks BEGIN
        SELECT RAISE(ABORT, 'masks are versioned and never overwritten: add a new version instead');
      END;

      CREATE TABLE densepose (
        id INTEGER PRIMARY KEY,
        model_photo_id INTEGER NOT NULL REFERENCES model_photos(id),
        format TEXT NOT NULL CHECK (format IN ('HD-parula', 'DC-I-map', 'UVI')),
        origin TEXT NOT NULL CHECK (origin IN ('imported', 'generated')),
        approximated INTEGER NOT NULL CHECK (approximated IN (0, 1)),
        generator TEXT,
        blob_hash TEXT NOT NULL REFERENCES blobs(hash),
        created_at INTEGER NOT NULL,
        UNIQUE (model_photo_id, format, blob_hash)
      );
      CREATE INDEX densepose_photo ON densepose(model_photo_id, format, id);
      CREATE TRIGGER densepose_immutable BEFORE UPDATE ON densepose BEGIN
        SELECT RAISE(ABORT, 'DensePose inputs are never overwritten: add a new one instead');
      END;
    `);
  },
};
