// The shape of one numbered schema migration (one file each, migrations/NNN_what.ts).
import type { DB } from '../database.ts';

export interface Migration {
  /** The schema version this migration produces; versions are 1, 2, 3, ... with no gaps. */
  readonly version: number;
  /** What it does, for logs and error messages. */
  readonly name: string;
  /** Runs inside a transaction opened by the migrator; synchronous (better-sqlite3 transactions cannot await). */
  up(db: DB): void;
}
