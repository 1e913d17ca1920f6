// Free-space check before a multi-gigabyte download starts, so a user learns "needs 7.2 GB, 3.1 GB free" in
// a second instead of after an hour. Tests inject the free space (a real full disk cannot be staged).
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HubError } from './errors.ts';
import { formatBytes } from './format.ts';

/** Returns the bytes available to this user on the volume holding `dir`. */
export type FreeSpaceProbe = (dir: string) => Promise<number>;

// The cache folder may not exist yet on first run: ask about the nearest folder that does.
export const statfsFreeSpace: FreeSpaceProbe = async (dir) => {
  let p = dir;
  for (;;) {
    try {
      const s = await statfs(p);
      return Number(s.bavail) * Number(s.bsize);
    } catch (e) {
      const parent = dirname(p);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === p) throw e;
      p = parent;
    }
  }
};

/** Throws `disk-full` unless `needed` bytes are free on the volume holding `dir`. */
export async function ensureFreeSpace(dir: string, needed: number, what: string, probe: FreeSpaceProbe = statfsFreeSpace): Promise<void> {
  if (needed <= 0) return;
  const free = await probe(dir);
  if (free < needed) {
    throw new HubError('disk-full',
      `not enough disk space to download ${what}: needs ${formatBytes(needed)}, only ${formatBytes(free)} free in ${dir}; free some space or point HF_HOME / HF_HUB_CACHE at a larger disk`);
  }
}
