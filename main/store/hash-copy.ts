// Streams a file into a temp file while hashing it, so a 7.2 GB checkpoint is read once, never held in
// memory, and its SHA-256 (its name in the blob store) is known the moment the copy ends. The temp file is
// fsynced before returning: the caller renames it into place, and a rename of unflushed data can survive
// a power cut as an empty or partial file.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';

export interface CopyProgress {
  /** Bytes copied so far. */
  bytes: number;
  /** Size of the source when the copy started. */
  totalBytes: number;
}

export interface HashCopyOptions {
  onProgress?: (progress: CopyProgress) => void;
  signal?: AbortSignal;
  /** Read size; large reads keep the copy disk-bound. Default 8 MiB. */
  chunkSize?: number;
}

export class CopyAbortedError extends Error {
  constructor(src: string) {
    super(`copy of ${src} was cancelled`);
    this.name = 'AbortError';
  }
}

export async function hashCopy(src: string, dest: string, options: HashCopyOptions = {}): Promise<{ hash: string; size: number }> {
  const totalBytes = (await stat(src)).size;
  const hash = createHash('sha256');
  // 'wx': the temp name is random; failing if it exists beats silently appending to someone else's file.
  const out = await open(dest, 'wx', 0o644);
  let bytes = 0;
  try {
    const input = createReadStream(src, { highWaterMark: options.chunkSize ?? 8 * 1024 * 1024 });
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        if (options.signal?.aborted) throw new CopyAbortedError(src);
        hash.update(chunk);
        let done = 0;
        while (done < chunk.length) done += (await out.write(chunk, done, chunk.length - done)).bytesWritten;
        bytes += chunk.length;
        options.onProgress?.({ bytes, totalBytes });
      }
    } finally {
      input.destroy();
    }
    if (options.signal?.aborted) throw new CopyAbortedError(src);
    await out.sync();
  } finally {
    await out.close();
  }
  return { hash: hash.digest('hex'), size: bytes };
}
