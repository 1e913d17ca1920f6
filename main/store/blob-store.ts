// The content-addressed file store of a project: blobs/<first two hex digits>/<sha-256>. A file's name is
// its hash, so importing the same image or checkpoint twice stores it once, and any file can be checked
// for damage by re-hashing it.
//
// Writes are atomic: data goes to blobs/.tmp/, is fsynced, then renamed into place (and the folder
// fsynced), so a crash leaves either no file or the whole file, never a torn one. The blob's row in the
// database is committed after the rename (by the repositories), which is why the only inconsistency a
// crash can leave is an orphan file: see integrity.ts.
//
// `hold`: a hash that an unfinished import has written but not yet committed is held, so a failed import
// running at the same time, or the orphan cleaner, never deletes a file another call is about to use.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fsyncSync, openSync, rmSync } from 'node:fs';
import { link, mkdir, open, readdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { argumentError } from './errors.ts';
import { CopyAbortedError, hashCopy, type HashCopyOptions } from './hash-copy.ts';

export const HASH_PATTERN = /^[0-9a-f]{64}$/;
const TEMP_DIR = '.tmp';

export interface StoredBlob {
  hash: string;
  size: number;
  /** True when this call wrote the file; false when an identical blob was already stored. */
  created: boolean;
}

export interface PutFileOptions extends HashCopyOptions {
  /** Refuse the file (and store nothing) unless its SHA-256 is this, e.g. the hash a model hub publishes. */
  expectedSha256?: string;
}

export interface AdoptFileOptions extends HashCopyOptions {
  /** The SHA-256 the file must have (the one a model hub published); required: adoption always verifies. */
  expectedSha256: string;
  /** Try a hard link first (default true); false always copies. */
  link?: boolean;
}

/** How `adoptFile` stored the file: a hard link to the same inode, a streamed copy, or an existing blob. */
export type AdoptMethod = 'link' | 'copy' | 'existing';

/** Link errors that mean "not on this file system / not allowed here": fall back to a copy. */
const LINK_FALLBACK_CODES = new Set(['EXDEV', 'EPERM', 'EACCES', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS', 'EINVAL']);

function fsyncDir(dir: string): void {
  // Persists the rename itself. Windows cannot open folders for fsync, so this is best effort there.
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* best effort */ }
}

export class BlobStore {
  readonly root: string;
  readonly #holds = new Map<string, number>();

  private constructor(root: string) {
    this.root = root;
  }

  /**
   * Opens (creating if needed) the store under `root`. Temp files left by a crashed write are removed:
   * they were never renamed into place, so nothing can refer to them.
   */
  static async open(root: string): Promise<BlobStore> {
    await mkdir(join(root, TEMP_DIR), { recursive: true });
    for (const name of await readdir(join(root, TEMP_DIR))) await rm(join(root, TEMP_DIR, name), { force: true });
    return new BlobStore(root);
  }

  /** The file of a blob. Refuses anything but a lowercase SHA-256, so a "hash" can never walk out of blobs/. */
  pathOf(hash: string): string {
    if (!HASH_PATTERN.test(hash)) throw argumentError('blobPath', 'hash', hash, 'a SHA-256 as 64 lowercase hex digits');
    return join(this.root, hash.slice(0, 2), hash);
  }

  exists(hash: string): boolean {
    return existsSync(this.pathOf(hash));
  }

  #tempPath(): string {
    return join(this.root, TEMP_DIR, `${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
  }

  /** Moves a finished temp file into place; keeps the existing file if the blob is already stored. */
  async #commitTemp(temp: string, hash: string): Promise<boolean> {
    const final = this.pathOf(hash);
    if (existsSync(final)) {
      await unlink(temp);
      return false;
    }
    await mkdir(join(this.root, hash.slice(0, 2)), { recursive: true });
    await rename(temp, final);
    fsyncDir(join(this.root, hash.slice(0, 2)));
    return true;
  }

  /** Stores bytes already in memory (images, results). The hash is held until `release(hash)`. */
  async putBytes(bytes: Uint8Array): Promise<StoredBlob> {
    const hash = createHash('sha256').update(bytes).digest('hex');
    this.hold(hash);
    try {
      if (this.exists(hash)) return { hash, size: bytes.byteLength, created: false };
      const temp = this.#tempPath();
      const fh = await open(temp, 'wx', 0o644);
      try {
        let done = 0;
        while (done < bytes.byteLength) done += (await fh.write(bytes, done, bytes.byteLength - done)).bytesWritten;
        await fh.sync();
      } catch (err) {
        await fh.close();
        await rm(temp, { force: true });
        throw err;
      }
      await fh.close();
      return { hash, size: bytes.byteLength, created: await this.#commitTemp(temp, hash) };
    } catch (err) {
      this.release(hash);
      throw err;
    }
  }

  /**
   * Streams a file in (hash and copy in one pass, with progress). The hash is held until `release(hash)`.
   * With `expectedSha256`, a mismatch deletes the copy and throws: nothing is stored.
   */
  async putFile(src: string, options: PutFileOptions = {}): Promise<StoredBlob> {
    const temp = this.#tempPath();
    let copied: { hash: string; size: number };
    try {
      copied = await hashCopy(src, temp, options);
      if (options.expectedSha256 !== undefined && copied.hash !== options.expectedSha256) {
        throw argumentError('importFile', 'expectedSha256', options.expectedSha256, `the SHA-256 of ${src}, which is ${copied.hash} (the file differs from the one published)`);
      }
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    this.hold(copied.hash);
    try {
      return { ...copied, created: await this.#commitTemp(temp, copied.hash) };
    } catch (err) {
      await rm(temp, { force: true });
      this.release(copied.hash);
      throw err;
    }
  }

  /**
   * Takes a large file that already lives on this machine (a checkpoint in the Hugging Face cache) into the
   * store without copying gigabytes when it can: a hard link to the same inode when the file is on the same
   * file system, else a streamed copy with progress. Never a symlink: the cache may be evicted without the
   * store knowing, whereas a hard link keeps the bytes alive as long as the blob exists. Either way the
   * blob is re-hashed (in chunks, off the event loop's critical path) and refused unless it has
   * `expectedSha256`, so the store's invariant (a blob's name is its hash) holds. The hash is held until
   * `release(hash)`.
   */
  async adoptFile(src: string, options: AdoptFileOptions): Promise<StoredBlob & { method: AdoptMethod }> {
    const expected = options.expectedSha256;
    if (!HASH_PATTERN.test(expected)) throw argumentError('adoptFile', 'expectedSha256', expected, 'a SHA-256 as 64 lowercase hex digits');
    this.hold(expected);
    try {
      if (this.exists(expected)) return { hash: expected, size: (await stat(this.pathOf(expected))).size, created: false, method: 'existing' };
      if (options.link !== false) {
        const temp = this.#tempPath();
        let linked = false;
        try {
          // link(2) does not follow a symlink (a Hub cache snapshot is one): link the real file behind it.
          await link(await realpath(src), temp);
          linked = true;
        } catch (err) {
          if (!LINK_FALLBACK_CODES.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
        }
        if (linked) {
          try {
            const got = await hashFile(temp, options);
            if (got.hash !== expected) {
              throw argumentError('adoptFile', 'expectedSha256', expected, `the SHA-256 of ${src}, which is ${got.hash} (the file differs from the one published)`);
            }
            const fh = await open(temp, 'r');
            try { await fh.sync(); } finally { await fh.close(); }
            return { hash: expected, size: got.size, created: await this.#commitTemp(temp, expected), method: 'link' };
          } catch (err) {
            await rm(temp, { force: true });
            throw err;
          }
        }
      }
      const copied = await this.putFile(src, { ...options, expectedSha256: expected });
      this.release(expected); // putFile holds it too; keep one hold for the caller
      return { ...copied, method: 'copy' };
    } catch (err) {
      this.release(expected);
      throw err;
    }
  }

  hold(hash: string): void {
    this.#holds.set(hash, (this.#holds.get(hash) ?? 0) + 1);
  }

  release(hash: string): void {
    const n = (this.#holds.get(hash) ?? 0) - 1;
    if (n > 0) this.#holds.set(hash, n);
    else this.#holds.delete(hash);
  }

  isHeld(hash: string): boolean {
    return this.#holds.has(hash);
  }

  /** Deletes a blob file (the caller has checked that no row refers to it and nobody holds it). */
  removeSync(hash: string): void {
    rmSync(this.pathOf(hash), { force: true });
  }

  /** Every stored blob hash, plus files in blobs/ that are not blobs (stray names). */
  async list(): Promise<{ hashes: string[]; strays: string[]; temps: string[] }> {
    const hashes: string[] = [];
    const strays: string[] = [];
    const temps = (await readdir(join(this.root, TEMP_DIR))).map((n) => join(TEMP_DIR, n));
    for (const dir of await readdir(this.root)) {
      if (dir === TEMP_DIR) continue;
      const full = join(this.root, dir);
      if (!/^[0-9a-f]{2}$/.test(dir) || !(await stat(full)).isDirectory()) { strays.push(dir); continue; }
      for (const name of await readdir(full)) {
        if (HASH_PATTERN.test(name) && name.startsWith(dir)) hashes.push(name);
        else strays.push(join(dir, name));
      }
    }
    return { hashes, strays, temps };
  }

  /** Re-hashes a stored blob; false when the file is missing or its bytes no longer match its name. */
  async verify(hash: string): Promise<boolean> {
    const h = createHash('sha256');
    try {
      for await (const chunk of createReadStream(this.pathOf(hash), { highWaterMark: 8 * 1024 * 1024 }) as AsyncIterable<Buffer>) h.update(chunk);
    } catch {
      return false;
    }
    return h.digest('hex') === hash;
  }
}

/** SHA-256 of a file, read in 8 MiB chunks with progress and cancel (the same reads `hashCopy` does, no write). */
async function hashFile(path: string, options: HashCopyOptions): Promise<{ hash: string; size: number }> {
  const totalBytes = (await stat(path)).size;
  const h = createHash('sha256');
  let bytes = 0;
  const input = createReadStream(path, { highWaterMark: options.chunkSize ?? 8 * 1024 * 1024 });
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (options.signal?.aborted) throw new CopyAbortedError(path);
      h.update(chunk);
      bytes += chunk.length;
      options.onProgress?.({ bytes, totalBytes });
    }
  } finally {
    input.destroy();
  }
  if (options.signal?.aborted) throw new CopyAbortedError(path);
  return { hash: h.digest('hex'), size: bytes };
}
