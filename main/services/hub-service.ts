// The model manager over the API (issue #13): the catalogue with each model's state on this machine and in
// the open project, a download queue (one file after another, resumable, cancellable, with progress as
// `hub:progress` events), and registration of a downloaded or already-cached checkpoint into the open
// project's checkpoint registry with its source, hash, size and the licence from the model card.
//
// The bytes are the model manager's (models/hub): it streams from the Hub into the Hugging Face cache,
// hashing as it goes, and resumes a partial file. Registration then adopts the cache's file into the
// project's blob store by hard link when both are on one file system (no 7-20 GB copy), else by a streamed
// copy; either way re-hashed against the Hub's SHA-256. Network streaming and file hashing are async
// chunked work, so main's event loop stays free. No Electron imports.
import { realpath, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointKind, CheckpointListItem, HubCatalogueItem, HubModelState, HubProgress } from '../../preload/contract.ts';
import { ApiError, ConflictError, ForbiddenError, NotFoundError, UnavailableError, ValidationError } from '../api/errors.ts';
import { writeFileAtomicSync } from '../atomic-write.ts';
import { commercialUseOf, licenceText } from '../hub/licence.ts';
import {
  CATALOGUE, baseConfigFolder, findCachedModel, getModel, isHubError, resolveHubSettings, resolveModel, verify,
  type CatalogueEntry, type DownloadProgress, type ManagerOptions, type ModelRecord,
} from '../../models/hub/index.ts';
import { repoCache } from '../../models/hub/cache-layout.ts';
import { taskOfKind } from '../store/checkpoints.ts';
import type { Checkpoint } from '../store/types.ts';
import { copyBaseConfig, type CatalogService } from './catalog-service.ts';
import type { ProjectService } from './project-service.ts';

export interface HubServiceOptions {
  projects: ProjectService;
  catalog: CatalogService;
  /** Pushes `hub:progress`. */
  emit: (progress: HubProgress) => void;
  /** Model manager options (cacheDir, endpoint, token, offline, freeSpace, retries…); default: the HF_* environment. */
  manager?: ManagerOptions;
  /**
   * Where the diffusers base configs of the catalogue's architectures are. Default: the ones shipped with the
   * app (the checkpoint then records none). Given (a mirror of reduced models, the tests), the folder of the
   * model's architecture is copied into the project with the checkpoint, like a hand import's base.
   */
  configsDir?: string;
  /** Remembers which partial file belongs to which model, so a restarted app shows "partly downloaded". */
  stateFile?: string;
  /** Try hard links when registering (default true). */
  link?: boolean;
  /** Minimum time between two registration (hashing) progress events. Default 250 ms. */
  progressIntervalMs?: number;
  log?: (line: string) => void;
}

const KIND_OF: Record<string, CheckpointKind> = { 'try-on-hd': 'try-on-HD', 'try-on-dc': 'try-on-DC' };

function kindOf(entry: CatalogueEntry): CheckpointKind {
  return KIND_OF[entry.id] ?? (entry.kind === 'pose-transfer' ? 'pose' : 'try-on-HD');
}

interface Active {
  id: string;
  controller: AbortController;
  phase: 'downloading' | 'registering';
}

/** A HubError (or an abort) as an API error with the right kind; its message is kept as is. */
function apiError(err: unknown): unknown {
  if (err instanceof ApiError || !isHubError(err)) return err;
  switch (err.code) {
    case 'unknown-model': return new ValidationError(err.message);
    case 'not-cached': case 'offline-not-cached': case 'repo-not-found': case 'revision-not-found': case 'file-not-found': return new NotFoundError(err.message);
    case 'unauthorized': case 'forbidden': case 'bad-token': return new ForbiddenError(err.message);
    case 'disk-full': case 'hash-mismatch': case 'aborted': return new ConflictError(err.message);
    default: return new UnavailableError(err.message);
  }
}

export class HubService {
  readonly #projects: ProjectService;
  readonly #catalog: CatalogService;
  readonly #emit: (progress: HubProgress) => void;
  readonly #manager: ManagerOptions;
  readonly #configsDir: string | undefined;
  readonly #stateFile: string | undefined;
  readonly #link: boolean;
  readonly #intervalMs: number;
  readonly #log: (line: string) => void;
  readonly #queue: string[] = [];
  readonly #last = new Map<string, HubProgress>();
  readonly #errors = new Map<string, string>();
  /** modelId -> name of its .incomplete file in the repo's blobs/ (interrupted downloads). */
  #partials: Record<string, string> = {};
  #partialsLoaded = false;
  #active: Active | null = null;
  #pump: Promise<void> | null = null;
  /** Files done in the current queue run (for fileIndex / fileCount). */
  #runDone = 0;
  #closed = false;

  constructor(opts: HubServiceOptions) {
    this.#projects = opts.projects;
    this.#catalog = opts.catalog;
    this.#emit = opts.emit;
    this.#manager = opts.manager ?? {};
    this.#configsDir = opts.configsDir;
    this.#stateFile = opts.stateFile;
    this.#link = opts.link ?? true;
    this.#intervalMs = opts.progressIntervalMs ?? 250;
    this.#log = opts.log ?? ((line) => console.error(line));
  }

  // ---- catalogue --------------------------------------------------------------------------------

  async catalogue(): Promise<{ items: HubCatalogueItem[]; cacheDir: string; offline: boolean }> {
    const settings = resolveHubSettings(this.#manager);
    const project = this.#projects.project;
    const sources = project ? project.checkpoints.hubSources() : [];
    await this.#loadPartials();
    const items: HubCatalogueItem[] = [];
    for (const entry of CATALOGUE) {
      const cached = await findCachedModel(entry.id, this.#manager).catch(() => null);
      const source = sources.find((s) => s.modelId === entry.id);
      let checkpoint: Checkpoint | undefined = source && project ? project.checkpoints.get(source.checkpointId) : undefined;
      if (!checkpoint && project && cached?.sha256) checkpoint = project.checkpoints.list().find((c) => c.blobHash === cached.sha256);
      const partialBytes = cached ? 0 : await this.#partialBytes(entry);
      let state: HubModelState;
      if (this.#active?.id === entry.id) state = this.#active.phase;
      else if (this.#queue.includes(entry.id)) state = 'queued';
      else if (checkpoint) state = 'registered';
      else if (cached) state = 'in-cache';
      else if (partialBytes > 0) state = 'partial';
      else state = 'not-downloaded';
      const licence = checkpoint ? (source?.cardLicence ?? checkpoint.licence) : (cached?.licence ?? null);
      items.push({
        id: entry.id, title: entry.title, purpose: entry.purpose, kind: kindOf(entry), architecture: entry.arch, repo: entry.repo, file: entry.file,
        sizeBytes: checkpoint?.size ?? cached?.size ?? entry.sizeBytes, state, licence,
        commercialUse: checkpoint ? checkpoint.commercialUse : cached ? commercialUseOf(cached.licence) : null,
        checkpointId: checkpoint?.id ?? null, partialBytes,
        progress: state === 'downloading' || state === 'registering' || state === 'queued' ? (this.#last.get(entry.id) ?? null) : null,
        error: this.#errors.get(entry.id) ?? null,
      });
    }
    return { items, cacheDir: settings.cacheDir, offline: settings.offline };
  }

  // ---- download queue ---------------------------------------------------------------------------

  /** Queues a download; the queue runs one model at a time. */
  download(modelId: string): { queued: boolean; position: number } {
    if (this.#closed) throw new UnavailableError('the model manager is shutting down');
    const entry = this.#entry(modelId);
    if (this.#active?.id === entry.id) return { queued: false, position: 0 };
    const at = this.#queue.indexOf(entry.id);
    if (at >= 0) return { queued: false, position: at + 1 };
    this.#queue.push(entry.id);
    this.#errors.delete(entry.id);
    this.#send({ modelId: entry.id, file: entry.file, bytes: 0, totalBytes: entry.sizeBytes, bytesPerSecond: 0, etaMs: null, state: 'queued' });
    this.#pump ??= this.#run().finally(() => { this.#pump = null; });
    return { queued: true, position: this.#queue.length + (this.#active ? 1 : 0) };
  }

  /** Cancels a queued or running download (the partial file stays for a later resume). */
  cancel(modelId: string): { cancelled: boolean } {
    const entry = this.#entry(modelId);
    const at = this.#queue.indexOf(entry.id);
    if (at >= 0) {
      this.#queue.splice(at, 1);
      const last = this.#last.get(entry.id);
      this.#send({ ...(last ?? { modelId: entry.id, file: entry.file, bytes: 0, totalBytes: entry.sizeBytes, bytesPerSecond: 0, etaMs: null }), state: 'cancelled', bytesPerSecond: 0, etaMs: null });
      return { cancelled: true };
    }
    if (this.#active?.id === entry.id) {
      this.#active.controller.abort();
      return { cancelled: true };
    }
    return { cancelled: false };
  }

  /** Resolves when the queue is empty and nothing runs (tests, shutdown). */
  async whenIdle(): Promise<void> {
    while (this.#pump) await this.#pump;
  }

  /** Cancels everything; a partial download stays on disk for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.length = 0;
    this.#active?.controller.abort();
    await this.whenIdle();
  }

  async #run(): Promise<void> {
    this.#runDone = 0;
    while (this.#queue.length > 0) {
      const id = this.#queue.shift()!;
      const entry = getModel(id);
      const controller = new AbortController();
      this.#active = { id, controller, phase: 'downloading' };
      const fileIndex = this.#runDone + 1;
      const count = () => this.#runDone + 1 + this.#queue.length; // the queue may grow or shrink meanwhile
      try {
        const rec = await resolveModel(id, {
          ...this.#manager,
          signal: controller.signal,
          onProgress: (p) => this.#onDownloadProgress(p, fileIndex, count()),
        });
        await this.#forgetPartial(id);
        let checkpointId: number | undefined;
        if (this.#projects.project) {
          this.#active.phase = 'registering';
          checkpointId = (await this.#register(rec, controller.signal)).id;
        }
        this.#send({ modelId: id, file: entry.file, bytes: rec.size, totalBytes: rec.size, bytesPerSecond: 0, etaMs: 0, state: 'done', fileIndex, fileCount: count(), ...(checkpointId !== undefined && { checkpointId }) });
        this.#last.delete(id);
      } catch (err) {
        const last = this.#last.get(id) ?? { modelId: id, file: entry.file, bytes: 0, totalBytes: entry.sizeBytes, bytesPerSecond: 0, etaMs: null };
        await this.#rememberPartial(id);
        if (controller.signal.aborted) {
          this.#send({ ...last, state: 'cancelled', bytesPerSecond: 0, etaMs: null, fileIndex, fileCount: count() });
        } else {
          const message = (err as Error).message;
          this.#errors.set(id, message);
          this.#log(`[hub] ${id} failed: ${message}`);
          this.#send({ ...last, state: 'failed', bytesPerSecond: 0, etaMs: null, error: message, fileIndex, fileCount: count() });
        }
        this.#last.delete(id);
      } finally {
        this.#active = null;
        this.#runDone++;
      }
    }
  }

  #onDownloadProgress(p: DownloadProgress, fileIndex: number, fileCount: number): void {
    if (!p.id) return;
    this.#send({
      modelId: p.id, file: p.file, bytes: p.bytes, totalBytes: p.total, bytesPerSecond: Math.round(p.bytesPerSecond),
      etaMs: p.etaSeconds === null ? null : Math.round(p.etaSeconds * 1000),
      state: p.phase === 'checking-partial' ? 'checking' : 'downloading', fileIndex, fileCount,
    });
  }

  #send(p: HubProgress): void {
    this.#last.set(p.modelId, p);
    this.#emit(p);
  }

  // ---- registration -----------------------------------------------------------------------------

  /** Registers a model found in the Hugging Face cache (no download) into the open project. */
  async register(modelId: string): Promise<CheckpointListItem> {
    const entry = this.#entry(modelId);
    this.#projects.require();
    if (this.#active?.id === entry.id || this.#queue.includes(entry.id)) throw new ConflictError(`model ${entry.id} is being downloaded; it is registered when the download ends`);
    const rec = await findCachedModel(entry.id, this.#manager).catch((err: unknown) => { throw apiError(err); });
    if (!rec) {
      throw new NotFoundError(`modelId is ${JSON.stringify(modelId)}; expected a model in the Hugging Face cache at ${resolveHubSettings(this.#manager).cacheDir}, and ${entry.repo}/${entry.file} is not there (download it instead)`);
    }
    const checkpoint = await this.#register(rec);
    this.#send({ modelId: entry.id, file: entry.file, bytes: rec.size, totalBytes: rec.size, bytesPerSecond: 0, etaMs: 0, state: 'done', checkpointId: checkpoint.id });
    this.#last.delete(entry.id);
    return this.#catalog.checkpoint(checkpoint.id);
  }

  async #register(rec: ModelRecord, signal?: AbortSignal): Promise<Checkpoint> {
    const project = this.#projects.require();
    const entry = getModel(rec.id);
    let sha256 = rec.sha256;
    if (!sha256) {
      // A cache without symlinks (Windows): the file's name does not say its hash; check it against the Hub's.
      const v = await verify(rec.id, { ...this.#manager, ...(signal && { signal }) }).catch((err: unknown) => { throw apiError(err); });
      if (!v.ok || !v.expected) throw new ConflictError(`${rec.path}: its SHA-256 ${v.actual} could not be matched with the one the Hub publishes (${v.expected ?? 'unknown offline'}); download the model again`);
      sha256 = v.expected;
    }
    let baseConfig: string | undefined;
    if (this.#configsDir !== undefined) {
      const folder = baseConfigFolder(entry.arch, this.#configsDir);
      baseConfig = (await copyBaseConfig(project.dir, folder, folder.split(/[\\/]/).pop()!)).baseConfig;
    }
    const start = this.#last.get(rec.id);
    let lastEmit = -Infinity;
    const t0 = performance.now();
    const { checkpoint } = await project.checkpoints.adopt(
      {
        name: entry.title, kind: kindOf(entry), architecture: entry.arch, licence: licenceText(rec.licence), commercialUse: commercialUseOf(rec.licence),
        source: `${rec.repo}@${rec.revision}/${rec.file}`, ...(baseConfig !== undefined && { baseConfig }),
        file: await realpath(rec.path), sha256,
        hub: { modelId: rec.id, repo: rec.repo, revision: rec.revision, file: rec.file, sha256, size: rec.size, cardLicence: rec.licence },
      },
      {
        link: this.#link,
        ...(signal && { signal }),
        onProgress: ({ bytes, totalBytes }) => {
          const now = performance.now();
          if (now - lastEmit < this.#intervalMs && bytes < totalBytes) return;
          lastEmit = now;
          const rate = bytes / Math.max((now - t0) / 1000, 1e-3);
          this.#send({
            modelId: rec.id, file: rec.file, bytes, totalBytes, bytesPerSecond: Math.round(rate), etaMs: rate > 0 ? Math.round(((totalBytes - bytes) / rate) * 1000) : null,
            state: 'registering', ...(start?.fileIndex !== undefined && { fileIndex: start.fileIndex, fileCount: start.fileCount }),
          });
        },
      },
    ).catch((err: unknown) => { throw apiError(err); });
    const task = taskOfKind(checkpoint.kind);
    if (task && project.checkpoints.defaults()[task] === undefined) project.checkpoints.setDefault(task, checkpoint.id);
    if (task && task !== 'pose' && this.#projects.defaultCheckpointId() === null) this.#projects.setDefaultCheckpoint(checkpoint.id);
    this.#errors.delete(rec.id);
    return checkpoint;
  }

  // ---- partial downloads (after a restart) ------------------------------------------------------

  async #loadPartials(): Promise<void> {
    if (this.#partialsLoaded) return;
    this.#partialsLoaded = true;
    if (!this.#stateFile) return;
    try {
      const parsed = JSON.parse(await readFile(this.#stateFile, 'utf8')) as { partials?: Record<string, string> };
      for (const [id, name] of Object.entries(parsed.partials ?? {})) {
        if (CATALOGUE.some((m) => m.id === id) && /^[0-9a-f]{64}\.incomplete$/.test(name)) this.#partials[id] = name;
      }
    } catch { /* no state yet, or unreadable: nothing is remembered */ }
  }

  async #partialBytes(entry: CatalogueEntry): Promise<number> {
    const name = this.#partials[entry.id];
    if (!name) return 0;
    const cache = repoCache(resolveHubSettings(this.#manager).cacheDir, entry.repo);
    try {
      return (await stat(join(cache.storage, 'blobs', name))).size;
    } catch {
      return 0;
    }
  }

  /** After a cancel or failure: the newest .incomplete file of the repo is this model's (one download at a time). */
  async #rememberPartial(id: string): Promise<void> {
    await this.#loadPartials();
    const cache = repoCache(resolveHubSettings(this.#manager).cacheDir, getModel(id).repo);
    const dir = join(cache.storage, 'blobs');
    let newest: { name: string; mtime: number } | null = null;
    try {
      for (const name of await readdir(dir)) {
        if (!/^[0-9a-f]{64}\.incomplete$/.test(name)) continue;
        const mtime = (await stat(join(dir, name))).mtimeMs;
        if (!newest || mtime > newest.mtime) newest = { name, mtime };
      }
    } catch { /* no blobs folder: nothing was written */ }
    if (newest) {
      this.#partials[id] = newest.name;
      await this.#savePartials();
    }
  }

  async #forgetPartial(id: string): Promise<void> {
    await this.#loadPartials();
    if (!(id in this.#partials)) return;
    delete this.#partials[id];
    await this.#savePartials();
  }

  async #savePartials(): Promise<void> {
    if (!this.#stateFile) return;
    try {
      writeFileAtomicSync(this.#stateFile, JSON.stringify({ partials: this.#partials }, null, 2));
    } catch (err) {
      this.#log(`[hub] could not save ${this.#stateFile}: ${(err as Error).message}`);
    }
  }

  #entry(modelId: string): CatalogueEntry {
    try {
      return getModel(modelId);
    } catch (err) {
      throw new NotFoundError(`modelId is ${JSON.stringify(modelId)}; expected one of ${CATALOGUE.map((m) => JSON.stringify(m.id)).join(', ')} (${(err as Error).message})`);
    }
  }
}
