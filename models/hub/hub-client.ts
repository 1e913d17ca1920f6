// The Hub requests the manager makes, all through @huggingface/hub: the commit a revision points to
// (`modelInfo`), sizes and hashes of files (`pathsInfo`), the download URL after the Hub's redirect
// (`fileDownloadInfo`) and small files (`downloadFile`). Each library error becomes a HubError that says
// what was missing or refused.
import {
  HubApiError,
  downloadFile,
  fileDownloadInfo,
  modelInfo,
  pathsInfo,
  type FileDownloadInfoOutput,
} from '@huggingface/hub';
import { HubError } from './errors.ts';
import type { HubSettings } from './settings.ts';

export interface RemoteFile {
  path: string;
  size: number;
  /** git object id (sha1) of the file, or of its LFS pointer. */
  oid: string;
  /** SHA-256 of the content for LFS files (the Hub's LFS oid); null for files kept in git. */
  sha256: string | null;
}

export interface HubClientOptions {
  signal?: AbortSignal;
  /** Replaces globalThis.fetch (tests, proxies). */
  fetch?: typeof fetch;
}

interface FailedResponse {
  status: number;
  /** X-Error-Code: RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo… */
  code: string | null;
  message: string | null;
}

export class HubClient {
  readonly settings: HubSettings;
  readonly signal: AbortSignal | undefined;
  /**
   * The fetch handed to the library: adds the caller's AbortSignal to every request and remembers the last
   * failed answer's X-Error-Code, which the library's HubApiError drops but which tells a missing repo from
   * a missing revision or file.
   */
  readonly fetch: typeof fetch;
  #lastFailure: FailedResponse | null = null;

  constructor(settings: HubSettings, opts: HubClientOptions = {}) {
    this.settings = settings;
    this.signal = opts.signal;
    const base = opts.fetch ?? globalThis.fetch;
    this.fetch = async (input, init) => {
      const signal = opts.signal && init?.signal ? AbortSignal.any([opts.signal, init.signal]) : (opts.signal ?? init?.signal);
      const res = await base(input, { ...init, signal });
      if (!res.ok) {
        this.#lastFailure = { status: res.status, code: res.headers.get('x-error-code'), message: res.headers.get('x-error-message') };
      }
      return res;
    };
  }

  get #common() {
    return { hubUrl: this.settings.endpoint, accessToken: this.settings.token, fetch: this.fetch };
  }

  /** The commit hash `revision` (branch, tag or hash) points to now. */
  async resolveCommit(repo: string, revision: string): Promise<string> {
    try {
      const info = await modelInfo({ ...this.#common, name: repo, revision, additionalFields: ['sha'] });
      if (typeof info.sha !== 'string' || !/^[0-9a-f]{40}$/.test(info.sha)) {
        throw new HubError('server', `the Hub at ${this.settings.endpoint} gave no commit hash for ${repo}@${revision}`);
      }
      return info.sha;
    } catch (e) {
      throw this.describeError(e, { repo, revision });
    }
  }

  /** Size and hashes of `paths` at `commit`; paths the repo does not have are absent from the map. */
  async describe(repo: string, commit: string, paths: string[]): Promise<Map<string, RemoteFile>> {
    try {
      const infos = await pathsInfo({ ...this.#common, repo: { type: 'model', name: repo }, paths, revision: commit });
      const out = new Map<string, RemoteFile>();
      for (const p of infos) {
        if (p.type !== 'file') continue;
        out.set(p.path, { path: p.path, size: p.lfs?.size ?? p.size, oid: p.oid ?? '', sha256: p.lfs?.oid ?? null });
      }
      return out;
    } catch (e) {
      throw this.describeError(e, { repo, revision: commit });
    }
  }

  /** Where the bytes of `file` are served from (after the Hub's redirect), and their size and etag. */
  async downloadInfo(repo: string, commit: string, file: string): Promise<FileDownloadInfoOutput> {
    try {
      const info = await fileDownloadInfo({ ...this.#common, repo: { type: 'model', name: repo }, path: file, revision: commit });
      if (!info) throw notFound(repo, commit, file, this.settings.endpoint);
      return info;
    } catch (e) {
      throw this.describeError(e, { repo, revision: commit, file });
    }
  }

  /** A small file's bytes (model card). xet off: plain HTTP, which any mirror serves. */
  async smallFile(repo: string, commit: string, file: string): Promise<Uint8Array> {
    try {
      const blob = await downloadFile({ ...this.#common, repo: { type: 'model', name: repo }, path: file, revision: commit, xet: false });
      if (!blob) throw notFound(repo, commit, file, this.settings.endpoint);
      return new Uint8Array(await blob.arrayBuffer());
    } catch (e) {
      throw this.describeError(e, { repo, revision: commit, file });
    }
  }

  /** Turns whatever a request threw into a HubError naming the repo, revision and file involved. */
  describeError(e: unknown, ctx: { repo: string; revision: string; file?: string; status?: number }): HubError {
    if (e instanceof HubError) return e;
    const where = `${ctx.repo}${ctx.file ? `/${ctx.file}` : ''} at revision ${ctx.revision}`;
    if (this.signal?.aborted || (e as Error)?.name === 'AbortError') {
      return new HubError('aborted', `request for ${where} was cancelled`, { cause: e });
    }
    if (e instanceof HubApiError) {
      const failure = this.#lastFailure?.status === e.statusCode ? this.#lastFailure : null;
      return this.fromStatus(e.statusCode, failure?.code ?? null, failure?.message ?? e.message, ctx, e);
    }
    if (e instanceof TypeError && e.message === 'fetch failed') {
      const cause = (e.cause as NodeJS.ErrnoException | undefined);
      return new HubError('network',
        `cannot reach the Hugging Face Hub at ${this.settings.endpoint} (${cause?.code ?? cause?.message ?? 'network error'}) while fetching ${where}; check the connection or HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use only what is cached`,
        { cause: e });
    }
    return new HubError('server', `unexpected answer from the Hub at ${this.settings.endpoint} for ${where}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }

  /** Maps an HTTP failure to a HubError (also used for the ranged downloads made outside the library). */
  fromStatus(status: number, code: string | null, detail: string, ctx: { repo: string; revision: string; file?: string }, cause?: unknown): HubError {
    const { endpoint, token } = this.settings;
    const where = `${ctx.repo}${ctx.file ? `/${ctx.file}` : ''} at revision ${ctx.revision}`;
    if (code === 'RepoNotFound' || (status === 401 && !token)) {
      return new HubError('repo-not-found',
        `repository ${ctx.repo} was not found on ${endpoint} (HTTP ${status}); check the name, or set HF_TOKEN if it is private`, { cause });
    }
    if (status === 401) {
      return new HubError('unauthorized',
        `the Hugging Face Hub at ${endpoint} refused the access token (HTTP 401) for ${where}; check HF_TOKEN or log in again (a public repo needs no token: unset it to download anonymously)`, { cause });
    }
    if (status === 403 || code === 'GatedRepo') {
      return new HubError('forbidden',
        `access to ${ctx.repo} is restricted (HTTP ${status}${detail ? `: ${detail}` : ''}); accept its conditions on ${endpoint}/${ctx.repo} with the account of your HF_TOKEN`, { cause });
    }
    if (code === 'RevisionNotFound') {
      return new HubError('revision-not-found', `revision ${JSON.stringify(ctx.revision)} does not exist in ${ctx.repo} on ${endpoint}`, { cause });
    }
    if (status === 404) {
      return ctx.file ? notFound(ctx.repo, ctx.revision, ctx.file, endpoint, cause)
        : new HubError('repo-not-found', `repository ${ctx.repo} (revision ${ctx.revision}) was not found on ${endpoint} (HTTP 404)`, { cause });
    }
    return new HubError('server', `the Hub at ${endpoint} answered HTTP ${status} for ${where}${detail ? `: ${detail}` : ''}`, { cause });
  }
}

export function notFound(repo: string, revision: string, file: string, endpoint: string, cause?: unknown): HubError {
  return new HubError('file-not-found', `file ${JSON.stringify(file)} does not exist in ${repo} at revision ${revision} on ${endpoint}`, { cause });
}
