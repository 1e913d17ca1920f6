// Collections group garments (a season's drop, a client's order). A garment belongs to at most one.
import type { z } from 'zod';
import type { StoreContext } from './context.ts';
import type { DB } from './database.ts';
import { argumentError, notFound } from './errors.ts';
import { NewCollection } from './schemas.ts';
import type { Collection } from './types.ts';
import { parseArgs } from './validate.ts';

interface Row { id: number; name: string; season: string | null; created_at: number }
const toCollection = (r: Row): Collection => ({ id: r.id, name: r.name, season: r.season, createdAt: r.created_at });

function prepare(db: DB) {
  return {
    insert: db.prepare(/* sql */ `INSERT INTO collections (name, season, created_at) VALUES (@name, @season, @now) RETURNING *`),
    get: db.prepare(/* sql */ `SELECT * FROM collections WHERE id = ?`),
    byName: db.prepare(/* sql */ `SELECT id FROM collections WHERE name = ?`).pluck(),
    list: db.prepare(/* sql */ `SELECT * FROM collections ORDER BY name`),
  };
}

export class CollectionRepo {
  readonly #s: ReturnType<typeof prepare>;

  constructor(ctx: StoreContext) {
    this.#s = prepare(ctx.db);
  }

  add(input: z.input<typeof NewCollection>): Collection {
    const v = parseArgs('addCollection', NewCollection, input);
    const clash = this.#s.byName.get(v.name);
    if (clash !== undefined) throw argumentError('addCollection', 'name', v.name, `a name no other collection has (collection ${clash} is called that)`, 'conflict');
    return toCollection(this.#s.insert.get({ name: v.name, season: v.season ?? null, now: Date.now() }) as Row);
  }

  get(id: number): Collection | undefined {
    const row = this.#s.get.get(id) as Row | undefined;
    return row && toCollection(row);
  }

  /** Throws a not_found StoreError naming `fn` and `argument` unless the collection exists. */
  require(id: number, fn: string, argument: string): Collection {
    const c = this.get(id);
    if (!c) throw notFound(fn, argument, id, 'collection');
    return c;
  }

  list(): Collection[] {
    return (this.#s.list.all() as Row[]).map(toCollection);
  }
}
