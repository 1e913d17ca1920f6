// Search and filters over garments and results (text over SKU/name/tags through FTS5, category, review
// status, ...), newest first, paged by id (`beforeId`, keyset paging: page 500 costs what page 1 does).
//
// Each combination of filters gets its own SQL, prepared once and cached, so every filter is a plain
// indexed comparison instead of "(? IS NULL OR col = ?)", which SQLite cannot use an index for.
// scripts/bench-store.ts times these at 100k garments and 1M results.
import { z } from 'zod';
import type { Statement } from 'better-sqlite3';
import type { DB } from './database.ts';
import { ftsQuery } from './fts-query.ts';
import { GARMENT_COLUMNS, toGarment } from './garments.ts';
import { RESULT_COLUMNS, toResult, type ResultRow } from './results.ts';
import { CATEGORIES, Id, REVIEW_STATUSES, Tag } from './schemas.ts';
import type { Garment, Result } from './types.ts';
import { parseArgs } from './validate.ts';

const Limit = z.number().int().min(1).max(500).prefault(50);

export const GarmentFilter = z
  .object({
    text: z.string().max(200).optional(),
    category: z.enum(CATEGORIES).optional(),
    collectionId: Id.optional(),
    tag: Tag.optional(),
    beforeId: Id.optional(),
    limit: Limit,
  })
  .strict();

export const ResultFilter = z
  .object({
    text: z.string().max(200).optional(),
    category: z.enum(CATEGORIES).optional(),
    reviewStatus: z.enum(REVIEW_STATUSES).optional(),
    batchId: Id.optional(),
    garmentId: Id.optional(),
    modelPhotoId: Id.optional(),
    commercialUse: z.boolean().optional(),
    beforeId: Id.optional(),
    limit: Limit,
  })
  .strict();

export type GarmentFilterInput = z.input<typeof GarmentFilter>;
export type ResultFilterInput = z.input<typeof ResultFilter>;

export interface Page<T> {
  items: T[];
  /** Pass as `beforeId` for the next page; null on the last page. */
  nextBeforeId: number | null;
}

/**
 * A result search with text has two plans, and which is fast depends on how many garments match:
 *   'garments': few match. Start from them and read their results through the per-garment index
 *               (cost ∝ matching garments × results per garment), then sort the few rows found.
 *   'results':  many match. Walk the results newest first through the index of the other filters and
 *               keep those whose garment is in the (in-memory) match set; with ≥ this many matches
 *               (5% of 100k garments) the first page fills after a few thousand index entries.
 * The count of matches is read from FTS with this cap, so choosing costs at most one capped FTS scan.
 */
const GARMENT_DRIVEN_MAX = 5000;
/** countResults stops here by default and reports `exact: false` ("10,000+"). */
const COUNT_CAP = 10_000;

export const ResultCountFilter = ResultFilter.omit({ beforeId: true, limit: true }).extend({
  cap: z.number().int().min(1).max(10_000_000).prefault(COUNT_CAP),
});
export type ResultCountFilterInput = z.input<typeof ResultCountFilter>;

type Plan = 'none' | 'garments' | 'results';

export class Search {
  readonly #cache = new Map<string, Statement>();
  readonly #countFts: Statement;
  readonly #garmentDrivenMax: number;

  /** `garmentDrivenMax` is for tests, which check both plans return the same rows. */
  constructor(private readonly db: DB, options: { garmentDrivenMax?: number } = {}) {
    this.#garmentDrivenMax = options.garmentDrivenMax ?? GARMENT_DRIVEN_MAX;
    this.#countFts = db.prepare(/* sql */ `SELECT count(*) FROM (SELECT rowid FROM garment_fts WHERE garment_fts MATCH ? LIMIT ${this.#garmentDrivenMax + 1})`).pluck();
  }

  #prepare(key: string, sql: () => string): Statement {
    let s = this.#cache.get(key);
    if (!s) {
      s = this.db.prepare(sql());
      this.#cache.set(key, s);
    }
    return s;
  }

  #garmentWhere(f: z.output<typeof GarmentFilter>): string[] {
    const where: string[] = [];
    if (f.category) where.push('g.category = @category');
    if (f.collectionId) where.push('g.collection_id = @collectionId');
    if (f.tag) where.push('g.id IN (SELECT garment_id FROM garment_tags WHERE tag = @tag)');
    return where;
  }

  /**
   * With text, FTS5 drives: it walks its matches newest first (ORDER BY rowid DESC, and rowid < beforeId,
   * are handed to FTS5 itself), so a page costs ~limit matches however many garments match in total.
   */
  garments(input: GarmentFilterInput = {}): Page<Garment> {
    const f = parseArgs('searchGarments', GarmentFilter, input);
    const q = ftsQuery(f.text);
    const where = this.#garmentWhere(f);
    if (q) where.unshift('garment_fts MATCH @q');
    if (f.beforeId) where.push(q ? 'f.rowid < @beforeId' : 'g.id < @beforeId');
    const stmt = this.#prepare(`g:${where.join('|')}`, () => /* sql */ `
      SELECT ${GARMENT_COLUMNS} FROM ${q ? 'garment_fts f CROSS JOIN garments g ON g.id = f.rowid' : 'garments g'}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${q ? 'f.rowid' : 'g.id'} DESC LIMIT @limit`);
    const rows = stmt.all({ ...params(f), q, limit: f.limit + 1 }) as Parameters<typeof toGarment>[0][];
    return page(rows.map(toGarment), f.limit);
  }

  /** Number of garments matching (exact: at most 100k-ish, from indexes). */
  countGarments(input: GarmentFilterInput = {}): number {
    const f = parseArgs('countGarments', GarmentFilter, input);
    const q = ftsQuery(f.text);
    const where = this.#garmentWhere(f);
    if (q) where.unshift('garment_fts MATCH @q');
    const stmt = this.#prepare(`gc:${where.join('|')}`, () => /* sql */ `
      SELECT count(*) FROM ${q ? 'garment_fts f CROSS JOIN garments g ON g.id = f.rowid' : 'garments g'}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`);
    return stmt.pluck().get({ ...params(f), q }) as number;
  }

  #plan(q: string | null): Plan {
    if (!q) return 'none';
    return (this.#countFts.get(q) as number) <= this.#garmentDrivenMax ? 'garments' : 'results';
  }

  /** FROM and WHERE of a result query under `plan` (see GARMENT_DRIVEN_MAX). */
  #resultQuery(f: z.output<typeof ResultCountFilter> & { beforeId?: number }, plan: Plan): { from: string; where: string[] } {
    const where: string[] = [];
    let from = 'results r';
    if (plan === 'garments') {
      // CROSS JOIN fixes the loop order (SQLite never reorders it): matching garments outside, their
      // results inside. The category is a garment's, so it is tested once per garment, not per result.
      from = f.category
        ? '(SELECT rowid AS gid FROM garment_fts WHERE garment_fts MATCH @q) m CROSS JOIN garments g ON g.id = m.gid AND g.category = @category CROSS JOIN results r INDEXED BY results_garment_review ON r.garment_id = g.id'
        : '(SELECT rowid AS gid FROM garment_fts WHERE garment_fts MATCH @q) m CROSS JOIN results r INDEXED BY results_garment_review ON r.garment_id = m.gid';
    } else if (f.category) {
      where.push('r.category = @category');
    }
    // Unary + keeps SQLite from driving the query by this IN list (that is the 'garments' plan's job).
    if (plan === 'results') where.push('+r.garment_id IN (SELECT rowid FROM garment_fts WHERE garment_fts MATCH @q)');
    if (f.reviewStatus) where.push('r.review_status = @reviewStatus');
    if (f.batchId) where.push('r.batch_id = @batchId');
    if (f.garmentId) where.push('r.garment_id = @garmentId');
    if (f.modelPhotoId) where.push('r.model_photo_id = @modelPhotoId');
    if (f.commercialUse !== undefined) where.push('r.commercial_use = @commercialUse');
    if (f.beforeId) where.push('r.id < @beforeId');
    return { from, where };
  }

  results(input: ResultFilterInput = {}): Page<Result> {
    const f = parseArgs('searchResults', ResultFilter, input);
    const q = ftsQuery(f.text);
    const plan = this.#plan(q);
    const { from, where } = this.#resultQuery({ ...f, cap: 0 }, plan);
    const stmt = this.#prepare(`r:${plan}:${f.category ? 'c' : ''}:${where.join('|')}`, () => /* sql */ `
      SELECT ${RESULT_COLUMNS} FROM ${from}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.id DESC LIMIT @limit`);
    const rows = stmt.all({ ...params(f), q, limit: f.limit + 1 }) as ResultRow[];
    return page(rows.map(toResult), f.limit);
  }

  /**
   * How many results match, counting at most `cap` (default 10,000): a gallery shows "10,000+" rather
   * than making every keystroke count a million rows.
   */
  countResults(input: ResultCountFilterInput = {}): { count: number; exact: boolean } {
    const f = parseArgs('countResults', ResultCountFilter, input);
    const q = ftsQuery(f.text);
    const plan = this.#plan(q);
    const { from, where } = this.#resultQuery(f, plan);
    const stmt = this.#prepare(`rc:${plan}:${f.category ? 'c' : ''}:${where.join('|')}`, () => /* sql */ `
      SELECT count(*) FROM (SELECT 1 FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} LIMIT @cap)`);
    const n = stmt.pluck().get({ ...params(f), q, cap: f.cap + 1 }) as number;
    return n > f.cap ? { count: f.cap, exact: false } : { count: n, exact: true };
  }
}

/** Named parameters for better-sqlite3: only the filters given, booleans as 0/1, no `limit`/`text`. */
function params(f: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || k === 'limit' || k === 'text' || k === 'cap') continue;
    out[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  return out;
}

function page<T extends { id: number }>(rows: T[], limit: number): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, nextBeforeId: more ? items[items.length - 1]!.id : null };
}
