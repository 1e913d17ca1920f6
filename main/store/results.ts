// Results: one output image per finished job, with its reproducibility record (in result_records, so the
// results rows the gallery scans stay narrow). Rows are written only by the queue (main/queue/job-store.ts),
// inside the transaction that marks the job succeeded, and never updated afterwards except for
// review_status, which the reviews trigger keeps.
import type { DB } from './database.ts';
import { notFound } from './errors.ts';
import type { Category, ReviewStatus } from './schemas.ts';
import type { Result, ResultWithRecord } from './types.ts';

export interface ResultRow {
  id: number; job_id: number; batch_id: number; garment_id: number; model_photo_id: number; checkpoint_id: number;
  category: Category; settings_hash: string; blob_hash: string; width: number; height: number; commercial_use: number;
  review_status: ReviewStatus; created_at: number;
}

export const toResult = (r: ResultRow): Result => ({
  id: r.id, jobId: r.job_id, batchId: r.batch_id, garmentId: r.garment_id, modelPhotoId: r.model_photo_id, checkpointId: r.checkpoint_id,
  category: r.category, settingsHash: r.settings_hash, blobHash: r.blob_hash, width: r.width, height: r.height,
  commercialUse: r.commercial_use === 1, reviewStatus: r.review_status, createdAt: r.created_at,
});

/** The columns of a Result, for lists. */
export const RESULT_COLUMNS = /* sql */ `r.id, r.job_id, r.batch_id, r.garment_id, r.model_photo_id, r.checkpoint_id, r.category,
  r.settings_hash, r.blob_hash, r.width, r.height, r.commercial_use, r.review_status, r.created_at`;

export interface NewResultRow {
  jobId: number; batchId: number; garmentId: number; modelPhotoId: number; checkpointId: number; category: Category;
  settingsHash: string; blobHash: string; width: number; height: number; commercialUse: boolean; record: string;
}

function prepare(db: DB) {
  return {
    get: db.prepare(/* sql */ `SELECT r.*, rr.record FROM results r JOIN result_records rr ON rr.result_id = r.id WHERE r.id = ?`),
    byJob: db.prepare(/* sql */ `SELECT r.*, rr.record FROM results r JOIN result_records rr ON rr.result_id = r.id WHERE r.job_id = ?`),
    insert: db.prepare(/* sql */ `
      INSERT INTO results (job_id, batch_id, garment_id, model_photo_id, checkpoint_id, category, settings_hash, blob_hash,
                           width, height, commercial_use, created_at)
      VALUES (@jobId, @batchId, @garmentId, @modelPhotoId, @checkpointId, @category, @settingsHash, @blobHash,
              @width, @height, @commercialUse, @now)
      RETURNING id`).pluck(),
    insertRecord: db.prepare(/* sql */ `INSERT INTO result_records (result_id, record) VALUES (?, ?)`),
    exists: db.prepare(/* sql */ `SELECT 1 FROM results WHERE id = ?`).pluck(),
  };
}

export class ResultRepo {
  readonly #s: ReturnType<typeof prepare>;

  constructor(db: DB) {
    this.#s = prepare(db);
  }

  get(id: number): ResultWithRecord | undefined {
    const row = this.#s.get.get(id) as (ResultRow & { record: string }) | undefined;
    return row && { ...toResult(row), record: JSON.parse(row.record) as Record<string, unknown> };
  }

  require(id: number, fn: string, argument: string): ResultWithRecord {
    const r = this.get(id);
    if (!r) throw notFound(fn, argument, id, 'result');
    return r;
  }

  exists(id: number): boolean {
    return this.#s.exists.get(id) !== undefined;
  }

  byJob(jobId: number): ResultWithRecord | undefined {
    const row = this.#s.byJob.get(jobId) as (ResultRow & { record: string }) | undefined;
    return row && { ...toResult(row), record: JSON.parse(row.record) as Record<string, unknown> };
  }

  /** For the queue only: call inside its completion transaction, after the blob row is registered. */
  insert(v: NewResultRow): number {
    const { record, ...row } = v;
    const id = this.#s.insert.get({ ...row, commercialUse: v.commercialUse ? 1 : 0, now: Date.now() }) as number;
    this.#s.insertRecord.run(id, record);
    return id;
  }
}
