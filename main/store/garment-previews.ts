// Cleaned-up garment previews (migration 014): a derived blob per (source image, cleaner version), so
// the same photo is cleaned once. Rows are only added, never changed; a new cleaner version adds a row.
import type { StoreContext } from './context.ts';
import type { DB } from './database.ts';
import { argumentError } from './errors.ts';
import { inspectImage } from './image-check.ts';

export interface GarmentPreviewWarning {
  code: string;
  message: string;
}

export interface GarmentPreview {
  sourceHash: string;
  cleaner: string;
  previewHash: string;
  width: number;
  height: number;
  source: 'alpha' | 'background';
  warnings: GarmentPreviewWarning[];
  createdAt: number;
}

interface Row {
  source_hash: string; cleaner: string; preview_hash: string; source: 'alpha' | 'background'; warnings: string; created_at: number;
  width: number | null; height: number | null;
}

const toPreview = (r: Row): GarmentPreview => ({
  sourceHash: r.source_hash, cleaner: r.cleaner, previewHash: r.preview_hash, width: r.width ?? 0, height: r.height ?? 0, source: r.source,
  warnings: JSON.parse(r.warnings) as GarmentPreviewWarning[], createdAt: r.created_at,
});

function prepare(db: DB) {
  return {
    get: db.prepare(/* sql */ `
      SELECT p.*, b.width, b.height FROM garment_previews p JOIN blobs b ON b.hash = p.preview_hash
      WHERE p.source_hash = ? AND p.cleaner = ?`),
    insert: db.prepare(/* sql */ `
      INSERT INTO garment_previews (source_hash, cleaner, preview_hash, source, warnings, created_at)
      VALUES (@sourceHash, @cleaner, @previewHash, @source, @warnings, @now)
      ON CONFLICT (source_hash, cleaner) DO NOTHING`),
    sourceKnown: db.prepare(/* sql */ `SELECT 1 FROM blobs WHERE hash = ?`).pluck(),
  };
}

export class GarmentPreviewRepo {
  readonly #s: ReturnType<typeof prepare>;

  constructor(private readonly ctx: StoreContext) {
    this.#s = prepare(ctx.db);
  }

  get(sourceHash: string, cleaner: string): GarmentPreview | undefined {
    const row = this.#s.get.get(sourceHash, cleaner) as Row | undefined;
    return row && toPreview(row);
  }

  /** Stores a cleaned image for a source blob; a row already there (a concurrent clean) wins. */
  async put(input: { sourceHash: string; cleaner: string; png: Uint8Array; source: 'alpha' | 'background'; warnings: GarmentPreviewWarning[] }): Promise<GarmentPreview> {
    const fn = 'putGarmentPreview';
    if (this.#s.sourceKnown.get(input.sourceHash) === undefined) throw argumentError(fn, 'sourceHash', input.sourceHash, 'the hash of a stored image');
    const info = await inspectImage(input.png, { fn, argument: 'png', maxPixels: this.ctx.maxPixels });
    const blob = await this.ctx.files.putBytes(input.png);
    return this.ctx.blobRows.commitOrDiscard(blob, () =>
      this.ctx.db.transaction(() => {
        const existing = this.get(input.sourceHash, input.cleaner);
        if (existing) return existing;
        this.ctx.blobRows.register(blob, info);
        this.#s.insert.run({
          sourceHash: input.sourceHash, cleaner: input.cleaner, previewHash: blob.hash, source: input.source,
          warnings: JSON.stringify(input.warnings), now: Date.now(),
        });
        return this.get(input.sourceHash, input.cleaner)!;
      }).immediate(),
    );
  }
}
