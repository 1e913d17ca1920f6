// File references: the only way a file from the user's disk reaches an import. The host hands out an
// opaque id for each file the user picked (Electron's open dialog), dropped (Electron, path read in
// the preload) or uploaded (serve mode's POST /upload, written to a private temp folder); import
// calls name the id, never a path, so a page cannot make the app read a file the user did not give it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import type { FileRef } from '../../preload/contract.ts';
import { NotFoundError, ValidationError } from '../api/errors.ts';

export interface GrantedFile extends FileRef {
  /** Absolute path on this machine; never sent to the page. */
  path: string;
  /** Serve uploads: the temp file is deleted when the ref expires. */
  temporary: boolean;
  expiresAt: number | null;
}

export interface FileRegistryOptions {
  /** How long an upload's ref (and temp file) lives. Default 1 hour. */
  uploadTtlMs?: number;
  /** At most this many refs are kept; the oldest go first. Default 10 000. */
  maxRefs?: number;
  now?: () => number;
}

export class FileRegistry {
  readonly #refs = new Map<string, GrantedFile>();
  readonly #ttl: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(opts: FileRegistryOptions = {}) {
    this.#ttl = opts.uploadTtlMs ?? 60 * 60 * 1000;
    this.#max = opts.maxRefs ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  static newId(): string {
    return `f_${randomBytes(18).toString('base64url')}`;
  }

  /** Grants a file or folder the user chose (dialog, drop). Checks it exists and is what it claims to be. */
  async grantPath(path: string, expect: 'file' | 'folder' | 'any' = 'any'): Promise<FileRef> {
    if (!isAbsolute(path)) throw new ValidationError(`${JSON.stringify(path)} is not an absolute path`);
    const st = await stat(path).catch(() => null);
    if (!st) throw new NotFoundError(`no file or folder at ${JSON.stringify(path)}`);
    const kind = st.isDirectory() ? 'folder' : st.isFile() ? 'file' : null;
    if (!kind) throw new ValidationError(`${JSON.stringify(path)} is neither a file nor a folder`);
    if (expect !== 'any' && kind !== expect) throw new ValidationError(`${JSON.stringify(path)} is a ${kind}; expected a ${expect}`);
    return this.#add({ id: FileRegistry.newId(), name: basename(path), size: kind === 'file' ? st.size : 0, kind, path, temporary: false, expiresAt: null });
  }

  /** Registers an uploaded temp file (serve mode); it is deleted when the ref expires or on close(). */
  grantUpload(path: string, name: string, size: number, image?: FileRef['image']): FileRef {
    const granted: GrantedFile = { id: FileRegistry.newId(), name, size, kind: 'file', path, temporary: true, expiresAt: this.#now() + this.#ttl };
    if (image) granted.image = image;
    return this.#add(granted);
  }

  /** The granted file behind an id; throws not_found for an unknown or expired id. */
  resolve(id: string, expect: 'file' | 'folder' = 'file', what = 'file'): GrantedFile {
    this.#sweep();
    const ref = this.#refs.get(id);
    if (!ref) throw new NotFoundError(`${what} ${JSON.stringify(id)} is not a file reference this app handed out (or it expired); pick or upload the file again`);
    if (ref.kind !== expect) throw new ValidationError(`${what} ${JSON.stringify(id)} (${ref.name}) is a ${ref.kind}; expected a ${expect}`);
    return ref;
  }

  /** Public part of a ref (no path). */
  static toRef(f: GrantedFile): FileRef {
    const ref: FileRef = { id: f.id, name: f.name, size: f.size, kind: f.kind };
    if (f.image) ref.image = f.image;
    return ref;
  }

  get size(): number {
    return this.#refs.size;
  }

  /** Forgets every ref and deletes the temp files of uploads. */
  close(): void {
    for (const ref of this.#refs.values()) if (ref.temporary) rmSync(ref.path, { force: true });
    this.#refs.clear();
  }

  #add(file: GrantedFile): FileRef {
    this.#sweep();
    while (this.#refs.size >= this.#max) {
      const oldest = this.#refs.values().next().value as GrantedFile;
      this.#drop(oldest);
    }
    this.#refs.set(file.id, file);
    return FileRegistry.toRef(file);
  }

  #sweep(): void {
    const now = this.#now();
    for (const ref of this.#refs.values()) if (ref.expiresAt !== null && ref.expiresAt <= now) this.#drop(ref);
  }

  #drop(ref: GrantedFile): void {
    this.#refs.delete(ref.id);
    if (ref.temporary) rmSync(ref.path, { force: true });
  }
}

/** A private folder for uploads (mode 700), emptied at start. */
export function prepareUploadDir(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
