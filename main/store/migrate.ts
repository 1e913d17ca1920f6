// Brings a project database to the newest schema: checks the migration list, refuses a database from a
// newer build, backs the file up once (SQLite's online backup API, so the copy is consistent even with a
// WAL), then runs each pending migration in its own transaction together with `PRAGMA user_version`.
// A crash or an error mid-way therefore leaves the database at the last version that completed.
import type { DB } from './database.ts';
import { FutureSchemaError, StoreError } from './errors.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';

export interface MigrateOptions {
  /** The database file (names the backup and error messages). */
  file: string;
  migrations?: readonly Migration[];
  /** Stop at this version (tests migrate step by step). Default: the last migration. */
  target?: number;
  /** Back up before migrating a non-empty database. Default true. */
  backup?: boolean;
  log?: (line: string) => void;
}

export interface MigrateReport {
  from: number;
  to: number;
  /** Path of the backup made before migrating, if one was. */
  backup?: string;
}

export function schemaVersion(db: DB): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Versions must be exactly 1, 2, 3, ...: a gap or a repeat is a merge mistake, caught before any runs. */
export function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StoreError(
        'version',
        `migrations: entry ${i} ("${m.name}") has version ${m.version}; expected ${i + 1} (versions must be 1, 2, 3, ... in order)`,
      );
    }
  });
}

/** Throws FutureSchemaError when the file was written by a newer build. */
export function assertNotFromFuture(db: DB, file: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const found = schemaVersion(db);
  const supported = migrations.length;
  if (found > supported) throw new FutureSchemaError(file, found, supported);
}

export function backupPath(file: string, version: number): string {
  return `${file}.bak-v${version}`;
}

export async function migrate(db: DB, options: MigrateOptions): Promise<MigrateReport> {
  const migrations = options.migrations ?? MIGRATIONS;
  checkMigrationList(migrations);
  assertNotFromFuture(db, options.file, migrations);
  const target = options.target ?? migrations.length;
  if (!Number.isInteger(target) || target < 0 || target > migrations.length) {
    throw new StoreError('validation', `migrate: target is ${target}; expected an integer from 0 to ${migrations.length}`);
  }
  const from = schemaVersion(db);
  const report: MigrateReport = { from, to: from };
  if (from >= target) return report;

  // A fresh database (version 0) has nothing worth keeping; anything else is a user's project.
  if (from > 0 && options.backup !== false) {
    report.backup = backupPath(options.file, from);
    await db.backup(report.backup);
    options.log?.(`[store] backed up ${options.file} (schema v${from}) to ${report.backup}`);
  }
  for (const m of migrations.slice(from, target)) {
    const step = db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      step.immediate();
    } catch (err) {
      throw new StoreError(
        'version',
        `migrate: migration ${m.version} ("${m.name}") failed on ${options.file}: ${(err as Error).message}; ` +
          `the database was left at version ${schemaVersion(db)}` + (report.backup ? ` (backup: ${report.backup})` : ''),
        {},
        { cause: err },
      );
    }
    report.to = m.version;
    options.log?.(`[store] migrated ${options.file} to v${m.version} (${m.name})`);
  }
  return report;
}
