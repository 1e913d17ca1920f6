// Version 7: model releases (the signed consent of the person in a model photo) and the erasure log.
//
// A release belongs to one model photo and records who consented (name or agency id, as on the form), when,
// until when (NULL: no end date), for which channels and regions ('*' = all), and optionally the scan of the
// signed form as a blob (PDF or image). Dates are calendar dates, 'YYYY-MM-DD', which compare correctly as
// text. Rows are never edited, because an export manifest records which release covered an image: a renewal
// is a new row; withdrawn consent sets revoked_on once (the only column that may change, and only from NULL).
// erasure_log proves that a right-to-erasure request was carried out, with counts only: keeping the person's
// name there would defeat the erasure.
import type { Migration } from './types.ts';

export const migration007: Migration = {
  version: 7,
  name: 'model releases',
  up(db) {
    db.exec(/* sql */ `
      CREATE TABLE model_releases (
        id INTEGER PRIMARY KEY,
        model_photo_id INTEGER NOT NULL REFERENCES model_photos(id),
        subject TEXT NOT NULL CHECK (length(trim(subject)) > 0),
        consent_date TEXT NOT NULL CHECK (consent_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
        expires_on TEXT CHECK (expires_on IS NULL OR (expires_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND expires_on >= consent_date)),
        channels TEXT NOT NULL CHECK (json_valid(channels) AND json_type(channels) = 'array' AND json_array_length(channels) > 0),
        regions TEXT NOT NULL CHECK (json_valid(regions) AND json_type(regions) = 'array' AND json_array_length(regions) > 0),
        scan_blob_hash TEXT REFERENCES blobs(hash),
        notes TEXT,
        revoked_on TEXT CHECK (revoked_on IS NULL OR revoked_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
        created_at INTEGER NOT NULL
      );
      CREATE INDEX model_releases_photo ON model_releases(model_photo_id, id);
      CREATE INDEX model_releases_subject ON model_releases(subject COLLATE NOCASE);
      CREATE TRIGGER model_releases_immutable
        BEFORE UPDATE OF model_photo_id, subject, consent_date, expires_on, channels, regions, scan_blob_hash, notes, created_at
        ON model_releases BEGIN
        SELECT RAISE(ABORT, 'releases are never edited: record a renewed release as a new one');
      END;
      CREATE TRIGGER model_releases_revoke_once BEFORE UPDATE OF revoked_on ON model_releases
        WHEN old.revoked_on IS NOT NULL BEGIN
        SELECT RAISE(ABORT, 'a revoked release stays revoked: record a new release instead');
      END;

      CREATE TABLE erasure_log (
        id INTEGER PRIMARY KEY,
        executed_at INTEGER NOT NULL,
        model_photos INTEGER NOT NULL,
        results INTEGER NOT NULL,
        rows_deleted INTEGER NOT NULL,
        blobs_deleted INTEGER NOT NULL
      );
    `);
  },
};
