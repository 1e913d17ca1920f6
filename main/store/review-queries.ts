// The Review screen's reads and its two small writes (picks): results with what the reviewer needs in one
// row (garment SKU and name, model photo, seed, latest review's tags, notes and reviewer, quality checks, whether it
// is its cell's pick, what it re-runs), filtered by status, defect tag, QA flag, checkpoint, garment or
// model photo and sorted by newest, QA warnings or a check's value. A cell is a garment × model photo: its
// versions are every result made for it (seeds, settings, checkpoints, re-runs), oldest first.
import { z } from 'zod';
import type { DB } from './database.ts';
import { argumentError, notFound } from './errors.ts';
import { Id, REVIEW_STATUSES, type ReviewStatus } from './schemas.ts';
import { parseArgs } from './validate.ts';

export const QA_CHECKS = ['garmentColour', 'outsideChange', 'oldGarmentLeak'] as const;
export type QaCheck = (typeof QA_CHECKS)[number];
export const REVIEW_SORTS = ['newest', 'oldest', 'qa', 'colour', 'outside', 'leak', 'garment', 'model'] as const;
export type ReviewSort = (typeof REVIEW_SORTS)[number];

export interface QualityCheckRow { value: number; threshold: number; verdict: 'pass' | 'warn'; message: string }
export interface QualityRow {
  warnings: number;
  checks: Partial<Record<QaCheck, QualityCheckRow>>;
}

export interface ReviewRow {
  id: number; jobId: number; batchId: number; garmentId: number; modelPhotoId: number; checkpointId: number;
  category: string; blobHash: string; width: number; height: number; reviewStatus: ReviewStatus; createdAt: number;
  sku: string; garmentName: string; modelPhotoName: string; seed: number; steps: number;
  defectTags: string[]; notes: string | null; reviewer: string | null; quality: QualityRow | null; picked: boolean;
  rerunOf: { resultId: number; mode: 'exact' | 'seed' } | null;
}

export const ReviewFilter = z
  .object({
    reviewStatus: z.enum(REVIEW_STATUSES).optional(),
    tag: z.string().trim().min(1).max(40).optional(),
    qa: z.enum(['warn', 'pass', 'none', ...QA_CHECKS]).optional(),
    checkpointId: Id.optional(),
    garmentId: Id.optional(),
    modelPhotoId: Id.optional(),
    batchId: Id.optional(),
    pickedOnly: z.boolean().optional(),
    sort: z.enum(REVIEW_SORTS).prefault('newest'),
    offset: z.number().int().min(0).max(10_000_000).prefault(0),
    limit: z.number().int().min(1).max(500).prefault(100),
  })
  .strict();

const ORDER: Record<ReviewSort, string> = {
  newest: 'r.id DESC',
  oldest: 'r.id',
  qa: 'coalesce(q.warnings, -1) DESC, r.id DESC',
  colour: 'q.colour_value IS NULL, q.colour_value DESC, r.id DESC',
  outside: 'q.outside_value IS NULL, q.outside_value DESC, r.id DESC',
  leak: 'q.leak_value IS NULL, q.leak_value DESC, r.id DESC',
  garment: 'g.sku, r.model_photo_id, r.id',
  model: 'r.model_photo_id, g.sku, r.id',
};

const QA_WHERE: Record<string, string> = {
  warn: 'q.warnings > 0',
  pass: 'q.warnings = 0',
  none: 'q.result_id IS NULL',
  garmentColour: `q.colour_verdict = 'warn'`,
  outsideChange: `q.outside_verdict = 'warn'`,
  oldGarmentLeak: `q.leak_verdict = 'warn'`,
};

const PICKED = /* sql */ `((SELECT cp.result_id FROM cell_picks cp WHERE cp.garment_id = r.garment_id AND cp.model_photo_id = r.model_photo_id ORDER BY cp.id DESC LIMIT 1) = r.id)`;
const QUALITY_JOIN = /* sql */ `LEFT JOIN result_quality q ON q.result_id = r.id`;
const LATEST_REVIEW_JOIN = /* sql */ `LEFT JOIN reviews lv ON lv.id = (SELECT max(v.id) FROM reviews v WHERE v.result_id = r.id)`;

const SELECT = /* sql */ `
  SELECT r.id, r.job_id, r.batch_id, r.garment_id, r.model_photo_id, r.checkpoint_id, r.category, r.blob_hash, r.width, r.height,
         r.review_status, r.created_at, g.sku, g.name AS garment_name, mp.name AS model_photo_name, j.seed, j.steps,
         lv.defect_tags, lv.notes, lv.reviewer, q.detail AS quality, q.warnings,
         ${PICKED} AS picked,
         rr.source_result_id, rr.mode AS rerun_mode
  FROM results r
  JOIN garments g ON g.id = r.garment_id
  JOIN model_photos mp ON mp.id = r.model_photo_id
  JOIN jobs j ON j.id = r.job_id
  ${QUALITY_JOIN}
  ${LATEST_REVIEW_JOIN}
  LEFT JOIN reruns rr ON rr.job_id = r.job_id`;

interface Row {
  id: number; job_id: number; batch_id: number; garment_id: number; model_photo_id: number; checkpoint_id: number; category: string;
  blob_hash: string; width: number; height: number; review_status: ReviewStatus; created_at: number; sku: string; garment_name: string;
  model_photo_name: string; seed: number; steps: number; defect_tags: string | null; notes: string | null; reviewer: string | null; quality: string | null;
  warnings: number | null; picked: number | null; source_result_id: number | null; rerun_mode: 'exact' | 'seed' | null;
}

export function toQuality(detail: string | null, warnings: number | null): QualityRow | null {
  if (detail === null || warnings === null) return null;
  const raw = JSON.parse(detail) as Record<string, Partial<QualityCheckRow>>;
  const checks: QualityRow['checks'] = {};
  for (const k of QA_CHECKS) {
    const c = raw[k];
    if (c && typeof c.value === 'number' && (c.verdict === 'pass' || c.verdict === 'warn')) {
      checks[k] = { value: c.value, threshold: Number(c.threshold ?? 0), verdict: c.verdict, message: String(c.message ?? '') };
    }
  }
  return { warnings, checks };
}

const toRow = (r: Row): ReviewRow => ({
  id: r.id, jobId: r.job_id, batchId: r.batch_id, garmentId: r.garment_id, modelPhotoId: r.model_photo_id, checkpointId: r.checkpoint_id,
  category: r.category, blobHash: r.blob_hash, width: r.width, height: r.height, reviewStatus: r.review_status, createdAt: r.created_at,
  sku: r.sku, garmentName: r.garment_name, modelPhotoName: r.model_photo_name, seed: r.seed, steps: r.steps,
  defectTags: r.defect_tags ? (JSON.parse(r.defect_tags) as string[]) : [], notes: r.notes, reviewer: r.reviewer, quality: toQuality(r.quality, r.warnings),
  picked: r.picked === 1, rerunOf: r.source_result_id === null ? null : { resultId: r.source_result_id, mode: r.rerun_mode! },
});

export interface CompareInputs {
  personHash: string; garmentPhotoHash: string; maskHash: string | null; denseposeHash: string | null;
}

export class ReviewQueries {
  readonly #db: DB;
  readonly #one;
  readonly #cell;
  readonly #inputs;
  readonly #pick;
  readonly #pickOf;
  readonly #reruns;

  constructor(db: DB) {
    this.#db = db;
    this.#one = db.prepare(`${SELECT} WHERE r.id = ?`);
    this.#cell = db.prepare(`${SELECT} WHERE r.garment_id = ? AND r.model_photo_id = ? ORDER BY r.id`);
    this.#inputs = db.prepare(/* sql */ `
      SELECT mp.blob_hash AS person_hash, gp.blob_hash AS garment_hash, m.blob_hash AS mask_hash, d.blob_hash AS dp_hash
      FROM results r JOIN jobs j ON j.id = r.job_id
      JOIN model_photos mp ON mp.id = j.model_photo_id JOIN garment_photos gp ON gp.id = j.garment_photo_id
      LEFT JOIN masks m ON m.id = j.mask_id LEFT JOIN densepose d ON d.id = j.densepose_id
      WHERE r.id = ?`);
    this.#pick = db.prepare(/* sql */ `
      INSERT INTO cell_picks (garment_id, model_photo_id, result_id, reviewer, created_at) VALUES (@garmentId, @modelPhotoId, @resultId, @reviewer, @now)`);
    this.#pickOf = db.prepare(/* sql */ `SELECT result_id FROM cell_picks WHERE garment_id = ? AND model_photo_id = ? ORDER BY id DESC LIMIT 1`).pluck();
    this.#reruns = db.prepare(/* sql */ `
      SELECT r.id FROM reruns rr JOIN results r ON r.job_id = rr.job_id WHERE rr.source_result_id = ? ORDER BY r.id`).pluck();
  }

  /** One page of results for the review grid, and how many match in all. */
  list(filter: z.input<typeof ReviewFilter> = {}): { items: ReviewRow[]; total: number; nextOffset: number | null } {
    const f = parseArgs('reviewList', ReviewFilter, filter);
    const where: string[] = [];
    const args: Record<string, unknown> = {};
    if (f.reviewStatus) { where.push('r.review_status = @status'); args.status = f.reviewStatus; }
    if (f.checkpointId !== undefined) { where.push('r.checkpoint_id = @checkpointId'); args.checkpointId = f.checkpointId; }
    if (f.garmentId !== undefined) { where.push('r.garment_id = @garmentId'); args.garmentId = f.garmentId; }
    if (f.modelPhotoId !== undefined) { where.push('r.model_photo_id = @modelPhotoId'); args.modelPhotoId = f.modelPhotoId; }
    if (f.batchId !== undefined) { where.push('r.batch_id = @batchId'); args.batchId = f.batchId; }
    if (f.tag) { where.push('EXISTS (SELECT 1 FROM json_each(lv.defect_tags) t WHERE t.value = @tag)'); args.tag = f.tag; }
    if (f.qa) where.push(QA_WHERE[f.qa]!);
    if (f.pickedOnly) where.push(`${PICKED} = 1`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    // The page's ids first, with only the joins the filter and the sort need (a sort then moves ids, not
    // whole rows with their subqueries), then the full rows of those ids, in the same order.
    const needQ = f.qa !== undefined || ['qa', 'colour', 'outside', 'leak'].includes(f.sort);
    const from = `FROM results r ${needQ ? QUALITY_JOIN : ''} ${f.tag ? LATEST_REVIEW_JOIN : ''} ${f.sort === 'garment' || f.sort === 'model' ? 'JOIN garments g ON g.id = r.garment_id' : ''}`;
    const rows = this.#db.prepare(`${SELECT} WHERE r.id IN (SELECT r.id ${from} ${clause} ORDER BY ${ORDER[f.sort]} LIMIT @limit OFFSET @offset) ORDER BY ${ORDER[f.sort]}`)
      .all({ ...args, limit: f.limit, offset: f.offset }) as Row[];
    const total = this.#db.prepare(`SELECT count(*) FROM results r ${f.qa ? QUALITY_JOIN : ''} ${f.tag ? LATEST_REVIEW_JOIN : ''} ${clause}`).pluck().get(args) as number;
    const next = f.offset + rows.length;
    return { items: rows.map(toRow), total, nextOffset: next < total ? next : null };
  }

  get(resultId: number): ReviewRow | undefined {
    const row = this.#one.get(resultId) as Row | undefined;
    return row && toRow(row);
  }

  require(resultId: number, fn: string, argument: string): ReviewRow {
    const row = this.get(resultId);
    if (!row) throw notFound(fn, argument, resultId, 'result');
    return row;
  }

  /** Every version of the result's cell (garment × model photo), oldest first. */
  versions(resultId: number): ReviewRow[] {
    const r = this.require(resultId, 'cellVersions', 'resultId');
    return (this.#cell.all(r.garmentId, r.modelPhotoId) as Row[]).map(toRow);
  }

  /** Results that re-ran this one, oldest first. */
  rerunsOf(resultId: number): number[] {
    return this.#reruns.all(resultId) as number[];
  }

  /** The stored files a comparison shows beside the result: the person photo, garment photo, mask, DensePose. */
  inputs(resultId: number): CompareInputs {
    const r = this.#inputs.get(resultId) as { person_hash: string; garment_hash: string; mask_hash: string | null; dp_hash: string | null } | undefined;
    if (!r) throw notFound('compareInputs', 'resultId', resultId, 'result');
    return { personHash: r.person_hash, garmentPhotoHash: r.garment_hash, maskHash: r.mask_hash, denseposeHash: r.dp_hash };
  }

  /** Makes `resultId` its cell's pick (the best of N); `clear` removes the cell's pick instead. */
  pick(resultId: number, reviewer: string, clear = false): { garmentId: number; modelPhotoId: number; resultId: number | null } {
    const fn = 'pickResult';
    parseArgs(fn, z.object({ resultId: Id, reviewer: z.string().trim().min(1).max(100) }), { resultId, reviewer });
    return this.#db.transaction(() => {
      const r = this.require(resultId, fn, 'resultId');
      const current = this.#pickOf.get(r.garmentId, r.modelPhotoId) as number | null | undefined;
      if (clear && current !== resultId) throw argumentError(fn, 'resultId', resultId, `the cell's current pick (${current ?? 'none'}) to clear it`, 'conflict');
      const picked = clear ? null : resultId;
      if ((current ?? null) !== picked) this.#pick.run({ garmentId: r.garmentId, modelPhotoId: r.modelPhotoId, resultId: picked, reviewer, now: Date.now() });
      return { garmentId: r.garmentId, modelPhotoId: r.modelPhotoId, resultId: picked };
    }).immediate();
  }
}
