// Resolves a path the caller gives relative to the project folder (an export's target folder, for
// example) and refuses anything that would land outside it: absolute paths, "..", or a symlink inside the
// project that points elsewhere. A project folder can be shared or synced; a stored path must never let
// a write escape it.
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { argumentError } from './errors.ts';

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The deepest existing ancestor's real path, re-joined with the part that does not exist yet. */
function realish(path: string): string {
  let head = path;
  const tail: string[] = [];
  while (!existsSync(head)) {
    const parent = resolve(head, '..');
    if (parent === head) break;
    tail.unshift(head.slice(parent.length + 1));
    head = parent;
  }
  return resolve(realpathSync(head), ...tail);
}

export function resolveInsideProject(root: string, path: unknown, fn: string, argument: string): string {
  const expected = `a path relative to the project folder that stays inside it (${root})`;
  if (typeof path !== 'string' || path.trim() === '' || path.includes('\0')) throw argumentError(fn, argument, path, expected);
  if (isAbsolute(path) || /^[a-zA-Z]:/.test(path)) throw argumentError(fn, argument, path, expected);
  const target = resolve(root, path);
  if (!inside(root, target) || !inside(realpathSync(root), realish(target))) throw argumentError(fn, argument, path, expected);
  return target;
}
