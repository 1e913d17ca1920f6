// SHA-256 of files, streamed (checkpoints are 7-21 GB), with a small cache keyed by path, size and mtime
// so that a result's reproducibility record does not re-hash a 7 GB checkpoint on every run.
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export async function sha256File(path: string, onProgress?: (done: number, total: number) => void): Promise<string> {
  const total = statSync(path).size;
  const h = createHash('sha256');
  let done = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) {
    h.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    onProgress?.(done, total);
  }
  return h.digest('hex');
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function cacheFile(): string {
  return join(process.env.LEFFA_CACHE_DIR ?? join(homedir(), '.cache', 'leffa-studio'), 'file-hashes.json');
}

/** sha256File with a cache entry per (real path, size, mtime); a changed file is hashed again. */
export async function cachedSha256File(path: string): Promise<string> {
  const real = realpathSync(path);
  const st = statSync(real);
  const key = `${real}|${st.size}|${st.mtimeMs}`;
  const file = cacheFile();
  let cache: Record<string, string> = {};
  try { cache = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>; } catch { /* no cache yet, or unreadable: start afresh */ }
  if (cache[key]) return cache[key]!;
  const hash = await sha256File(real);
  cache[key] = hash;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(cache));
    renameSync(tmp, file); // atomic replace
  } catch { /* a read-only home only costs a re-hash next time */ }
  return hash;
}
