// Writing a finished file atomically and asynchronously (temp file beside it, fsync, rename), so a crash
// or a concurrent reader never sees half a file. For whole byte buffers (encoded images); checkpoints,
// written piece by piece, use atomic-write.ts.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temp file beside the target, flushed to disk, then renamed over it (atomic on one file system). */
export async function writeFileAtomic(path: string, bytes: Uint8Array, who = 'writeFileAtomic'): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'wx');
  } catch (e) {
    throw new Error(`${who}: cannot create a file in ${dirname(path)} for ${path} (${(e as Error).message}); expected an existing, writable folder`, {
      cause: e,
    });
  }
  try {
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
