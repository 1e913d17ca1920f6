// Version 2: full-text search over garments (SKU, name, tags) with FTS5.
//
// The index is a regular FTS5 table keyed by garment id (rowid) and kept in step by triggers, so every
// write path (the repository, bulk imports, later migrations) updates it without remembering to. Tags
// live in garment_tags; the triggers rebuild the row's `tags` column from there. Existing garments are
// indexed here, which is the data step the migration test checks.
// unicode61 with remove_diacritics 2 makes "cafe" find "Café"; prefix '2 3' makes the as-you-type
// prefix queries ("sk"*) index lookups instead of scans.
import type { Migration } from './types.ts';

export const migration002: Migration = {
  version: 2,
  name: 'garment search',
  up(db) {
    db.exec(/* sql */ `
      CREATE VIRTUAL TABLE garment_fts USING fts5(
        sku, name, tags,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
      );

      INSERT INTO garment_fts (rowid, sku, name, tags)
        SELECT g.id, g.sku, g.name,
               coalesce((SELECT group_concat(t.tag, ' ') FROM garment_tags t WHERE t.garment_id = g.id), '')
        FROM garments g;

      CREATE TRIGGER garment_fts_insert AFTER INSERT ON garments BEGIN
        INSERT INTO garment_fts (rowid, sku, name, tags) VALUES (new.id, new.sku, new.name, '');
      END;
      CREATE TRIGGER garment_fts_update AFTER UPDATE OF sku, name ON garments BEGIN
        UPDATE garment_fts SET sku = new.sku, name = new.name WHERE rowid = new.id;
      END;
      CREATE TRIGGER garment_fts_delete AFTER DELETE ON garments BEGIN
        DELETE FROM garment_fts WHERE rowid = old.id;
      END;
      CREATE TRIGGER garment_fts_tag_insert AFTER INSERT ON garment_tags BEGIN
        UPDATE garment_fts
          SET tags = (SELECT group_concat(tag, ' ') FROM garment_tags WHERE garment_id = new.garment_id)
          WHERE rowid = new.garment_id;
      END;
      CREATE TRIGGER garment_fts_tag_delete AFTER DELETE ON garment_tags BEGIN
        UPDATE garment_fts
          SET tags = coalesce((SELECT group_concat(tag, ' ') FROM garment_tags WHERE garment_id = old.garment_id), '')
          WHERE rowid = old.garment_id;
      END;
    `);
  },
};
