// Training sets (migration 009): named lists of pairs, each a model photo wearing a garment plus that
// garment's photo, in a category. The held-out split is drawn when the set is made (seeded: the same
// pairs and seed always hold out the same pairs; at least one pair, never all). A pair needs the model
// photo's mask for its category and a DensePose image; `missing` lists what each pair still lacks, and
// `materialise` writes the set as a models/train dataset folder (pairs.jsonl + images), every file atomic.
import type { TrainingPair, TrainingSetSummary } from '../../preload/contract.ts';
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { writeFileAtomicSync } from '../atomic-write.ts';
import type { StoreContext } from './context.ts';
import { argumentError, notFound } from './errors.ts';
import { CATEGORIES, Id, type Category, type DenseposeFormat } from './schemas.ts';
import { parseArgs } from './validate.ts';

export const NewTrainingSet = z
  .object({
    name: z.string().trim().min(1).max(200),
    pairs: z
      .array(z.object({ modelPhotoId: Id, garmentId: Id, garmentPhotoId: Id.optional(), category: z.enum(CATEGORIES).optional() }).strict())
      .min(2)
      .max(100_000),
    holdoutFraction: z.number().gt(0).lt(1).prefault(0.1),
    seed: z.number().int().min(0).max(2 ** 32 - 1).prefault(0),
  })
  .strict();

/** A pair as the API shows it (TrainingPair), plus the hashes of the inputs it has. */
export interface TrainingSetPairRow extends TrainingPair {
  maskHash: string | null;
  denseposeHash: string | null;
}

/** A set as the API lists it. */
export type TrainingSetRow = TrainingSetSummary;

/** xoshiro-free, dependency-free seeded generator (mulberry32): the split only needs to be reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Positions (0..n-1) held out: round(n·fraction) clamped to [1, n−1], drawn by a seeded shuffle. */
export function heldOutPositions(n: number, fraction: number, seed: number): Set<number> {
  const k = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  const order = Array.from({ length: n }, (_, i) => i);
  const rnd = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return new Set(order.slice(0, k));
}

const EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

export class TrainingSetRepo {
  readonly #s;

  constructor(private readonly ctx: StoreContext) {
    const db = ctx.db;
    this.#s = {
      insertSet: db.prepare(/* sql */ `INSERT INTO training_sets (name, seed, holdout_fraction, created_at) VALUES (?, ?, ?, ?) RETURNING id`).pluck(),
      byName: db.prepare(/* sql */ `SELECT id FROM training_sets WHERE name = ?`).pluck(),
      insertPair: db.prepare(/* sql */ `
        INSERT INTO training_pairs (set_id, position, model_photo_id, garment_id, garment_photo_id, category, split)
        VALUES (@setId, @position, @modelPhotoId, @garmentId, @garmentPhotoId, @category, @split)`),
      modelPhoto: db.prepare(/* sql */ `SELECT id FROM model_photos WHERE id = ?`).pluck(),
      garment: db.prepare(/* sql */ `SELECT category FROM garments WHERE id = ?`).pluck(),
      garmentPhoto: db.prepare(/* sql */ `SELECT garment_id FROM garment_photos WHERE id = ?`).pluck(),
      bestPhoto: db.prepare(/* sql */ `
        SELECT id FROM garment_photos WHERE garment_id = ? ORDER BY (photo_type = 'flat-lay') DESC, (view = 'front') DESC, id LIMIT 1`).pluck(),
      set: db.prepare(/* sql */ `SELECT id, name, seed, holdout_fraction AS holdoutFraction, created_at AS createdAt FROM training_sets WHERE id = ?`),
      sets: db.prepare(/* sql */ `SELECT id FROM training_sets ORDER BY id DESC`).pluck(),
      pairs: db.prepare(/* sql */ `
        SELECT p.id, p.position, p.model_photo_id AS modelPhotoId, mp.name AS modelPhotoName, mp.blob_hash AS modelPhotoHash,
               p.garment_id AS garmentId, g.sku AS garmentSku, p.garment_photo_id AS garmentPhotoId, gp.blob_hash AS garmentPhotoHash,
               p.category, p.split,
               (SELECT m.blob_hash FROM masks m WHERE m.model_photo_id = p.model_photo_id AND m.category = p.category ORDER BY m.version DESC LIMIT 1) AS maskHash,
               (SELECT d.blob_hash FROM densepose d WHERE d.model_photo_id = p.model_photo_id AND d.format = @format ORDER BY d.id DESC LIMIT 1) AS denseposeHash
        FROM training_pairs p
        JOIN model_photos mp ON mp.id = p.model_photo_id
        JOIN garments g ON g.id = p.garment_id
        JOIN garment_photos gp ON gp.id = p.garment_photo_id
        WHERE p.set_id = @setId ORDER BY p.position`),
      mediaType: db.prepare(/* sql */ `SELECT media_type FROM blobs WHERE hash = ?`).pluck(),
    };
  }

  create(input: z.input<typeof NewTrainingSet>): TrainingSetRow {
    const fn = 'createTrainingSet';
    const v = parseArgs(fn, NewTrainingSet, input);
    const s = this.#s;
    return this.ctx.db.transaction(() => {
      if (s.byName.get(v.name) !== undefined) throw argumentError(fn, 'name', v.name, 'a name no other training set has', 'conflict');
      const rows = v.pairs.map((p, i) => {
        if (s.modelPhoto.get(p.modelPhotoId) === undefined) throw notFound(fn, `pairs[${i}].modelPhotoId`, p.modelPhotoId, 'model photo');
        const garmentCategory = s.garment.get(p.garmentId) as Category | undefined;
        if (garmentCategory === undefined) throw notFound(fn, `pairs[${i}].garmentId`, p.garmentId, 'garment');
        let photoId = p.garmentPhotoId;
        if (photoId !== undefined) {
          const owner = s.garmentPhoto.get(photoId) as number | undefined;
          if (owner === undefined) throw notFound(fn, `pairs[${i}].garmentPhotoId`, photoId, 'garment photo');
          if (owner !== p.garmentId) throw argumentError(fn, `pairs[${i}].garmentPhotoId`, photoId, `a photo of garment ${p.garmentId} (it belongs to garment ${owner})`);
        } else {
          photoId = s.bestPhoto.get(p.garmentId) as number | undefined;
          if (photoId === undefined) throw argumentError(fn, `pairs[${i}].garmentId`, p.garmentId, 'a garment with at least one photo');
        }
        return { modelPhotoId: p.modelPhotoId, garmentId: p.garmentId, garmentPhotoId: photoId, category: p.category ?? garmentCategory };
      });
      const seen = new Map<string, number>();
      rows.forEach((r, i) => {
        const key = `${r.modelPhotoId}/${r.garmentPhotoId}/${r.category}`;
        const first = seen.get(key);
        if (first !== undefined) throw argumentError(fn, `pairs[${i}]`, v.pairs[i], `a pair not already listed (same as pairs[${first}])`);
        seen.set(key, i);
      });
      const setId = s.insertSet.get(v.name, v.seed, v.holdoutFraction, Date.now()) as number;
      const held = heldOutPositions(rows.length, v.holdoutFraction, v.seed);
      rows.forEach((r, position) => s.insertPair.run({ setId, position, ...r, split: held.has(position) ? 'heldout' : 'train' }));
      return this.get(setId)!;
    }).immediate();
  }

  /** The pairs with what each lacks; DensePose is looked for in `format` (the base checkpoint's). */
  pairs(setId: number, format: DenseposeFormat = 'HD-parula'): TrainingSetPairRow[] {
    const rows = this.#s.pairs.all({ setId, format }) as Omit<TrainingSetPairRow, 'missing'>[];
    return rows.map((r) => ({
      ...r,
      missing: [...(r.maskHash ? [] : ['mask' as const]), ...(r.denseposeHash ? [] : ['densepose' as const])],
    }));
  }

  get(id: number, format: DenseposeFormat = 'HD-parula'): TrainingSetRow | undefined {
    const head = this.#s.set.get(id) as Omit<TrainingSetRow, 'pairs' | 'heldOut' | 'incomplete'> | undefined;
    if (!head) return undefined;
    const pairs = this.pairs(id, format);
    return { ...head, pairs: pairs.length, heldOut: pairs.filter((p) => p.split === 'heldout').length, incomplete: pairs.filter((p) => p.missing.length).length };
  }

  require(id: number, fn: string, argument: string): TrainingSetRow {
    const s = this.get(id);
    if (!s) throw notFound(fn, argument, id, 'training set');
    return s;
  }

  list(): TrainingSetRow[] {
    return (this.#s.sets.all() as number[]).map((id) => this.get(id)!);
  }

  /**
   * Writes the set as a dataset folder (models/train/README.md "Dataset folder") under `dir`: every image
   * copied from the blob store (temp file + rename), then pairs.jsonl written atomically last, so a folder
   * with a pairs.jsonl is complete. Refuses a set with pairs that lack a mask or DensePose image.
   */
  materialise(setId: number, dir: string, format: DenseposeFormat = 'HD-parula'): { pairs: number; heldOut: number } {
    const fn = 'materialiseTrainingSet';
    this.require(setId, fn, 'setId');
    const pairs = this.pairs(setId, format);
    const incomplete = pairs.filter((p) => p.missing.length);
    if (incomplete.length) {
      const list = incomplete.slice(0, 5).map((p) => `pair ${p.position + 1} (${p.modelPhotoName} × ${p.garmentSku}) lacks ${p.missing.join(' and ')}`).join('; ');
      throw argumentError(fn, 'setId', setId, `a set whose pairs all have a mask and a ${format} DensePose image: ${list}${incomplete.length > 5 ? ` … and ${incomplete.length - 5} more` : ''}`);
    }
    const copy = (hash: string, sub: string, name: string): string => {
      const ext = EXT[this.#s.mediaType.get(hash) as string] ?? 'png';
      const rel = `${sub}/${name}.${ext}`;
      const target = join(dir, rel);
      mkdirSync(join(dir, sub), { recursive: true });
      const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        copyFileSync(this.ctx.files.pathOf(hash), temp);
        renameSync(temp, target);
      } catch (e) {
        rmSync(temp, { force: true });
        throw e;
      }
      return rel;
    };
    const lines = pairs.map((p) => {
      const id = String(p.position + 1).padStart(4, '0');
      return JSON.stringify({
        id, person: copy(p.modelPhotoHash, 'person', id), garment: copy(p.garmentPhotoHash, 'garment', id),
        mask: copy(p.maskHash!, 'mask', id), densepose: copy(p.denseposeHash!, 'densepose', id), category: p.category,
        split: p.split === 'heldout' ? 'val' : 'train',
      });
    });
    writeFileAtomicSync(join(dir, 'pairs.jsonl'), `${lines.join('\n')}\n`);
    return { pairs: pairs.length, heldOut: pairs.filter((p) => p.split === 'heldout').length };
  }
}
