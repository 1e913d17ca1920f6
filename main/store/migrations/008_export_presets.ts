// Version 8: export presets. A preset is a named export recipe saved in the project (size and crop, format
// and quality, background, naming template, metadata options, strip), so a team exports a season the same
// way every time. The recipe is JSON validated by the export feature (main/export/preset.ts); names are
// unique regardless of case.
import type { Migration } from './types.ts';

export const migration008: Migration = {
  version: 8,
  name: 'export presets',
  up(db) {
    db.exec(/* sql */ `
      CREATE TABLE export_presets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        spec TEXT NOT NULL CHECK (json_valid(spec) AND json_type(spec) = 'object'),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX export_presets_name ON export_presets(name COLLATE NOCASE);
    `);
  },
};
