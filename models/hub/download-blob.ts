// Resumable, verified download of one file into the cache's blobs/ folder, the way the Python client does
// it: bytes go to blobs/<hash>.incomplete; a later attempt asks for the rest with an HTTP Range request and
// appends; only when the whole file hashes to what the Hub published is it renamed to blobs/<hash>.
//
// Why not the library's downloadFileToCacheDir: it always starts from byte 0, does not check the hash, has
// no progress, cancel or free-space check, and logs to stdout. We keep its primitives for everything else
// (fileDownloadInfo gives the URL after the Hub's redirect) and make the Range request ourselves with the
// same fetch the library uses, because we must see the status (206 vs a server ignoring Range with 200)
// and Content-Range, which the library's Blob wrapper hides.
import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HubError } from './errors.ts';
import { ensureFreeSpace, statfsFreeSpace, type FreeSpaceProbe } from './disk-space.ts';
import { hashFileInto } from './hash.ts';
import { formatBytes } from './format.ts';
import type { ProgressTracker } from './progress.ts';

export interface ExpectedContent {
  size: number;
  /** sha256: the LFS oid (checkpoints). git: the git blob id (small files kept in git). */
  kind: 'sha256' | 'git';
  hash: string;
}

export interface BlobDownloadOptions {
  /** Where the bytes are (fileDownloadInfo's url). */
  url: string;
  expected: ExpectedContent;
  incompletePath: string;
  blobPath: string;
  /** Short name for messages ("franciszzj/Leffa/virtual_tryon.pth"). */
  label: string;
  fetch: typeof fetch;
  /** Sent only to `tokenOrigin` (the Hub), never to a CDN the Hub redirects to. */
  token?: string;
  tokenOrigin?: string;
  signal?: AbortSignal;
  /** Progress for the 'checking-partial' phase and the 'downloading' phase. */
  checkTracker?: ProgressTracker;
  tracker?: ProgressTracker;
  freeSpace?: FreeSpaceProbe;
  /** Extra attempts after a broken connection within this call, each resuming where the last stopped. */
  retries?: number;
  /** Pause before such a retry, ms (default 1000: a flapping link gets a moment to recover). */
  retryDelayMs?: number;
  /** Turns an HTTP failure of the ranged request into a HubError (the client's mapping). */
  httpError: (status: number, code: string | null, detail: string) => HubError;
}

function newHasher(expected: ExpectedContent): Hash {
  // git hashes "blob <size>\0" + content; the size is known up front, so it streams like SHA-256.
  return expected.kind === 'git' ? createHash('sha1').update(`blob ${expected.size}\0`) : createHash('sha256');
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Parses `bytes <first>-<last>/<total>`. */
function parseContentRange(v: string | null): { first: number; total: number } | null {
  const m = v ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(v.trim()) : null;
  return m ? { first: Number(m[1]), total: m[3] === '*' ? NaN : Number(m[3]) } : null;
}

function isAbort(e: unknown, signal: AbortSignal | undefined): boolean {
  return Boolean(signal?.aborted) || (e as Error)?.name === 'AbortError';
}

export async function downloadBlob(o: BlobDownloadOptions): Promise<void> {
  const { expected, incompletePath, label } = o;
  await mkdir(dirname(incompletePath), { recursive: true });

  // 1. What is already here. A partial longer than the file cannot be ours: start over.
  let offset = await sizeOf(incompletePath);
  if (offset > expected.size) {
    await rm(incompletePath, { force: true });
    offset = 0;
  }

  // 2. Room for the rest, before any byte moves.
  await ensureFreeSpace(dirname(incompletePath), expected.size - offset, label, o.freeSpace ?? statfsFreeSpace);

  // 3. The hash continues over the bytes we have: re-read them once (they may predate this process).
  let hasher = newHasher(expected);
  if (offset > 0) {
    const done = await hashFileInto(hasher, incompletePath, { length: offset, signal: o.signal, onBytes: (b) => o.checkTracker?.update(b) });
    o.checkTracker?.update(done, true);
    if (done !== offset) throw new HubError('server', `${incompletePath} changed while it was being read; try again`);
  }

  // 4. Fetch the rest, resuming after broken connections.
  const attempts = 1 + Math.max(0, o.retries ?? 0);
  let fh: FileHandle = await open(incompletePath, 'a');
  try {
    for (let attempt = 1; offset < expected.size; attempt++) {
      try {
        const res = await requestFrom(o, offset);
        if (res.status === 200 && offset > 0) {
          // The server ignored Range and sends the whole file: restart the partial from byte 0.
          await fh.close();
          fh = await open(incompletePath, 'w');
          offset = 0;
          hasher = newHasher(expected);
        } else if (res.status === 206) {
          const range = parseContentRange(res.headers.get('content-range'));
          if (!range || range.first !== offset || (Number.isFinite(range.total) && range.total !== expected.size)) {
            await res.body?.cancel();
            throw new HubError('server', `${label}: the server answered bytes ${res.headers.get('content-range')} to a request for bytes ${offset}- of ${expected.size}; the file may have changed on the Hub, try again`);
          }
        } else if (res.status !== 200) {
          await res.body?.cancel();
          if (res.status >= 500) throw new TransientStatus(res.status);
          throw o.httpError(res.status, res.headers.get('x-error-code'), res.headers.get('x-error-message') ?? res.statusText);
        }
        if (!res.body) throw new HubError('server', `${label}: empty response body`);
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          if (offset + chunk.byteLength > expected.size) {
            throw new HubError('server', `${label}: the server sent more than the ${expected.size} bytes the Hub reported`);
          }
          await fh.write(chunk);
          hasher.update(chunk);
          offset += chunk.byteLength;
          o.tracker?.update(offset);
        }
        // A body that ends early without an error is a broken transfer too: loop and resume.
        if (offset < expected.size && attempt >= attempts) throw interrupted(o, offset);
      } catch (e) {
        if (e instanceof HubError && e.code !== 'network') throw e;
        if (isAbort(e, o.signal)) {
          throw new HubError('aborted', `download of ${label} cancelled at ${formatBytes(offset)} of ${formatBytes(expected.size)}; the partial file is kept and the next download resumes from there`, { cause: e });
        }
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC') {
          throw new HubError('disk-full', `disk full while writing ${label} at ${formatBytes(offset)} of ${formatBytes(expected.size)}; the partial file ${incompletePath} is kept for resuming: free space and download again (or delete it)`, { cause: e });
        }
        if ((e as NodeJS.ErrnoException).code && !(e instanceof TypeError)) throw e; // other file-system errors
        if (attempt >= attempts) {
          throw e instanceof TransientStatus ? o.httpError(e.status, null, 'server error') : interrupted(o, offset, e);
        }
        await delay(o.retryDelayMs ?? 1000, o.signal);
      }
    }
    await fh.sync(); // the rename below must not publish bytes still in the page cache only
  } finally {
    await fh.close();
  }
  o.tracker?.update(offset, true);

  // 5. Only the exact bytes the Hub published become a blob.
  const actual = hasher.digest('hex');
  if (actual !== expected.hash) {
    await rm(incompletePath, { force: true });
    throw new HubError('hash-mismatch',
      `${label}: downloaded file is corrupt (${expected.kind === 'sha256' ? 'SHA-256' : 'git oid'} ${actual}, the Hub published ${expected.hash}); the partial file was deleted, download again`);
  }
  await rename(incompletePath, o.blobPath);
}

/** A 5xx answer: worth another attempt, like a broken connection (CDNs have bad moments). */
class TransientStatus extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

function interrupted(o: BlobDownloadOptions, offset: number, cause?: unknown): HubError {
  const why = cause ? ` (${(cause as Error).cause ? String(((cause as Error).cause as Error).message ?? (cause as Error).cause) : (cause as Error).message})` : '';
  return new HubError('interrupted',
    `download of ${o.label} was interrupted at ${formatBytes(offset)} of ${formatBytes(o.expected.size)}${why}; the partial file is kept and the next download resumes from there`,
    { cause });
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    // An abort during the pause ends it early; the next request then fails with the abort.
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

async function requestFrom(o: BlobDownloadOptions, offset: number): Promise<Response> {
  const headers: Record<string, string> = {
    // Ranges count stored bytes: a compressed answer would make offsets meaningless.
    'Accept-Encoding': 'identity',
  };
  if (offset > 0) headers.Range = `bytes=${offset}-`;
  if (o.token && o.tokenOrigin && new URL(o.url).origin === o.tokenOrigin) headers.Authorization = `Bearer ${o.token}`;
  return o.fetch(o.url, { headers, signal: o.signal });
}
