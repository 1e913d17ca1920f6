// Hashes that prove a cached file is the one the Hub published: SHA-256 for LFS files (the Hub's LFS oid,
// also the blob's name in the cache) and the git blob id for small files such as the model card.
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { HubError } from './errors.ts';

const CHUNK = 4 << 20; // 4 MiB reads: large enough to hash at disk speed, small enough to stay responsive

/**
 * Feeds the first `length` bytes of a file (all of it by default) into `hash`, reporting bytes done.
 * Used to hash a whole checkpoint for verify() and the already-downloaded part of a resumed download.
 */
export async function hashFileInto(
  hash: Hash,
  path: string,
  opts: { length?: number; signal?: AbortSignal; onBytes?: (done: number) => void } = {},
): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const length = opts.length ?? (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(length, 1)));
    let done = 0;
    while (done < length) {
      if (opts.signal?.aborted) throw new HubError('aborted', `hashing ${path} was cancelled`);
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - done), done);
      if (bytesRead === 0) break; // the file is shorter than asked: the caller compares the count
      hash.update(buf.subarray(0, bytesRead));
      done += bytesRead;
      opts.onBytes?.(done);
    }
    return done;
  } finally {
    await fh.close();
  }
}

export async function sha256File(path: string, opts: { signal?: AbortSignal; onBytes?: (done: number) => void } = {}): Promise<string> {
  const hash = createHash('sha256');
  await hashFileInto(hash, path, opts);
  return hash.digest('hex');
}

/** git's object id of a blob: sha1("blob <size>\0" + content); what the Hub reports as `oid` for non-LFS files. */
export function gitBlobOid(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}
