// Model photos (the people garments are tried on) with their masks and DensePose inputs.
//
// Masks are per garment category and versioned: a new mask for (photo, category) becomes version n+1 and
// old versions stay, because results made with them record their ids. One mask serves every garment of
// its category on that photo (product.md C.1 #5). DensePose inputs are imported or generated, in the
// format the checkpoint expects, with an `approximated` flag for maps not made by DensePose itself.
import type { z } from 'zod';
import type { StoreContext } from './context.ts';
import type { DB } from './database.ts';
import { argumentError, notFound } from './errors.ts';
import { inspectImage, type ImageInfo } from './image-check.ts';
import { NewDensePose, NewMask, NewModelPhoto, type Category, type DenseposeFormat, type DenseposeOrigin, type MaskOrigin } from './schemas.ts';
import type { DensePose, Mask, ModelPhoto } from './types.ts';
import { parseArgs } from './validate.ts';

interface PhotoRow { id: number; name: string; blob_hash: string; width: number; height: number; notes: string | null; created_at: number }
interface MaskRow { id: number; model_photo_id: number; category: Category; version: number; blob_hash: string; origin: MaskOrigin; created_at: number }
interface DenseRow {
  id: number; model_photo_id: number; format: DenseposeFormat; origin: DenseposeOrigin; approximated: number;
  generator: string | null; blob_hash: string; created_at: number;
}

const toPhoto = (r: PhotoRow): ModelPhoto => ({ id: r.id, name: r.name, blobHash: r.blob_hash, width: r.width, height: r.height, notes: r.notes, createdAt: r.created_at });
const toMask = (r: MaskRow): Mask => ({ id: r.id, modelPhotoId: r.model_photo_id, category: r.category, version: r.version, blobHash: r.blob_hash, origin: r.origin, createdAt: r.created_at });
const toDense = (r: DenseRow): DensePose => ({
  id: r.id, modelPhotoId: r.model_photo_id, format: r.format, origin: r.origin, approximated: r.approximated === 1,
  generator: r.generator, blobHash: r.blob_hash, createdAt: r.created_at,
});

function prepare(db: DB) {
  return {
    get: db.prepare(/* sql */ `SELECT * FROM model_photos WHERE id = ?`),
    byHash: db.prepare(/* sql */ `SELECT * FROM model_photos WHERE blob_hash = ?`),
    list: db.prepare(/* sql */ `SELECT * FROM model_photos ORDER BY id`),
    insert: db.prepare(/* sql */ `
      INSERT INTO model_photos (name, blob_hash, width, height, notes, created_at)
      VALUES (@name, @hash, @width, @height, @notes, @now) RETURNING *`),
    latestMask: db.prepare(/* sql */ `SELECT * FROM masks WHERE model_photo_id = ? AND category = ? ORDER BY version DESC LIMIT 1`),
    masks: db.prepare(/* sql */ `SELECT * FROM masks WHERE model_photo_id = ? ORDER BY category, version`),
    insertMask: db.prepare(/* sql */ `
      INSERT INTO masks (model_photo_id, category, version, blob_hash, origin, created_at)
      VALUES (@photoId, @category, @version, @hash, @origin, @now) RETURNING *`),
    dense: db.prepare(/* sql */ `SELECT * FROM densepose WHERE model_photo_id = ? AND format = ? AND blob_hash = ?`),
    latestDense: db.prepare(/* sql */ `SELECT * FROM densepose WHERE model_photo_id = ? AND format = ? ORDER BY id DESC LIMIT 1`),
    denses: db.prepare(/* sql */ `SELECT * FROM densepose WHERE model_photo_id = ? ORDER BY id`),
    insertDense: db.prepare(/* sql */ `
      INSERT INTO densepose (model_photo_id, format, origin, approximated, generator, blob_hash, created_at)
      VALUES (@photoId, @format, @origin, @approximated, @generator, @hash, @now) RETURNING *`),
  };
}

export class ModelPhotoRepo {
  readonly #s: ReturnType<typeof prepare>;

  constructor(private readonly ctx: StoreContext) {
    this.#s = prepare(ctx.db);
  }

  /** Adds a person photo; the same image imported twice returns the existing model photo. */
  async add(input: z.input<typeof NewModelPhoto>): Promise<ModelPhoto> {
    const fn = 'addModelPhoto';
    const v = parseArgs(fn, NewModelPhoto, input);
    const info = await inspectImage(v.file, { fn, argument: 'file', maxPixels: this.ctx.maxPixels });
    const blob = await this.#put(v.file);
    return this.ctx.blobRows.commitOrDiscard(blob, () =>
      this.ctx.db.transaction(() => {
        const existing = this.#s.byHash.get(blob.hash) as PhotoRow | undefined;
        if (existing) return toPhoto(existing);
        this.ctx.blobRows.register(blob, info);
        return toPhoto(this.#s.insert.get({ name: v.name, hash: blob.hash, width: info.width, height: info.height, notes: v.notes ?? null, now: Date.now() }) as PhotoRow);
      }).immediate(),
    );
  }

  get(id: number): ModelPhoto | undefined {
    const row = this.#s.get.get(id) as PhotoRow | undefined;
    return row && toPhoto(row);
  }

  require(id: number, fn: string, argument: string): ModelPhoto {
    const p = this.get(id);
    if (!p) throw notFound(fn, argument, id, 'model photo');
    return p;
  }

  list(): ModelPhoto[] {
    return (this.#s.list.all() as PhotoRow[]).map(toPhoto);
  }

  /**
   * Adds a new mask version for (model photo, category). White = region to generate. The mask must have
   * the photo's size. Re-adding the latest version's exact file returns that version instead of a copy.
   */
  async addMask(input: z.input<typeof NewMask>): Promise<Mask> {
    const fn = 'addMask';
    const v = parseArgs(fn, NewMask, input);
    return this.#addPhotoImage(fn, v.modelPhotoId, v.file, (blob, register) => {
      const latest = this.#s.latestMask.get(v.modelPhotoId, v.category) as MaskRow | undefined;
      if (latest?.blob_hash === blob.hash) return toMask(latest);
      register();
      const row = this.#s.insertMask.get({ photoId: v.modelPhotoId, category: v.category, version: (latest?.version ?? 0) + 1, hash: blob.hash, origin: v.origin, now: Date.now() });
      return toMask(row as MaskRow);
    });
  }

  /** Every mask version of a photo, by category then version. */
  masks(modelPhotoId: number): Mask[] {
    return (this.#s.masks.all(modelPhotoId) as MaskRow[]).map(toMask);
  }

  latestMask(modelPhotoId: number, category: Category): Mask | undefined {
    const row = this.#s.latestMask.get(modelPhotoId, category) as MaskRow | undefined;
    return row && toMask(row);
  }

  async addDensePose(input: z.input<typeof NewDensePose>): Promise<DensePose> {
    const fn = 'addDensePose';
    const v = parseArgs(fn, NewDensePose, input);
    return this.#addPhotoImage(fn, v.modelPhotoId, v.file, (blob, register) => {
      const existing = this.#s.dense.get(v.modelPhotoId, v.format, blob.hash) as DenseRow | undefined;
      if (existing) return toDense(existing);
      register();
      const row = this.#s.insertDense.get({
        photoId: v.modelPhotoId, format: v.format, origin: v.origin, approximated: v.approximated ? 1 : 0,
        generator: v.generator ?? null, hash: blob.hash, now: Date.now(),
      });
      return toDense(row as DenseRow);
    });
  }

  densePoses(modelPhotoId: number): DensePose[] {
    return (this.#s.denses.all(modelPhotoId) as DenseRow[]).map(toDense);
  }

  latestDensePose(modelPhotoId: number, format: DenseposeFormat): DensePose | undefined {
    const row = this.#s.latestDense.get(modelPhotoId, format) as DenseRow | undefined;
    return row && toDense(row);
  }

  /**
   * A label image of a model photo (mask, DensePose): checked to be an image of the photo's size, stored as
   * a blob, then `insert` runs in a transaction that re-checks the photo still exists; it calls `register`
   * when it keeps the blob (a blob nothing references is discarded).
   */
  async #addPhotoImage<T>(fn: string, modelPhotoId: number, file: string | Uint8Array, insert: (blob: { hash: string }, register: () => void) => T): Promise<T> {
    const photo = this.require(modelPhotoId, fn, 'modelPhotoId');
    const info = await inspectImage(file, { fn, argument: 'file', maxPixels: this.ctx.maxPixels });
    this.#sameSize(fn, file, info, photo);
    const blob = await this.#put(file);
    return this.ctx.blobRows.commitOrDiscard(blob, () =>
      this.ctx.db.transaction(() => {
        this.require(modelPhotoId, fn, 'modelPhotoId');
        return insert(blob, () => this.ctx.blobRows.register(blob, info));
      }).immediate(),
    );
  }

  #put(file: string | Uint8Array) {
    return typeof file === 'string' ? this.ctx.files.putFile(file) : this.ctx.files.putBytes(file);
  }

  /** Masks and DensePose maps are read pixel-for-pixel against the photo, so sizes must match exactly. */
  #sameSize(fn: string, file: unknown, info: ImageInfo, photo: ModelPhoto): void {
    if (info.width !== photo.width || info.height !== photo.height) {
      throw argumentError(fn, 'file', file, `an image the size of model photo ${photo.id}, ${photo.width}×${photo.height} (it is ${info.width}×${info.height})`);
    }
  }
}
