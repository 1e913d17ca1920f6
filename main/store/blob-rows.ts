// The `blobs` table side of the blob store, and the one pattern every import follows:
//   1. write the file (atomic; async, outside any transaction),
//   2. commit the blob row and the rows that point at it (one synchronous transaction),
//   3. if step 2 fails, delete the file again unless something else already uses or is writing it.
// Transactions never span an await (better-sqlite3 cannot do it, and a half-open write lock would stall
// the queue), so the file always exists before its row: a crash between 1 and 2 leaves an orphan file,
// which integrity.ts finds, and never a row pointing at nothing.
import type { Statement } from 'better-sqlite3';
import type { BlobStore, StoredBlob } from './blob-store.ts';
import type { DB } from './database.ts';

export interface BlobMeta {
  mediaType: string;
  width?: number | null;
  height?: number | null;
}

export class BlobRows {
  readonly #insert: Statement;
  readonly #exists: Statement;

  constructor(readonly db: DB, readonly files: BlobStore) {
    this.#insert = db.prepare(/* sql */ `
      INSERT INTO blobs (hash, size, media_type, width, height, created_at)
      VALUES (@hash, @size, @mediaType, @width, @height, @now)
      ON CONFLICT (hash) DO NOTHING`);
    this.#exists = db.prepare(/* sql */ `SELECT 1 FROM blobs WHERE hash = ?`).pluck();
  }

  /** Registers a written blob; call inside the transaction that inserts the rows pointing at it. */
  register(blob: { hash: string; size: number }, meta: BlobMeta): void {
    this.#insert.run({ hash: blob.hash, size: blob.size, mediaType: meta.mediaType, width: meta.width ?? null, height: meta.height ?? null, now: Date.now() });
  }

  hasRow(hash: string): boolean {
    return this.#exists.get(hash) !== undefined;
  }

  /**
   * Steps 2 and 3 above for a blob `put` has already written and holds: runs `commit` (a synchronous
   * transaction) and, whatever happens, releases the hold; on failure removes a file this call created
   * and nobody else references or holds.
   */
  commitOrDiscard<T>(blob: StoredBlob, commit: () => T): T {
    let ok = false;
    try {
      const out = commit();
      ok = true;
      return out;
    } finally {
      this.files.release(blob.hash);
      if (!ok) this.discardIfUnused(blob);
    }
  }

  /** Removes a blob this call created that ended up unused (e.g. the job was cancelled before it committed). */
  discardIfUnused(blob: StoredBlob): void {
    if (blob.created && !this.files.isHeld(blob.hash) && !this.hasRow(blob.hash)) this.files.removeSync(blob.hash);
  }
}
