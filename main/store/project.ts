// A project is a folder: project.sqlite (the catalogue, queue and results) beside blobs/ (every image,
// mask, DensePose map, checkpoint and result, named by SHA-256). openProject opens or creates one, brings
// its schema up to date (with a backup first) and wires the repositories together.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { BlobRows } from './blob-rows.ts';
import { BlobStore } from './blob-store.ts';
import { CheckpointRepo } from './checkpoints.ts';
import { CollectionRepo } from './collections.ts';
import type { StoreContext } from './context.ts';
import { openDatabase, type DB } from './database.ts';
import { argumentError } from './errors.ts';
import { ExportRepo } from './exports.ts';
import { ExplanationRepo } from './explanations.ts';
import { GarmentRepo } from './garments.ts';
import { DEFAULT_MAX_PIXELS } from './image-check.ts';
import { checkIntegrity, type CheckOptions, type IntegrityReport } from './integrity.ts';
import { assertNotFromFuture, migrate, type MigrateReport } from './migrate.ts';
import { ModelPhotoRepo } from './model-photos.ts';
import { ProjectSettingsRepo } from './project-settings.ts';
import { ReleaseRepo } from './releases.ts';
import { ResultRepo } from './results.ts';
import { ReviewRepo } from './reviews.ts';
import { Search } from './search.ts';

export const DB_FILE = 'project.sqlite';
export const BLOB_DIR = 'blobs';

export interface OpenProjectOptions {
  /** The project folder. */
  dir: string;
  /** Create the folder and database if missing. Default false: a missing project is an error. */
  create?: boolean;
  /** Name stored in a new project. Default: the folder's name. */
  name?: string;
  /** Largest image accepted, in pixels. Default 50 megapixels. */
  maxPixels?: number;
  busyTimeoutMs?: number;
  /** Orphan check at open: 'report' (default), 'clean' (delete orphan files) or 'skip'. */
  checkOrphans?: 'report' | 'clean' | 'skip';
  log?: (line: string) => void;
}

export class Project {
  readonly collections: CollectionRepo;
  readonly garments: GarmentRepo;
  readonly modelPhotos: ModelPhotoRepo;
  readonly checkpoints: CheckpointRepo;
  readonly results: ResultRepo;
  readonly reviews: ReviewRepo;
  readonly exports: ExportRepo;
  readonly releases: ReleaseRepo;
  /** Explain views of results (migration 013). */
  readonly explanations: ExplanationRepo;
  /** Project-wide settings (migration 012): the release policy. */
  readonly settings: ProjectSettingsRepo;
  readonly search: Search;
  readonly #name: () => string;
  #closed = false;

  constructor(
    readonly ctx: StoreContext,
    /** What opening did to the schema (versions, backup path). */
    readonly migration: MigrateReport,
    /** The orphan check run at open, or null when skipped. */
    readonly startupCheck: IntegrityReport | null,
  ) {
    this.collections = new CollectionRepo(ctx);
    this.garments = new GarmentRepo(ctx, this.collections);
    this.modelPhotos = new ModelPhotoRepo(ctx);
    this.checkpoints = new CheckpointRepo(ctx);
    this.results = new ResultRepo(ctx.db);
    this.reviews = new ReviewRepo(ctx);
    this.exports = new ExportRepo(ctx);
    this.releases = new ReleaseRepo(ctx);
    this.explanations = new ExplanationRepo(ctx);
    this.settings = new ProjectSettingsRepo(ctx);
    this.search = new Search(ctx.db);
    const name = ctx.db.prepare(/* sql */ `SELECT name FROM project WHERE id = 1`).pluck();
    this.#name = () => name.get() as string;
  }

  get db(): DB { return this.ctx.db; }
  get dir(): string { return this.ctx.dir; }
  get files(): BlobStore { return this.ctx.files; }

  /** The file holding a blob (an image, mask, checkpoint or result). */
  blobPath(hash: string): string {
    return this.ctx.files.pathOf(hash);
  }

  /** Compares blobs/ with the blobs table; see integrity.ts. */
  checkIntegrity(options: CheckOptions = {}): Promise<IntegrityReport> {
    return checkIntegrity(this.ctx.db, this.ctx.files, options);
  }

  get name(): string {
    return this.#name();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // SQLite's advice for long-lived connections: refresh the planner's statistics where they went stale
    // (usually a no-op taking microseconds; without statistics, big tables can get poor plans).
    try { this.ctx.db.pragma('optimize'); } catch { /* read-only or busy: skip, it is only statistics */ }
    this.ctx.db.close();
  }
}

export async function openProject(options: OpenProjectOptions): Promise<Project> {
  const fn = 'openProject';
  if (typeof options?.dir !== 'string' || options.dir === '') throw argumentError(fn, 'dir', options?.dir, 'the path of a project folder');
  const dir = resolve(options.dir);
  const file = join(dir, DB_FILE);
  if (!existsSync(file)) {
    if (!options.create) throw argumentError(fn, 'dir', options.dir, `a project folder containing ${DB_FILE} (pass create: true to make a new project)`, 'not_found');
    await mkdir(dir, { recursive: true });
  }
  const db = openDatabase(file, { busyTimeoutMs: options.busyTimeoutMs });
  try {
    // Before anything writes: a newer build's database must stay exactly as that build left it.
    assertNotFromFuture(db, file);
    const migration = await migrate(db, { file, log: options.log });
    db.prepare(/* sql */ `INSERT OR IGNORE INTO project (id, name, created_at) VALUES (1, ?, ?)`).run(options.name ?? basename(dir), Date.now());
    const files = await BlobStore.open(join(dir, BLOB_DIR));
    const ctx: StoreContext = { db, dir, files, blobRows: new BlobRows(db, files), maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS };
    const mode = options.checkOrphans ?? 'report';
    const startupCheck = mode === 'skip' ? null : await checkIntegrity(db, files, { clean: mode === 'clean' });
    if (startupCheck && (startupCheck.orphanFiles.length || startupCheck.missingFiles.length)) {
      options.log?.(`[store] ${file}: ${startupCheck.orphanFiles.length} orphan file(s)${startupCheck.cleaned ? ' removed' : ''}, ${startupCheck.missingFiles.length} missing file(s)`);
    }
    return new Project(ctx, migration, startupCheck);
  } catch (err) {
    db.close();
    throw err;
  }
}
