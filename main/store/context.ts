// What every repository needs: the connection, the blob files and rows, the project folder and limits.
// Built once by openProject and passed to each repository's constructor.
import type { BlobRows } from './blob-rows.ts';
import type { BlobStore } from './blob-store.ts';
import type { DB } from './database.ts';

export interface StoreContext {
  db: DB;
  dir: string;
  files: BlobStore;
  blobRows: BlobRows;
  /** Largest image accepted, in pixels (width × height). */
  maxPixels: number;
}
