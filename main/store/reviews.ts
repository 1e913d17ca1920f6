// Reviews: approve / reject / redo with defect tags, notes, reviewer and time. A result's reviews are an
// append-only history (the trigger in migration 005 refuses edits); the newest one sets the result's
// review_status, which the gallery filters on.
import type { z } from 'zod';
import type { StoreContext } from './context.ts';
import type { DB } from './database.ts';
import { notFound } from './errors.ts';
import { NewReview, type ReviewStatus } from './schemas.ts';
import type { Review } from './types.ts';
import { parseArgs } from './validate.ts';

interface Row { id: number; result_id: number; status: ReviewStatus; defect_tags: string; notes: string | null; reviewer: string; created_at: number }
const toReview = (r: Row): Review => ({
  id: r.id, resultId: r.result_id, status: r.status, defectTags: JSON.parse(r.defect_tags) as string[], notes: r.notes, reviewer: r.reviewer, createdAt: r.created_at,
});

function prepare(db: DB) {
  return {
    resultExists: db.prepare(/* sql */ `SELECT 1 FROM results WHERE id = ?`).pluck(),
    insert: db.prepare(/* sql */ `
      INSERT INTO reviews (result_id, status, defect_tags, notes, reviewer, created_at)
      VALUES (@resultId, @status, @defectTags, @notes, @reviewer, @now) RETURNING *`),
    history: db.prepare(/* sql */ `SELECT * FROM reviews WHERE result_id = ? ORDER BY id`),
  };
}

export class ReviewRepo {
  readonly #s: ReturnType<typeof prepare>;

  constructor(private readonly ctx: StoreContext) {
    this.#s = prepare(ctx.db);
  }

  add(input: z.input<typeof NewReview>): Review {
    const fn = 'addReview';
    const v = parseArgs(fn, NewReview, input);
    return this.ctx.db.transaction(() => {
      if (this.#s.resultExists.get(v.resultId) === undefined) throw notFound(fn, 'resultId', v.resultId, 'result');
      const tags = [...new Set(v.defectTags)];
      return toReview(this.#s.insert.get({ resultId: v.resultId, status: v.status, defectTags: JSON.stringify(tags), notes: v.notes ?? null, reviewer: v.reviewer, now: Date.now() }) as Row);
    }).immediate();
  }

  /** A result's reviews, oldest first. */
  history(resultId: number): Review[] {
    return (this.#s.history.all(resultId) as Row[]).map(toReview);
  }
}
