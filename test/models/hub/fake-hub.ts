// A loopback stand-in for the Hugging Face Hub, answering exactly the requests @huggingface/hub 2.17.5 and
// the manager make (read from the library's lib/model-info.ts, paths-info.ts, file-download-info.ts,
// utils/WebBlob.ts), so tests never reach huggingface.co:
//   GET  /api/models/<repo>/revision/<rev>?expand=…   model info, with `sha` (the commit)
//   POST /api/models/<repo>/paths-info/<rev>          sizes, git oids and LFS sha256 of the asked paths
//   GET  /<repo>/resolve/<rev>/<file>                 small files: the bytes (Range honoured);
//                                                     LFS files: 302 to /cdn/<sha256>, like the real Hub
//   GET  /cdn/<sha256>                                the LFS bytes, with HTTP Range (206 + Content-Range)
// Knobs for failure tests: cut the connection after N body bytes, serve wrong bytes, refuse tokens.
// Anything else is answered 404 and recorded in `unknown` (and printed) so a new library request shows up.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export const FAKE_COMMIT = '0123456789abcdef0123456789abcdef01234567';

export interface FakeFile {
  data: Buffer;
  /** Stored with Git LFS (the checkpoints): sha256 reported, bytes served from /cdn after a redirect. */
  lfs: boolean;
}

export interface FakeHubOptions {
  repo?: string;
  commit?: string;
  files: Record<string, Buffer | FakeFile>;
  /** Tokens the Hub accepts; any other Authorization header gets 401. Anonymous access is allowed. */
  validTokens?: string[];
}

export interface LoggedRequest {
  method: string;
  url: string;
  range: string | null;
  authorization: string | null;
  status: number;
  /** Body bytes written for /cdn and resolve answers. */
  bytesSent: number;
}

export function sha256Of(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function gitOidOf(b: Uint8Array): string {
  return createHash('sha1').update(`blob ${b.byteLength}\0`).update(b).digest('hex');
}

export class FakeHub {
  readonly repo: string;
  readonly commit: string;
  readonly files = new Map<string, FakeFile>();
  readonly validTokens: Set<string>;
  readonly requests: LoggedRequest[] = [];
  readonly unknown: string[] = [];
  /** Cut the connection after this many body bytes of a /cdn answer, `cutTimes` times. */
  cutAfterBytes: number | null = null;
  cutTimes = 1;
  /** Serve LFS bytes with one byte changed (the hash check must refuse them). */
  corrupt = false;
  /**
   * Ignore a resume Range (start > 0) on /cdn and answer 200 with the whole file, as a misbehaving mirror
   * might. The `bytes=0-0` size probe of fileDownloadInfo is still honoured (the library needs it).
   */
  ignoreRange = false;
  /** Called before a /cdn answer starts (tests abort from here). */
  onCdnRequest: (() => void) | null = null;
  #server: Server;
  url = '';

  constructor(opts: FakeHubOptions) {
    this.repo = opts.repo ?? 'franciszzj/Leffa';
    this.commit = opts.commit ?? FAKE_COMMIT;
    this.validTokens = new Set(opts.validTokens ?? ['hf_valid_test_token']);
    for (const [name, f] of Object.entries(opts.files)) {
      this.files.set(name, Buffer.isBuffer(f) ? { data: f, lfs: name.endsWith('.pth') } : f);
    }
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Body bytes sent by /cdn answers (the checkpoint bytes), from the request log. */
  cdnBytesSent(): number {
    return this.requests.filter((r) => r.url.startsWith('/cdn/')).reduce((s, r) => s + r.bytesSent, 0);
  }

  #log(req: IncomingMessage, status: number): LoggedRequest {
    const entry: LoggedRequest = {
      method: req.method ?? '', url: req.url ?? '', range: req.headers.range ?? null,
      authorization: req.headers.authorization ?? null, status, bytesSent: 0,
    };
    this.requests.push(entry);
    return entry;
  }

  #json(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.#log(req, status);
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  /** Real Hub: a bad token is 401 everywhere, even on public repos. */
  #tokenRefused(req: IncomingMessage, res: ServerResponse): boolean {
    const auth = req.headers.authorization;
    if (!auth) return false;
    const token = auth.replace(/^Bearer\s+/i, '');
    if (this.validTokens.has(token)) return false;
    this.#json(req, res, 401, { error: 'Invalid credentials in Authorization header' });
    return true;
  }

  #revisionOk(rev: string): boolean {
    return rev === 'main' || rev === 'HEAD' || rev === this.commit;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const repoRe = this.repo.replace('/', '\\/');

    let m = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (m && req.method === 'GET') return this.#cdn(req, res, m[1]!);

    if (this.#tokenRefused(req, res)) return;

    // Model info (modelInfo): a repo we do not host is "not found" (401 when anonymous, as the Hub does).
    m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(path);
    if (m && req.method === 'GET') {
      if (m[1] !== this.repo) return this.#repoNotFound(req, res);
      if (!this.#revisionOk(m[2]!)) return this.#json(req, res, 404, { error: `Invalid rev id: ${m[2]}` }, { 'X-Error-Code': 'RevisionNotFound' });
      return this.#json(req, res, 200, {
        _id: '0000000000000000000000a1', id: this.repo, sha: this.commit, private: false, gated: false,
        downloads: 0, likes: 0, lastModified: '2025-02-07T00:00:00.000Z',
        siblings: [...this.files.keys()].map((rfilename) => ({ rfilename })),
      });
    }

    // Paths info (pathsInfo): entries for the paths that exist, nothing for the others.
    m = /^\/api\/models\/([^/]+\/[^/]+)\/paths-info\/(.+)$/.exec(path);
    if (m && req.method === 'POST') {
      if (m[1] !== this.repo) return this.#repoNotFound(req, res);
      if (!this.#revisionOk(m[2]!)) return this.#json(req, res, 404, { error: `Invalid rev id: ${m[2]}` }, { 'X-Error-Code': 'RevisionNotFound' });
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        const { paths } = JSON.parse(body) as { paths: string[] };
        const out = paths.filter((p) => this.files.has(p)).map((p) => {
          const f = this.files.get(p)!;
          const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256Of(f.data)}\nsize ${f.data.length}\n`;
          return f.lfs
            ? { type: 'file', path: p, size: f.data.length, oid: gitOidOf(Buffer.from(pointer)), lfs: { oid: sha256Of(f.data), size: f.data.length, pointerSize: pointer.length } }
            : { type: 'file', path: p, size: f.data.length, oid: gitOidOf(f.data) };
        });
        this.#json(req, res, 200, out);
      });
      return;
    }

    // Resolve (fileDownloadInfo, downloadFile).
    m = new RegExp(`^\\/(${repoRe}|[^/]+\\/[^/]+)\\/resolve\\/([^/]+)\\/(.+)$`).exec(path);
    if (m && req.method === 'GET') {
      if (m[1] !== this.repo) return this.#repoNotFound(req, res);
      if (!this.#revisionOk(m[2]!)) return this.#json(req, res, 404, { error: 'Revision not found' }, { 'X-Error-Code': 'RevisionNotFound' });
      const f = this.files.get(m[3]!);
      if (!f) return this.#json(req, res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
      if (f.lfs) {
        const sha = sha256Of(f.data);
        this.#log(req, 302);
        res.writeHead(302, {
          Location: `/cdn/${sha}`, 'X-Repo-Commit': this.commit, 'X-Linked-Etag': `"${sha}"`, 'X-Linked-Size': String(f.data.length),
        });
        res.end();
        return;
      }
      return this.#bytes(req, res, f.data, gitOidOf(f.data), { 'X-Repo-Commit': this.commit });
    }

    this.unknown.push(`${req.method} ${req.url}`);
    console.error(`fake-hub: unknown request ${req.method} ${req.url}`);
    this.#json(req, res, 404, { error: 'fake-hub: unknown route' });
  }

  #repoNotFound(req: IncomingMessage, res: ServerResponse): void {
    const status = req.headers.authorization ? 404 : 401;
    this.#json(req, res, status, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
  }

  #cdn(req: IncomingMessage, res: ServerResponse, sha: string): void {
    const f = [...this.files.values()].find((x) => x.lfs && sha256Of(x.data) === sha);
    if (!f) return this.#json(req, res, 404, { error: 'NoSuchKey' });
    this.onCdnRequest?.();
    let data = f.data;
    if (this.corrupt) {
      data = Buffer.from(data);
      data[data.length >> 1] ^= 0xff;
    }
    this.#bytes(req, res, data, sha, {}, true);
  }

  /** Serves `data` honouring `Range: bytes=a-b` / `bytes=a-`, optionally cutting the connection. */
  #bytes(req: IncomingMessage, res: ServerResponse, data: Buffer, etag: string, extra: Record<string, string>, cuttable = false): void {
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', ETag: `"${etag}"`, 'Accept-Ranges': 'bytes', ...extra };
    let start = 0;
    let end = data.length - 1;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && !(cuttable && this.ignoreRange && range[1] !== '0')) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
      if (start >= data.length) {
        this.#log(req, 416);
        res.writeHead(416, { 'Content-Range': `bytes */${data.length}` });
        res.end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${data.length}`;
    }
    const body = data.subarray(start, end + 1);
    headers['Content-Length'] = String(body.length);
    const entry = this.#log(req, status);
    res.writeHead(status, headers);
    if (cuttable && this.cutAfterBytes !== null && this.cutTimes > 0 && body.length > this.cutAfterBytes) {
      this.cutTimes--;
      const part = body.subarray(0, this.cutAfterBytes);
      entry.bytesSent = part.length;
      // Destroy only once the part is handed to the kernel, so the client really receives those bytes.
      res.write(part, () => res.socket?.destroy());
      return;
    }
    entry.bytesSent = body.length;
    res.end(body);
  }
}

/** Starts a fake Hub serving `files` for franciszzj/Leffa. */
export function startFakeHub(opts: FakeHubOptions): Promise<FakeHub> {
  return new FakeHub(opts).start();
}
