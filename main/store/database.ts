// Opens a project's SQLite file with the settings every connection must have. These are per-connection
// (foreign_keys, busy timeout) or must be set before the first write (WAL), so they live in one place.
import Database from 'better-sqlite3';

export type DB = Database.Database;

export interface OpenDatabaseOptions {
  /** How long a statement waits for another connection's write lock before SQLITE_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number;
}

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): DB {
  const db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    // WAL: readers (the gallery) never block the writer (the queue runner), and a crash loses at most
    // the transaction that was being written (better-sqlite3 docs/performance.md).
    db.pragma('journal_mode = WAL');
    // FULL: a committed result survives a power cut, not only a crash of the app. The queue commits once
    // per cell (seconds apart), so the extra fsync per commit costs nothing we can measure.
    db.pragma('synchronous = FULL');
    // Off by default in SQLite, and per connection: without it the REFERENCES clauses are decoration.
    db.pragma('foreign_keys = ON');
    // Keep temporary b-trees (sorts, IN lists) in memory; they are small for our queries.
    db.pragma('temp_store = MEMORY');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
