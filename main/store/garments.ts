// Garments (SKU records) and their photos. A garment's photos are blobs; the same file added twice to
// the same garment returns the existing photo, and shared across garments is stored once.
import type { z } from 'zod';
import type { CollectionRepo } from './collections.ts';
import type { StoreContext } from './context.ts';
import type { DB } from './database.ts';
import { argumentError, notFound } from './errors.ts';
import { inspectImage } from './image-check.ts';
import { GarmentUpdate, NewGarment, NewGarmentPhoto, type Category, type PhotoType, type View } from './schemas.ts';
import type { Garment, GarmentPhoto } from './types.ts';
import { parseArgs } from './validate.ts';

interface GarmentRow {
  id: number; sku: string; name: string; category: Category; colourway: string | null; season: string | null;
  collection_id: number | null; tags: string | null; created_at: number; updated_at: number;
}
interface PhotoRow {
  id: number; garment_id: number; blob_hash: string; view: View; photo_type: PhotoType; width: number; height: number; created_at: number;
}

export const toGarment = (r: GarmentRow): Garment => ({
  id: r.id, sku: r.sku, name: r.name, category: r.category, colourway: r.colourway, season: r.season,
  collectionId: r.collection_id, tags: r.tags ? (JSON.parse(r.tags) as string[]) : [], createdAt: r.created_at, updatedAt: r.updated_at,
});
const toPhoto = (r: PhotoRow): GarmentPhoto => ({
  id: r.id, garmentId: r.garment_id, blobHash: r.blob_hash, view: r.view, type: r.photo_type, width: r.width, height: r.height, createdAt: r.created_at,
});

/** SELECT list for a garment with its tags as a JSON array (one query, no N+1). */
export const GARMENT_COLUMNS = /* sql */ `g.*, (SELECT json_group_array(tag) FROM (SELECT tag FROM garment_tags WHERE garment_id = g.id ORDER BY tag)) AS tags`;

function prepare(db: DB) {
  return {
    insert: db.prepare(/* sql */ `
      INSERT INTO garments (sku, name, category, colourway, season, collection_id, created_at, updated_at)
      VALUES (@sku, @name, @category, @colourway, @season, @collectionId, @now, @now) RETURNING id`).pluck(),
    update: db.prepare(/* sql */ `
      UPDATE garments SET sku = coalesce(@sku, sku), name = coalesce(@name, name), category = coalesce(@category, category), colourway = CASE WHEN @setColourway THEN @colourway ELSE colourway END,
        season = CASE WHEN @setSeason THEN @season ELSE season END,
        collection_id = CASE WHEN @setCollection THEN @collectionId ELSE collection_id END, updated_at = @now
      WHERE id = @id`),
    insertTag: db.prepare(/* sql */ `INSERT OR IGNORE INTO garment_tags (garment_id, tag) VALUES (?, ?)`),
    clearTags: db.prepare(/* sql */ `DELETE FROM garment_tags WHERE garment_id = ?`),
    get: db.prepare(/* sql */ `SELECT ${GARMENT_COLUMNS} FROM garments g WHERE g.id = ?`),
    bySku: db.prepare(/* sql */ `SELECT id FROM garments WHERE sku = ?`).pluck(),
    exists: db.prepare(/* sql */ `SELECT 1 FROM garments WHERE id = ?`).pluck(),
    photo: db.prepare(/* sql */ `SELECT * FROM garment_photos WHERE garment_id = ? AND blob_hash = ?`),
    insertPhoto: db.prepare(/* sql */ `
      INSERT INTO garment_photos (garment_id, blob_hash, view, photo_type, width, height, created_at)
      VALUES (@garmentId, @hash, @view, @type, @width, @height, @now) RETURNING *`),
    photos: db.prepare(/* sql */ `SELECT * FROM garment_photos WHERE garment_id = ? ORDER BY id`),
  };
}

export class GarmentRepo {
  readonly #s: ReturnType<typeof prepare>;

  constructor(private readonly ctx: StoreContext, private readonly collections: CollectionRepo) {
    this.#s = prepare(ctx.db);
  }

  add(input: z.input<typeof NewGarment>): Garment {
    const fn = 'addGarment';
    const v = parseArgs(fn, NewGarment, input);
    const id = this.ctx.db.transaction(() => {
      if (v.collectionId !== undefined) this.collections.require(v.collectionId, fn, 'collectionId');
      const clash = this.#s.bySku.get(v.sku);
      if (clash !== undefined) throw argumentError(fn, 'sku', v.sku, `a SKU no other garment has (garment ${clash} has it)`, 'conflict');
      const now = Date.now();
      const newId = this.#s.insert.get({ sku: v.sku, name: v.name, category: v.category, colourway: v.colourway ?? null, season: v.season ?? null, collectionId: v.collectionId ?? null, now }) as number;
      for (const tag of v.tags) this.#s.insertTag.run(newId, tag);
      return newId;
    }).immediate();
    return this.get(id)!;
  }

  /**
   * Changes a garment's details; `tags` replaces the whole set. A new SKU must be free (conflict error
   * naming it otherwise); results keep the garment id, so changing SKU or category keeps their history.
   */
  update(input: z.input<typeof GarmentUpdate>): Garment {
    const fn = 'updateGarment';
    const v = parseArgs(fn, GarmentUpdate, input);
    this.ctx.db.transaction(() => {
      this.require(v.id, fn, 'id');
      if (v.collectionId != null) this.collections.require(v.collectionId, fn, 'collectionId');
      if (v.sku !== undefined) {
        const clash = this.#s.bySku.get(v.sku) as number | undefined;
        if (clash !== undefined && clash !== v.id) throw argumentError(fn, 'sku', v.sku, `a SKU no other garment has (garment ${clash} has it)`, 'conflict');
      }
      this.#s.update.run({
        id: v.id, sku: v.sku ?? null, name: v.name ?? null, category: v.category ?? null, now: Date.now(),
        setColourway: v.colourway !== undefined ? 1 : 0, colourway: v.colourway ?? null,
        setSeason: v.season !== undefined ? 1 : 0, season: v.season ?? null,
        setCollection: v.collectionId !== undefined ? 1 : 0, collectionId: v.collectionId ?? null,
      });
      if (v.tags) {
        this.#s.clearTags.run(v.id);
        for (const tag of v.tags) this.#s.insertTag.run(v.id, tag);
      }
    }).immediate();
    return this.get(v.id)!;
  }

  get(id: number): Garment | undefined {
    const row = this.#s.get.get(id) as GarmentRow | undefined;
    return row && toGarment(row);
  }

  require(id: number, fn: string, argument: string): Garment {
    const g = this.get(id);
    if (!g) throw notFound(fn, argument, id, 'garment');
    return g;
  }

  /** Adds a photo (file path or bytes). Checks it is a real image within the pixel limit before storing. */
  async addPhoto(input: z.input<typeof NewGarmentPhoto>): Promise<GarmentPhoto> {
    const fn = 'addGarmentPhoto';
    const v = parseArgs(fn, NewGarmentPhoto, input);
    if (this.#s.exists.get(v.garmentId) === undefined) throw notFound(fn, 'garmentId', v.garmentId, 'garment');
    const info = await inspectImage(v.file, { fn, argument: 'file', maxPixels: this.ctx.maxPixels });
    const blob = typeof v.file === 'string' ? await this.ctx.files.putFile(v.file) : await this.ctx.files.putBytes(v.file);
    return this.ctx.blobRows.commitOrDiscard(blob, () =>
      this.ctx.db.transaction(() => {
        // Re-checked inside the transaction: the garment could have gone while the file was copied.
        if (this.#s.exists.get(v.garmentId) === undefined) throw notFound(fn, 'garmentId', v.garmentId, 'garment');
        const existing = this.#s.photo.get(v.garmentId, blob.hash) as PhotoRow | undefined;
        if (existing) return toPhoto(existing);
        this.ctx.blobRows.register(blob, info);
        return toPhoto(this.#s.insertPhoto.get({ garmentId: v.garmentId, hash: blob.hash, view: v.view, type: v.type, width: info.width, height: info.height, now: Date.now() }) as PhotoRow);
      }).immediate(),
    );
  }

  photos(garmentId: number): GarmentPhoto[] {
    return (this.#s.photos.all(garmentId) as PhotoRow[]).map(toPhoto);
  }
}
