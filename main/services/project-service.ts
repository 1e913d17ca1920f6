// The open project: open/create/close, the recent list (in the app's data folder) and per-project
// settings (studio.json in the project folder: the default checkpoint). One project is open at a time;
// other services (the queue) hook in through onOpened/onClosing. No Electron imports.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProjectInfo, ProjectStats, RecentProject, ReviewStatus } from '../../preload/contract.ts';
import { writeFileAtomicSync } from '../atomic-write.ts';
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../api/errors.ts';
import { DB_FILE, openProject, type Project } from '../store/index.ts';

export const RECENT_FILE = 'recent-projects.json';
export const SETTINGS_FILE = 'studio.json';
const MAX_RECENT = 20;

interface RecentEntry {
  path: string;
  name: string;
  openedAt: number;
}

interface ProjectSettings {
  defaultCheckpointId?: number | null;
}

export interface ProjectServiceOptions {
  /** The app's data folder: the recent list and, by default, new projects live here. */
  dataDir: string;
  /** Where `create` puts projects when no parent folder is given. Default <dataDir>/projects. */
  projectsDir?: string;
  log?: (line: string) => void;
  /** Told whenever the open project changes. */
  onChange?: (project: ProjectInfo | null) => void;
}

type Hook = (project: Project) => void | Promise<void>;

export class ProjectService {
  readonly dataDir: string;
  readonly projectsDir: string;
  readonly #log: (line: string) => void;
  readonly #onChange: (project: ProjectInfo | null) => void;
  readonly #opened: Hook[] = [];
  readonly #closing: Hook[] = [];
  #project: Project | null = null;
  #info: ProjectInfo | null = null;
  /** Open/create/close run one at a time. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(opts: ProjectServiceOptions) {
    this.dataDir = resolve(opts.dataDir);
    this.projectsDir = resolve(opts.projectsDir ?? join(this.dataDir, 'projects'));
    this.#log = opts.log ?? ((line) => console.error(line));
    this.#onChange = opts.onChange ?? (() => {});
  }

  /** Runs after a project opened (e.g. start its queue runner). */
  onOpened(hook: Hook): void {
    this.#opened.push(hook);
  }

  /** Runs before a project closes (e.g. stop its queue runner); awaited. */
  onClosing(hook: Hook): void {
    this.#closing.push(hook);
  }

  current(): ProjectInfo | null {
    return this.#info && { ...this.#info };
  }

  get project(): Project | null {
    return this.#project;
  }

  /** The open project, or an 'unavailable' error telling the user to open one. */
  require(): Project {
    if (!this.#project) throw new UnavailableError('no project is open: open or create a project first');
    return this.#project;
  }

  open(dir: string): Promise<ProjectInfo> {
    return this.#serial(async () => {
      const path = resolve(dir);
      if (!existsSync(join(path, DB_FILE))) {
        throw new NotFoundError(`${path} is not a Leffa Studio project (it has no ${DB_FILE}); create a project instead`);
      }
      return this.#openNow(path, false);
    });
  }

  /** Creates <parent>/<name> (default parent: the app's projects folder) and opens it. */
  create(name: string, parentDir?: string): Promise<ProjectInfo> {
    return this.#serial(async () => {
      const path = resolve(parentDir ?? this.projectsDir, name);
      if (existsSync(join(path, DB_FILE))) throw new ConflictError(`${path} is already a project; open it instead`);
      if (existsSync(path)) {
        if (!statSync(path).isDirectory()) throw new ConflictError(`${path} exists and is not a folder`);
        if (readdirSync(path).length > 0) throw new ConflictError(`${path} exists and is not empty; pick another name`);
      }
      return this.#openNow(path, true, name);
    });
  }

  close(): Promise<boolean> {
    return this.#serial(async () => {
      const closed = await this.#closeNow();
      if (closed) this.#onChange(null);
      return closed;
    });
  }

  // ---- recent list --------------------------------------------------------------------------------

  recent(): RecentProject[] {
    return this.#readRecent().map((r) => ({ ...r, exists: existsSync(join(r.path, DB_FILE)) }));
  }

  isRecent(path: string): boolean {
    const p = resolve(path);
    return this.#readRecent().some((r) => r.path === p);
  }

  forget(path: string): RecentProject[] {
    const p = resolve(path);
    this.#writeRecent(this.#readRecent().filter((r) => r.path !== p));
    return this.recent();
  }

  // ---- per-project settings -----------------------------------------------------------------------

  defaultCheckpointId(): number | null {
    const project = this.require();
    const id = this.#readSettings(project).defaultCheckpointId ?? null;
    // A default that no longer exists (e.g. the project was copied without it) counts as none.
    return id !== null && project.checkpoints.get(id) ? id : null;
  }

  setDefaultCheckpoint(id: number): number {
    const project = this.require();
    project.checkpoints.require(id, 'checkpoints:setDefault', 'id');
    writeFileAtomicSync(join(project.dir, SETTINGS_FILE), JSON.stringify({ ...this.#readSettings(project), defaultCheckpointId: id }, null, 2));
    return id;
  }

  stats(): ProjectStats {
    const db = this.require().db;
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    const jobs = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, total: 0 };
    for (const r of db.prepare(`SELECT status, count(*) AS n FROM jobs GROUP BY status`).all() as { status: keyof typeof jobs; n: number }[]) {
      jobs[r.status] = r.n;
      jobs.total += r.n;
    }
    const reviews: Record<ReviewStatus, number> = { pending: 0, approved: 0, rejected: 0, redo: 0 };
    for (const r of db.prepare(`SELECT review_status AS s, count(*) AS n FROM results GROUP BY review_status`).all() as { s: ReviewStatus; n: number }[]) {
      reviews[r.s] = r.n;
    }
    return {
      garments: count('garments'),
      garmentPhotos: count('garment_photos'),
      modelPhotos: count('model_photos'),
      checkpoints: count('checkpoints'),
      results: count('results'),
      batches: count('batches'),
      jobs,
      reviews,
    };
  }

  // ---- internals ----------------------------------------------------------------------------------

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #openNow(path: string, create: boolean, name?: string): Promise<ProjectInfo> {
    if (this.#project && this.#project.dir === path) return this.current()!;
    await this.#closeNow();
    const project = await openProject({ dir: path, create, name, log: this.#log });
    this.#project = project;
    this.#info = { path: project.dir, name: project.name, schemaVersion: project.migration.to, openedAt: Date.now() };
    this.#remember({ path: project.dir, name: project.name, openedAt: this.#info.openedAt });
    for (const hook of this.#opened) {
      try {
        await hook(project);
      } catch (err) {
        this.#log(`[project] a service failed to start for ${project.dir}: ${(err as Error).stack ?? String(err)}`);
      }
    }
    this.#onChange(this.current());
    return this.current()!;
  }

  async #closeNow(): Promise<boolean> {
    const project = this.#project;
    if (!project) return false;
    for (const hook of this.#closing) {
      try {
        await hook(project);
      } catch (err) {
        this.#log(`[project] a service failed to stop for ${project.dir}: ${(err as Error).stack ?? String(err)}`);
      }
    }
    this.#project = null;
    this.#info = null;
    project.close();
    return true;
  }

  #readRecent(): RecentEntry[] {
    try {
      const data = JSON.parse(readFileSync(join(this.dataDir, RECENT_FILE), 'utf8')) as unknown;
      if (!Array.isArray(data)) return [];
      return data.filter(
        (r): r is RecentEntry => typeof r?.path === 'string' && typeof r?.name === 'string' && typeof r?.openedAt === 'number',
      );
    } catch {
      return [];
    }
  }

  #writeRecent(entries: RecentEntry[]): void {
    writeFileAtomicSync(join(this.dataDir, RECENT_FILE), JSON.stringify(entries.slice(0, MAX_RECENT), null, 2));
  }

  #remember(entry: RecentEntry): void {
    this.#writeRecent([entry, ...this.#readRecent().filter((r) => r.path !== entry.path)]);
  }

  #readSettings(project: Project): ProjectSettings {
    try {
      const data = JSON.parse(readFileSync(join(project.dir, SETTINGS_FILE), 'utf8')) as ProjectSettings;
      return typeof data === 'object' && data !== null ? data : {};
    } catch {
      return {};
    }
  }
}

/** Checks a project name is usable as a folder name (the schema checks it too; this is for direct callers). */
export function assertFolderName(name: string): void {
  if (!name || /[\\/:*?"<>|\0]/.test(name) || name === '.' || name === '..') throw new ValidationError(`project name ${JSON.stringify(name)} cannot be a folder name`);
}
