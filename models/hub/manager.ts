// The model manager: turns a catalogue id into a checkpoint on disk, ready for the engine.
//  1. Look in the Hub cache (no network): a checkpoint the Python app or an earlier run downloaded is reused.
//  2. Otherwise, unless offline: ask the Hub which commit `main` is, the file's size and SHA-256, fetch the
//     model card (licence), check free space, then download resumably and verify (download-blob.ts).
//  3. Link it into snapshots/<commit>/ and point refs/<revision> at the commit, as the Python client does.
// The result is a record for the project store (which will be wired later).
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { getModel, MODEL_CARD_FILE, type CatalogueEntry } from './catalogue.ts';
import {
  exists, findCached, isCommitHash, linkSnapshot, repoCache, writeRef, type CachedFile, type RepoCache,
} from './cache-layout.ts';
import { downloadBlob } from './download-blob.ts';
import { HubError } from './errors.ts';
import type { FreeSpaceProbe } from './disk-space.ts';
import { formatBytes } from './format.ts';
import { gitBlobOid, sha256File } from './hash.ts';
import { HubClient, notFound, type RemoteFile } from './hub-client.ts';
import { licenceFromCard } from './model-card.ts';
import { ProgressTracker, type ProgressListener } from './progress.ts';
import { resolveHubSettings, type HubSettings, type HubSettingsOptions } from './settings.ts';

/** What the project store keeps about an installed model. */
export interface ModelRecord {
  id: string;
  repo: string;
  /** The commit hash the file was taken from. */
  revision: string;
  file: string;
  /** SHA-256 of the file; null only for a cache without symlinks whose hash is unknown (run verify()). */
  sha256: string | null;
  size: number;
  /** `license:` of the model card's front matter; null when the card or the key is missing. */
  licence: string | null;
  /** snapshots/<commit>/<file> in the Hub cache: hand this to openCheckpoint. */
  path: string;
}

export interface ManagerOptions extends HubSettingsOptions {
  /** Branch, tag or commit; default 'main'. */
  revision?: string;
  /** False: only what is cached, never download (error `not-cached` otherwise). Default true. */
  allowDownload?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Free-space probe; tests inject a small disk. */
  freeSpace?: FreeSpaceProbe;
  /** Resume attempts after a broken connection within one call (default 3). */
  retries?: number;
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

interface Context {
  entry: CatalogueEntry;
  settings: HubSettings;
  cache: RepoCache;
  revision: string;
  opts: ManagerOptions;
  fileIndex: number;
  fileCount: number;
}

function context(id: string, opts: ManagerOptions, fileIndex = 1, fileCount = 1): Context {
  const entry = getModel(id);
  const settings = resolveHubSettings(opts);
  return { entry, settings, cache: repoCache(settings.cacheDir, entry.repo), revision: opts.revision ?? 'main', opts, fileIndex, fileCount };
}

// One download per blob at a time within this process: a second caller waits for the first.
const inFlight = new Map<string, Promise<ModelRecord>>();

/** Resolves a model id to a verified local checkpoint, downloading it when needed and allowed. */
export async function resolveModel(id: string, opts: ManagerOptions = {}): Promise<ModelRecord> {
  return resolveWith(context(id, opts));
}

/** Several models one after another (progress events carry fileIndex / fileCount). */
export async function downloadModels(ids: string[], opts: ManagerOptions = {}): Promise<ModelRecord[]> {
  const contexts = ids.map((id, i) => context(id, opts, i + 1, ids.length)); // unknown ids fail before any download
  const out: ModelRecord[] = [];
  for (const ctx of contexts) out.push(await resolveWith(ctx));
  return out;
}

function resolveWith(ctx: Context): Promise<ModelRecord> {
  const key = `${ctx.cache.storage}\0${ctx.revision}\0${ctx.entry.file}`;
  const running = inFlight.get(key);
  if (running) return running;
  const p = resolveUncached(ctx).finally(() => inFlight.delete(key));
  inFlight.set(key, p);
  return p;
}

async function resolveUncached(ctx: Context): Promise<ModelRecord> {
  const { entry, settings, cache, revision, opts } = ctx;

  // 1. Cache first: no request at all when the file is there.
  const cached = await findInCache(ctx);
  if (cached) return recordFromCache(ctx, cached, !settings.offline && opts.allowDownload !== false);

  if (settings.offline) {
    throw new HubError('offline-not-cached',
      `model ${entry.id} (${entry.repo}/${entry.file}, about ${formatBytes(entry.sizeBytes)}) is not in the Hugging Face cache at ${settings.cacheDir}, and HF_HUB_OFFLINE is set so it cannot be downloaded; go online and unset HF_HUB_OFFLINE, or point HF_HOME / HF_HUB_CACHE at a cache that has it`);
  }
  if (opts.allowDownload === false) {
    throw new HubError('not-cached', `model ${entry.id} (${entry.repo}/${entry.file}) is not in the Hugging Face cache at ${settings.cacheDir}; download it first (leffa models download ${entry.id})`);
  }

  // 2. What the Hub has now.
  const client = new HubClient(settings, { signal: opts.signal, fetch: opts.fetch });
  const commit = isCommitHash(revision) ? revision : await client.resolveCommit(entry.repo, revision);
  const remote = await client.describe(entry.repo, commit, [entry.file, MODEL_CARD_FILE]);
  const file = remote.get(entry.file);
  if (!file) throw notFound(entry.repo, revision, entry.file, settings.endpoint);
  if (!file.sha256) {
    throw new HubError('server', `${entry.repo}/${entry.file} is not stored with Git LFS on the Hub, so it has no SHA-256 to verify against`);
  }

  // 3. Model card first: small, and it proves access before gigabytes move.
  const card = remote.get(MODEL_CARD_FILE);
  const licence = card ? licenceFromCard(await fetchSmallFile(ctx, client, commit, card)) : null;

  // 4. The checkpoint (maybe already a blob under another commit of the same repo).
  const blobPath = cache.blob(file.sha256);
  if (!(await exists(blobPath))) {
    const label = `${entry.repo}/${entry.file}`;
    const info = await client.downloadInfo(entry.repo, commit, entry.file);
    const base = { id: entry.id, file: entry.file, total: file.size, fileIndex: ctx.fileIndex, fileCount: ctx.fileCount };
    const resumedFrom = await sizeOrZero(cache.incomplete(file.sha256));
    await downloadBlob({
      url: info.url,
      expected: { size: file.size, kind: 'sha256', hash: file.sha256 },
      incompletePath: cache.incomplete(file.sha256),
      blobPath,
      label,
      fetch: client.fetch,
      token: settings.token,
      tokenOrigin: new URL(settings.endpoint).origin,
      signal: opts.signal,
      checkTracker: new ProgressTracker({ ...base, phase: 'checking-partial', resumedFrom: 0, total: resumedFrom }, opts.onProgress),
      tracker: new ProgressTracker({ ...base, phase: 'downloading', resumedFrom }, opts.onProgress),
      freeSpace: opts.freeSpace,
      retries: opts.retries ?? 3,
      retryDelayMs: opts.retryDelayMs,
      httpError: (status, code, detail) => client.fromStatus(status, code, detail, { repo: entry.repo, revision: commit, file: entry.file }),
    });
  }
  const pointer = await linkSnapshot(cache, commit, entry.file, blobPath);
  await writeRef(cache, revision, commit);
  return { id: entry.id, repo: entry.repo, revision: commit, file: entry.file, sha256: file.sha256, size: file.size, licence, path: pointer };
}

/**
 * The cached file for this model: the snapshot `revision` points to, or, when offline, any snapshot that has
 * the file (refs/main may have moved on for another file of the repo while this one stayed the same).
 */
async function findInCache(ctx: Context): Promise<CachedFile | null> {
  const hit = await findCached(ctx.cache, ctx.revision, ctx.entry.file);
  if (hit || !ctx.settings.offline || isCommitHash(ctx.revision)) return hit;
  let commits: string[];
  try {
    commits = (await readdir(join(ctx.cache.storage, 'snapshots'))).filter(isCommitHash);
  } catch {
    return null;
  }
  const found: { hit: CachedFile; mtime: number }[] = [];
  for (const c of commits) {
    const h = await findCached(ctx.cache, c, ctx.entry.file);
    if (h) found.push({ hit: h, mtime: (await stat(h.blob)).mtimeMs });
  }
  found.sort((a, b) => b.mtime - a.mtime);
  return found[0]?.hit ?? null;
}

async function recordFromCache(ctx: Context, hit: CachedFile, mayFetchCard: boolean): Promise<ModelRecord> {
  const { entry } = ctx;
  return {
    id: entry.id, repo: entry.repo, revision: hit.commit, file: entry.file,
    sha256: hit.sha256, size: hit.size, licence: await cachedLicence(ctx, hit.commit, mayFetchCard), path: hit.pointer,
  };
}

/**
 * The licence from the cached model card; fetched (into the cache) when missing and allowed. A checkpoint
 * that is already here stays usable when the card cannot be had: the licence is then null.
 */
async function cachedLicence(ctx: Context, commit: string, mayFetch: boolean): Promise<string | null> {
  const card = await findCached(ctx.cache, commit, MODEL_CARD_FILE);
  if (card) return licenceFromCard(await readFile(card.pointer, 'utf8'));
  if (!mayFetch) return null;
  try {
    const client = new HubClient(ctx.settings, { signal: ctx.opts.signal, fetch: ctx.opts.fetch });
    const remote = (await client.describe(ctx.entry.repo, commit, [MODEL_CARD_FILE])).get(MODEL_CARD_FILE);
    return remote ? licenceFromCard(await fetchSmallFile(ctx, client, commit, remote)) : null;
  } catch (e) {
    if (e instanceof HubError && e.code === 'aborted') throw e;
    return null;
  }
}

/** A small git-stored file (the model card) into the cache, verified against its git oid; returns its text. */
async function fetchSmallFile(ctx: Context, client: HubClient, commit: string, remote: RemoteFile): Promise<string> {
  const { cache, entry } = ctx;
  const blobPath = cache.blob(remote.oid);
  if (remote.oid && (await exists(blobPath))) {
    await linkSnapshot(cache, commit, remote.path, blobPath);
    return readFile(blobPath, 'utf8');
  }
  const bytes = await client.smallFile(entry.repo, commit, remote.path);
  if (remote.oid && gitBlobOid(bytes) !== remote.oid) {
    throw new HubError('hash-mismatch', `${entry.repo}/${remote.path}: the downloaded model card does not match the Hub's git oid ${remote.oid}; try again`);
  }
  if (remote.oid) {
    // Same publish-by-rename as the checkpoint, so a half-written card is never taken for a whole one.
    await mkdir(dirname(blobPath), { recursive: true });
    await writeFile(cache.incomplete(remote.oid), bytes);
    await rename(cache.incomplete(remote.oid), blobPath);
    await linkSnapshot(cache, commit, remote.path, blobPath);
  }
  return Buffer.from(bytes).toString('utf8');
}

async function sizeOrZero(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** The cached record for a model without any network access; null when it is not cached. */
export async function findCachedModel(id: string, opts: ManagerOptions = {}): Promise<ModelRecord | null> {
  const ctx = context(id, { ...opts, offline: true });
  const hit = await findInCache(ctx);
  return hit ? recordFromCache(ctx, hit, false) : null;
}

export interface VerifyResult {
  id: string;
  path: string;
  size: number;
  /**
   * The SHA-256 the file should have (its blob name, or the Hub's when the name does not say); null when
   * neither is available (a cache without symlinks, offline): then `ok` is false and `actual` is the news.
   */
  expected: string | null;
  actual: string;
  /** True only when the file hashes to `expected`. */
  ok: boolean;
  /** True when a corrupt file was removed (option removeIfCorrupt), so the next resolve downloads it again. */
  removed: boolean;
}

/** Re-hashes the cached checkpoint of a model and compares it with the SHA-256 the Hub published. */
export async function verify(id: string, opts: ManagerOptions & { removeIfCorrupt?: boolean } = {}): Promise<VerifyResult> {
  const ctx = context(id, opts);
  const { entry, settings } = ctx;
  const hit = (await findInCache(ctx)) ?? (await findInCache({ ...ctx, settings: { ...settings, offline: true } }));
  if (!hit) {
    throw new HubError('not-cached', `model ${entry.id} (${entry.repo}/${entry.file}) is not in the Hugging Face cache at ${settings.cacheDir}; nothing to verify`);
  }
  let expected = hit.sha256;
  if (!expected && !settings.offline) {
    const client = new HubClient(settings, { signal: opts.signal, fetch: opts.fetch });
    expected = (await client.describe(entry.repo, hit.commit, [entry.file])).get(entry.file)?.sha256 ?? null;
  }
  const tracker = new ProgressTracker(
    { id: entry.id, file: entry.file, phase: 'verifying', total: hit.size, resumedFrom: 0, fileIndex: 1, fileCount: 1 }, opts.onProgress);
  const actual = await sha256File(hit.blob, { signal: opts.signal, onBytes: (b) => tracker.update(b) });
  tracker.update(hit.size, true);
  const ok = expected !== null && actual === expected;
  let removed = false;
  if (!ok && expected !== null && opts.removeIfCorrupt) {
    await rm(hit.pointer, { force: true });
    await rm(hit.blob, { force: true });
    removed = true;
  }
  return { id: entry.id, path: hit.pointer, size: hit.size, expected, actual, ok, removed };
}
