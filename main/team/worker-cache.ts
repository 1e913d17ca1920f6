// A worker's blobs on disk, by content hash: checkpoints (gigabytes, fetched once per machine and kept)
// and cell inputs (small, kept while there is room, since the same garment and model photos come back
// in many cells). A file is complete or absent: downloads go to a .part file, are checked against the
// hash, then renamed. An interrupted download resumes from its .part file.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type BlobKind = 'checkpoints' | 'inputs';

/** Fetches a blob's bytes from `offset` on; the cache checks the hash and stores the file. */
export type BlobSource = (hash: string, offset: number) => Promise<AsyncIterable<Uint8Array>>;

export class BlobHashMismatch extends Error {
  constructor(hash: string, got: string) {
    super(`downloaded blob ${hash} hashes to ${got}; discarded (it will be fetched again)`);
    this.name = 'BlobHashMismatch';
  }
}

export class BlobCache {
  /** In-flight downloads, so two cells needing one checkpoint fetch it once. */
  readonly #pending = new Map<string, Promise<string>>();

  constructor(readonly root: string, private readonly maxInputBytes = 2 * 1024 ** 3) {}

  /** The file of a blob; its name is the hash (the engine records file names, see engine-cell.ts). */
  pathOf(kind: BlobKind, hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new RangeError(`pathOf: hash = ${JSON.stringify(hash)}; expected a SHA-256`);
    return join(this.root, kind, hash);
  }

  has(kind: BlobKind, hash: string): boolean {
    return existsSync(this.pathOf(kind, hash));
  }

  /** The cached file, fetching it first if missing. */
  ensure(kind: BlobKind, hash: string, source: BlobSource): Promise<string> {
    const path = this.pathOf(kind, hash);
    if (existsSync(path)) {
      // Recently used inputs survive pruning (least recently used goes first).
      const now = new Date();
      void utimes(path, now, now).catch(() => undefined);
      return Promise.resolve(path);
    }
    let p = this.#pending.get(path);
    if (!p) {
      p = this.#download(path, hash, source).finally(() => this.#pending.delete(path));
      this.#pending.set(path, p);
    }
    return p;
  }

  async #download(path: string, hash: string, source: BlobSource): Promise<string> {
    await mkdir(join(path, '..'), { recursive: true });
    const part = `${path}.part`;
    const sha = createHash('sha256');
    let offset = 0;
    if (existsSync(part)) {
      // Resume: hash what is there already, then ask only for the rest.
      await pipeline(createReadStream(part), new Writable({ write(chunk: Buffer, _e, cb) { sha.update(chunk); offset += chunk.length; cb(); } }));
    }
    const body = await source(hash, offset);
    const out = createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' });
    await pipeline(body, async function* (chunks: AsyncIterable<Uint8Array>) {
      for await (const chunk of chunks) {
        sha.update(chunk);
        yield chunk;
      }
    }, out);
    const got = sha.digest('hex');
    if (got !== hash) {
      await rm(part, { force: true });
      throw new BlobHashMismatch(hash, got);
    }
    await rename(part, path);
    return path;
  }

  /** Deletes least recently used inputs until they take at most maxInputBytes, sparing `keep`. */
  async pruneInputs(keep: ReadonlySet<string>): Promise<number> {
    const dir = join(this.root, 'inputs');
    if (!existsSync(dir)) return 0;
    const files = [];
    for (const name of await readdir(dir)) {
      if (name.endsWith('.part')) continue;
      const s = await stat(join(dir, name)).catch(() => null);
      if (s) files.push({ name, size: s.size, used: s.mtimeMs });
    }
    let total = files.reduce((n, f) => n + f.size, 0);
    let removed = 0;
    for (const f of files.sort((a, b) => a.used - b.used)) {
      if (total <= this.maxInputBytes) break;
      if (keep.has(f.name)) continue;
      await rm(join(dir, f.name), { force: true });
      total -= f.size;
      removed++;
    }
    return removed;
  }
}
