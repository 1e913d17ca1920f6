// Version 12: project settings. A small key/value table for settings that belong to the project (they travel
// with its folder and apply to everyone who opens it), such as the release policy: whether batches and
// exports refuse model photos whose release is missing or does not cover the use, and for which channel and
// region releases are checked. Each value is a JSON document; main/store/project-settings.ts types and
// validates every key (an unknown key is kept, but ignored), and fills in defaults for keys never written.
import type { Migration } from './types.ts';

export const migration012: Migration = {
  version: 12,
  name: 'project settings',
  up(db) {
    db.exec(/* sql */ `
      CREATE TABLE project_settings (
        key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 100),
        value TEXT NOT NULL CHECK (json_valid(value)),
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
