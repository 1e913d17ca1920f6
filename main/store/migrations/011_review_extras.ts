// Version 11: review extras.
//
// - result_quality: the automatic quality checks (models/preprocess/quality_checks.ts) of a result, one row
//   per result, computed in the engine worker after generation and carried in the result's record
//   (engine.generator.quality, or engine.quality from other engines). A trigger on result_records copies
//   them into columns, so the review grid can filter and sort a large project by them through indexes;
//   results made before this version are backfilled from their records (none carry checks: no row).
// - reruns: a re-run ("re-run exactly" or "vary seed") is a new job linked to the result it re-runs. It
//   bypasses the enqueue dedupe on purpose; its result is a new version of the cell (garment × model
//   photo), nothing is overwritten.
// - cell_picks: "the best of N" of a cell, an append-only history (the newest row is the pick; a row
//   with result_id NULL clears it).
import type { Migration } from './types.ts';

export const migration011: Migration = {
  version: 11,
  name: 'review extras',
  up(db) {
    db.exec(/* sql */ `
      CREATE TABLE result_quality (
        result_id INTEGER PRIMARY KEY REFERENCES results(id),
        colour_value REAL,
        colour_verdict TEXT CHECK (colour_verdict IN ('pass', 'warn')),
        outside_value REAL,
        outside_verdict TEXT CHECK (outside_verdict IN ('pass', 'warn')),
        leak_value REAL,
        leak_verdict TEXT CHECK (leak_verdict IN ('pass', 'warn')),
        warnings INTEGER NOT NULL CHECK (warnings >= 0),
        detail TEXT NOT NULL CHECK (json_valid(detail))
      );
      CREATE INDEX result_quality_warnings ON result_quality(warnings, result_id);
      CREATE TRIGGER result_quality_immutable BEFORE UPDATE ON result_quality BEGIN
        SELECT RAISE(ABORT, 'quality checks belong to their result and are never edited');
      END;
      CREATE TRIGGER result_quality_from_record AFTER INSERT ON result_records
        WHEN json_type(new.record, '$.engine.generator.quality') = 'object' OR json_type(new.record, '$.engine.quality') = 'object'
      BEGIN
        INSERT INTO result_quality (result_id, colour_value, colour_verdict, outside_value, outside_verdict, leak_value, leak_verdict, warnings, detail)
        SELECT new.result_id,
               json_extract(q, '$.garmentColour.value'), json_extract(q, '$.garmentColour.verdict'),
               json_extract(q, '$.outsideChange.value'), json_extract(q, '$.outsideChange.verdict'),
               json_extract(q, '$.oldGarmentLeak.value'), json_extract(q, '$.oldGarmentLeak.verdict'),
               (json_extract(q, '$.garmentColour.verdict') IS 'warn') + (json_extract(q, '$.outsideChange.verdict') IS 'warn')
                 + (json_extract(q, '$.oldGarmentLeak.verdict') IS 'warn'),
               q
        FROM (SELECT coalesce(json_extract(new.record, '$.engine.generator.quality'), json_extract(new.record, '$.engine.quality')) AS q);
      END;
      INSERT INTO result_quality (result_id, colour_value, colour_verdict, outside_value, outside_verdict, leak_value, leak_verdict, warnings, detail)
        SELECT result_id,
               json_extract(q, '$.garmentColour.value'), json_extract(q, '$.garmentColour.verdict'),
               json_extract(q, '$.outsideChange.value'), json_extract(q, '$.outsideChange.verdict'),
               json_extract(q, '$.oldGarmentLeak.value'), json_extract(q, '$.oldGarmentLeak.verdict'),
               (json_extract(q, '$.garmentColour.verdict') IS 'warn') + (json_extract(q, '$.outsideChange.verdict') IS 'warn')
                 + (json_extract(q, '$.oldGarmentLeak.verdict') IS 'warn'),
               q
        FROM (SELECT result_id, coalesce(json_extract(record, '$.engine.generator.quality'), json_extract(record, '$.engine.quality')) AS q FROM result_records)
        WHERE json_type(q) = 'object';

      CREATE TABLE reruns (
        job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
        source_result_id INTEGER NOT NULL REFERENCES results(id),
        mode TEXT NOT NULL CHECK (mode IN ('exact', 'seed')),
        created_at INTEGER NOT NULL
      );
      CREATE INDEX reruns_source ON reruns(source_result_id);
      CREATE TRIGGER reruns_immutable BEFORE UPDATE ON reruns BEGIN
        SELECT RAISE(ABORT, 'a re-run link is never edited');
      END;

      CREATE TABLE cell_picks (
        id INTEGER PRIMARY KEY,
        garment_id INTEGER NOT NULL REFERENCES garments(id),
        model_photo_id INTEGER NOT NULL REFERENCES model_photos(id),
        result_id INTEGER REFERENCES results(id),
        reviewer TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX cell_picks_cell ON cell_picks(garment_id, model_photo_id, id);
      CREATE TRIGGER cell_picks_immutable BEFORE UPDATE ON cell_picks BEGIN
        SELECT RAISE(ABORT, 'picks are a history and never edited: pick again instead');
      END;
      -- "Versions of this cell" and the grid grouped by model photo.
      CREATE INDEX results_cell ON results(garment_id, model_photo_id, id);
    `);
  },
};
