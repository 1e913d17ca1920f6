// Version 5: reviews (an append-only history per result) and exports.
//
// results.review_status is the latest review's status, kept by a trigger so the gallery can filter a
// million results by status through an index instead of a "latest review per result" subquery. The
// column is added with a default, so results made before this version read as 'pending' (the data step
// the migration test checks). The status joins the per-garment index, which replaces the old one, and
// the new per-model-photo index.
import type { Migration } from './types.ts';

export const migration005: Migration = {
  version: 5,
  name: 'reviews and exports',
  up(db) {
    db.exec(/* sql */ `
      ALTER TABLE results ADD COLUMN review_status TEXT NOT NULL DEFAULT 'pending'
        CHECK (review_status IN ('pending', 'approved', 'rejected', 'redo'));
      CREATE INDEX results_review ON results(review_status, id, garment_id);
      CREATE INDEX results_category_review ON results(category, review_status, id, garment_id);
      DROP INDEX results_garment;
      CREATE INDEX results_garment_review ON results(garment_id, review_status, id);
      -- Covering for status and text checks: "this model photo, status redo, text silk" reads no rows.
      CREATE INDEX results_model_photo ON results(model_photo_id, id, review_status, garment_id);

      CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        result_id INTEGER NOT NULL REFERENCES results(id),
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'redo')),
        defect_tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(defect_tags) AND json_type(defect_tags) = 'array'),
        notes TEXT,
        reviewer TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX reviews_result ON reviews(result_id, id);
      CREATE TRIGGER reviews_apply AFTER INSERT ON reviews BEGIN
        UPDATE results SET review_status = new.status WHERE id = new.result_id;
      END;
      CREATE TRIGGER reviews_immutable BEFORE UPDATE ON reviews BEGIN
        SELECT RAISE(ABORT, 'reviews are a history and never edited: add a new review instead');
      END;

      CREATE TABLE exports (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        target_dir TEXT NOT NULL,
        preset TEXT NOT NULL CHECK (json_valid(preset)),
        created_at INTEGER NOT NULL
      );
      CREATE TABLE export_items (
        export_id INTEGER NOT NULL REFERENCES exports(id) ON DELETE CASCADE,
        result_id INTEGER NOT NULL REFERENCES results(id),
        file_name TEXT NOT NULL,
        PRIMARY KEY (export_id, result_id),
        UNIQUE (export_id, file_name)
      ) WITHOUT ROWID;
    `);
  },
};
