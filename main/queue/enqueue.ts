// Enqueueing a batch: expand garments × model photos × seeds × settings into cells, resolve each cell's
// inputs (which garment photo, the latest mask for the garment's category, the DensePose map in the
// checkpoint's format), and insert one queued job per cell that is not already done or pending.
// Everything happens in one synchronous transaction: a batch is queued whole or not at all, and 10,000
// cells take a fraction of a second (scripts/bench-store.ts prints it).
import type { DB } from '../store/database.ts';
import { argumentError, notFound } from '../store/errors.ts';
import type { Category, CheckpointKind, DenseposeFormat } from '../store/schemas.ts';
import { parseArgs } from '../store/validate.ts';
import { settingsHash } from './cell-key.ts';
import { BatchSpec, type BatchSpecInput } from './settings.ts';

export interface EnqueueReport {
  batchId: number;
  /** Cells in the matrix. */
  cells: number;
  /** Jobs created. */
  created: number;
  /** Cells skipped because a result with the same settings hash exists. */
  skippedDone: number;
  /** Cells skipped because a queued or running job has the same settings hash. */
  skippedPending: number;
  /** Cells repeated within this batch (a seed or setting listed twice). */
  skippedDuplicate: number;
}

const TRY_ON_KINDS: readonly CheckpointKind[] = ['try-on-HD', 'try-on-DC', 'finetune', 'LoRA'];
/** The DensePose rendering each Leffa try-on model was trained on (spec §3.6). */
const DENSEPOSE_FOR: Partial<Record<CheckpointKind, DenseposeFormat>> = { 'try-on-HD': 'HD-parula', 'try-on-DC': 'DC-I-map' };

function prepare(db: DB) {
  return {
    checkpoint: db.prepare(/* sql */ `SELECT id, kind, blob_hash, parent_id FROM checkpoints WHERE id = ?`),
    garment: db.prepare(/* sql */ `SELECT id, sku, category FROM garments WHERE id = ?`),
    // 'any' prefers a flat-lay, then a front view, then the oldest photo.
    garmentPhoto: db.prepare(/* sql */ `
      SELECT id, blob_hash FROM garment_photos
      WHERE garment_id = @garmentId AND (@type = 'any' OR photo_type = @type)
      ORDER BY (photo_type = 'flat-lay') DESC, (view = 'front') DESC, id LIMIT 1`),
    modelPhoto: db.prepare(/* sql */ `SELECT id, blob_hash FROM model_photos WHERE id = ?`),
    mask: db.prepare(/* sql */ `SELECT id, blob_hash FROM masks WHERE model_photo_id = ? AND category = ? ORDER BY version DESC LIMIT 1`),
    densepose: db.prepare(/* sql */ `SELECT id, blob_hash FROM densepose WHERE model_photo_id = ? AND format = ? ORDER BY id DESC LIMIT 1`),
    resultExists: db.prepare(/* sql */ `SELECT 1 FROM results WHERE settings_hash = ? LIMIT 1`).pluck(),
    pendingExists: db.prepare(/* sql */ `SELECT 1 FROM jobs WHERE settings_hash = ? AND status IN ('queued', 'running') LIMIT 1`).pluck(),
    insertBatch: db.prepare(/* sql */ `
      INSERT INTO batches (name, checkpoint_id, spec, priority, created_at) VALUES (@name, @checkpointId, @spec, @priority, @now) RETURNING id`).pluck(),
    insertJob: db.prepare(/* sql */ `
      INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, mask_id, densepose_id, checkpoint_id, seed,
                        settings, settings_hash, steps, priority, status, created_at, updated_at)
      VALUES (@batchId, @garmentId, @garmentPhotoId, @modelPhotoId, @maskId, @denseposeId, @checkpointId, @seed,
              @settings, @hash, @steps, @priority, 'queued', @now, @now)`),
  };
}

type Ref = { id: number; blob_hash: string };

export class Enqueuer {
  readonly #s: ReturnType<typeof prepare>;

  constructor(private readonly db: DB) {
    this.#s = prepare(db);
  }

  /** The DensePose format a checkpoint wants; a finetune wants its ancestor's. */
  #denseposeFormat(checkpointId: number): DenseposeFormat {
    let id: number | null = checkpointId;
    for (let depth = 0; id !== null && depth < 16; depth++) {
      const c = this.#s.checkpoint.get(id) as { kind: CheckpointKind; parent_id: number | null } | undefined;
      if (!c) break;
      const format = DENSEPOSE_FOR[c.kind];
      if (format) return format;
      id = c.parent_id;
    }
    return 'HD-parula';
  }

  /** Runs inside the caller's transaction. */
  enqueue(input: BatchSpecInput): EnqueueReport {
    const fn = 'enqueueBatch';
    const spec = parseArgs(fn, BatchSpec, input);
    const s = this.#s;
    const ckpt = s.checkpoint.get(spec.checkpointId) as { id: number; kind: CheckpointKind; blob_hash: string } | undefined;
    if (!ckpt) throw notFound(fn, 'checkpointId', spec.checkpointId, 'checkpoint');
    if (!TRY_ON_KINDS.includes(ckpt.kind)) {
      throw argumentError(fn, 'checkpointId', spec.checkpointId, `a try-on checkpoint (${TRY_ON_KINDS.join(', ')}); checkpoint ${ckpt.id} is a ${ckpt.kind} checkpoint`);
    }
    const dpFormat = this.#denseposeFormat(ckpt.id);

    // Resolve every garment and model photo once, up front: an unknown id fails before anything is written.
    const garments = spec.garmentIds.map((id, i) => {
      const g = s.garment.get(id) as { id: number; sku: string; category: Category } | undefined;
      if (!g) throw notFound(fn, `garmentIds[${i}]`, id, 'garment');
      const photo = s.garmentPhoto.get({ garmentId: id, type: spec.garmentPhotoType }) as Ref | undefined;
      if (!photo) {
        const kind = spec.garmentPhotoType === 'any' ? 'photo' : `${spec.garmentPhotoType} photo`;
        throw argumentError(fn, `garmentIds[${i}]`, id, `a garment with at least one ${kind} (garment ${id}, SKU ${g.sku}, has none)`);
      }
      return { ...g, photo };
    });
    const people = spec.modelPhotoIds.map((id, i) => {
      const p = s.modelPhoto.get(id) as Ref | undefined;
      if (!p) throw notFound(fn, `modelPhotoIds[${i}]`, id, 'model photo');
      const masks = new Map<Category, Ref | undefined>();
      const maskFor = (c: Category) => {
        if (!masks.has(c)) masks.set(c, s.mask.get(id, c) as Ref | undefined);
        return masks.get(c);
      };
      return { ...p, maskFor, densepose: s.densepose.get(id, dpFormat) as Ref | undefined };
    });

    const now = Date.now();
    const batchId = s.insertBatch.get({
      name: spec.name ?? `Batch of ${spec.garmentIds.length} × ${spec.modelPhotoIds.length} × ${spec.seeds.length}`,
      checkpointId: ckpt.id, spec: JSON.stringify(spec), priority: spec.priority, now,
    }) as number;
    const report: EnqueueReport = { batchId, cells: 0, created: 0, skippedDone: 0, skippedPending: 0, skippedDuplicate: 0 };
    const seen = new Set<string>();
    for (const g of garments) {
      for (const p of people) {
        const mask = p.maskFor(g.category);
        for (const seed of spec.seeds) {
          for (const settings of spec.settings) {
            report.cells++;
            const hash = settingsHash({
              garmentPhoto: g.photo.blob_hash, person: p.blob_hash, mask: mask?.blob_hash ?? null, densepose: p.densepose?.blob_hash ?? null,
              checkpoint: ckpt.blob_hash, category: g.category, seed, settings,
            });
            if (seen.has(hash)) { report.skippedDuplicate++; continue; }
            seen.add(hash);
            if (s.resultExists.get(hash) !== undefined) { report.skippedDone++; continue; }
            if (s.pendingExists.get(hash) !== undefined) { report.skippedPending++; continue; }
            s.insertJob.run({
              batchId, garmentId: g.id, garmentPhotoId: g.photo.id, modelPhotoId: p.id, maskId: mask?.id ?? null,
              denseposeId: p.densepose?.id ?? null, checkpointId: ckpt.id, seed, settings: JSON.stringify(settings), hash,
              steps: settings.steps, priority: spec.priority, now,
            });
            report.created++;
          }
        }
      }
    }
    return report;
  }
}
