// The Hub cache layout shared with the Python client, so a checkpoint either one downloaded is reused by the
// other:
//   <cacheDir>/models--franciszzj--Leffa/
//     blobs/<sha256 for LFS files | git oid for small files>   the bytes, content-addressed
//     blobs/<same>.incomplete                                  a download in progress (resumable)
//     snapshots/<commit>/<file> -> ../../blobs/<hash>          what a revision contains
//     refs/main                                                the commit `main` pointed to
// Names come from the library's helpers (`getRepoFolderName`) so they match what it and Python write.
import { lstat, mkdir, readFile, readlink, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { getRepoFolderName } from '@huggingface/hub';

const COMMIT_RE = /^[0-9a-f]{40}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

export function isCommitHash(revision: string): boolean {
  return COMMIT_RE.test(revision);
}

export function isSha256(s: string): boolean {
  return SHA256_RE.test(s);
}

export interface RepoCache {
  /** models--owner--name folder. */
  storage: string;
  blob(hash: string): string;
  incomplete(hash: string): string;
  pointer(commit: string, file: string): string;
  ref(revision: string): string;
}

export function repoCache(cacheDir: string, repo: string): RepoCache {
  const storage = join(cacheDir, getRepoFolderName({ type: 'model', name: repo }));
  return {
    storage,
    blob: (hash) => join(storage, 'blobs', hash),
    incomplete: (hash) => join(storage, 'blobs', `${hash}.incomplete`),
    pointer: (commit, file) => join(storage, 'snapshots', commit, ...file.split('/')),
    ref: (revision) => join(storage, 'refs', ...revision.split('/')),
  };
}

/** The commit a revision stands for in the cache: itself if it is a hash, else what refs/<revision> says. */
export async function readRef(cache: RepoCache, revision: string): Promise<string | null> {
  if (isCommitHash(revision)) return revision;
  try {
    // Python writes the hash without a newline; tolerate one (hand-made or other tools).
    const commit = (await readFile(cache.ref(revision), 'utf8')).trim();
    return isCommitHash(commit) ? commit : null;
  } catch {
    return null;
  }
}

export async function writeRef(cache: RepoCache, revision: string, commit: string): Promise<void> {
  if (isCommitHash(revision)) return;
  await mkdir(dirname(cache.ref(revision)), { recursive: true });
  await writeFile(cache.ref(revision), commit); // no newline, as Python writes it
}

export interface CachedFile {
  commit: string;
  /** snapshots/<commit>/<file>: the path to hand to the engine. */
  pointer: string;
  /** The real file behind the pointer. */
  blob: string;
  size: number;
  /** SHA-256 from the blob's name when it is one (LFS files); null when unknown (no symlink, non-LFS). */
  sha256: string | null;
}

/** Looks a file up in the cache without touching the network; null when absent. */
export async function findCached(cache: RepoCache, revision: string, file: string): Promise<CachedFile | null> {
  const commit = await readRef(cache, revision);
  if (!commit) return null;
  const pointer = cache.pointer(commit, file);
  let size: number;
  try {
    const st = await stat(pointer); // follows the symlink: a dangling link counts as absent
    if (!st.isFile()) return null;
    size = st.size;
  } catch {
    return null;
  }
  // Python falls back to a plain file in snapshots/ where symlinks are not allowed (Windows without
  // developer mode): then there is no blob name to learn the hash from.
  const isLink = (await lstat(pointer)).isSymbolicLink();
  const blob = isLink ? await realpath(pointer) : pointer;
  const name = isLink ? basename(await readlink(pointer)) : '';
  return { commit, pointer, blob, size, sha256: isSha256(name) ? name : null };
}

/**
 * Points snapshots/<commit>/<file> at a blob with a relative link (survives moving the cache, as Python
 * does it). Where symlinks are not allowed, the blob itself moves into the snapshot (Python does the same
 * for a new blob) rather than doubling 7 GB on disk.
 */
export async function linkSnapshot(cache: RepoCache, commit: string, file: string, blobPath: string): Promise<string> {
  const pointer = cache.pointer(commit, file);
  await mkdir(dirname(pointer), { recursive: true });
  await rm(pointer, { force: true });
  try {
    await symlink(relative(dirname(pointer), resolve(blobPath)), pointer);
  } catch {
    await rename(blobPath, pointer);
  }
  return pointer;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
