// Atomic file writes: data goes to `<path>.tmp-<pid>-<random>`, is fsynced, then renamed over `path`.
// A crash or a full disk therefore never leaves a half-written checkpoint under the final name, and a
// reader that has the old file open keeps reading the old bytes.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CheckpointError } from './errors.ts';

export interface ByteSink {
  /** Appends bytes; returns the file offset at which they were written. */
  write(bytes: Uint8Array): number;
  /** Bytes written so far (= the offset of the next write). */
  readonly offset: number;
}

export function atomicWrite(path: string, label: string, fill: (sink: ByteSink) => void, startOffset = 0): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let fd: number;
  try {
    fd = openSync(tmp, 'wx');
  } catch (e) {
    throw new CheckpointError(path, `${label} ${path}: cannot create the temporary file ${tmp} (${(e as Error).message})`);
  }
  let ok = false;
  try {
    let offset = startOffset;
    const sink: ByteSink = {
      get offset() { return offset; },
      write(bytes) {
        const at = offset;
        let done = 0;
        while (done < bytes.length) {
          done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 0x4000_0000), offset + done);
        }
        offset += bytes.length;
        return at;
      },
    };
    fill(sink);
    fsyncSync(fd);
    ok = true;
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(path, `${label} ${path}: write failed (${(e as Error).message})`);
  } finally {
    closeSync(fd);
    if (!ok) { try { unlinkSync(tmp); } catch { /* already gone */ } }
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw new CheckpointError(path, `${label} ${path}: cannot rename ${tmp} to the final name (${(e as Error).message})`);
  }
  // Persist the rename itself; directories cannot be opened for fsync on Windows, so this is best effort.
  try { const d = openSync(dirname(path), 'r'); try { fsyncSync(d); } finally { closeSync(d); } } catch { /* best effort */ }
}
