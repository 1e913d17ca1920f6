// A small, strict zip reader for one job: unpacking an uploaded diffusers base config folder (a few JSON
// files) in serve mode, where a browser cannot hand over a folder. It refuses rather than guesses:
//   - entry names that are absolute, have a drive letter, backslashes, `..` or empty segments, or NUL
//     (path traversal: nothing may land outside the target folder);
//   - symlinks, encrypted entries, compression other than stored/deflate, ZIP64, multi-disk archives;
//   - more than `maxEntries` entries, an entry over `maxEntryBytes` or a total over `maxTotalBytes`
//     uncompressed (zip bombs; inflate is capped at the declared size), and CRC-32 mismatches.
// The archive is read from memory (uploads of this kind are capped at a few MiB).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipLimits {
  maxEntries?: number;
  maxEntryBytes?: number;
  maxTotalBytes?: number;
}

export interface ZipEntry {
  /** Normalised relative path with '/' separators; folders end without a slash and have `dir: true`. */
  name: string;
  dir: boolean;
  data: Buffer;
}

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

/** A safe relative path, or an error naming the entry. */
export function safeEntryName(raw: string): { name: string; dir: boolean } {
  const shown = JSON.stringify(raw.slice(0, 200));
  if (raw.includes('\0')) throw new ZipError(`zip entry ${shown} has a NUL character in its name`);
  if (raw.includes('\\')) throw new ZipError(`zip entry ${shown} uses backslashes; expected '/' separators`);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw new ZipError(`zip entry ${shown} is an absolute path; expected a path inside the archive`);
  const dir = raw.endsWith('/');
  const parts = (dir ? raw.slice(0, -1) : raw).split('/');
  for (const part of parts) {
    if (part === '..') throw new ZipError(`zip entry ${shown} leaves the folder (..); expected a path inside the archive`);
    if (part === '' || part === '.') throw new ZipError(`zip entry ${shown} has an empty or "." path segment`);
  }
  return { name: parts.join('/'), dir };
}

/** Every entry of a zip archive, checked and inflated. */
export function readZip(buf: Buffer, limits: ZipLimits = {}): ZipEntry[] {
  const maxEntries = limits.maxEntries ?? 1000;
  const maxEntryBytes = limits.maxEntryBytes ?? 16 * 1024 * 1024;
  const maxTotalBytes = limits.maxTotalBytes ?? 64 * 1024 * 1024;
  // End of central directory: the last 22+ bytes (a comment may follow it, up to 64 KiB).
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) { eocd = i; break; }
  }
  if (eocd < 0) throw new ZipError('not a zip archive (no end of central directory record)');
  if (buf.readUInt16LE(eocd + 4) !== 0 || buf.readUInt16LE(eocd + 6) !== 0) throw new ZipError('multi-disk zip archives are not supported');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not supported (a base config folder is small)');
  if (count > maxEntries) throw new ZipError(`the zip has ${count} entries; expected at most ${maxEntries}`);
  if (cdOffset + cdSize > eocd) throw new ZipError('the zip central directory is out of bounds');
  const out: ZipEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CEN_SIG) throw new ZipError(`zip central directory entry ${n + 1} is damaged`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const madeBy = buf.readUInt16LE(p + 4) >> 8;
    const external = buf.readUInt32LE(p + 38);
    const local = buf.readUInt32LE(p + 42);
    const rawName = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    const { name, dir } = safeEntryName(rawName);
    if (flags & 1) throw new ZipError(`zip entry ${JSON.stringify(name)} is encrypted`);
    // Unix mode in the high 16 bits of the external attributes: S_IFLNK = 0o120000.
    if (madeBy === 3 && ((external >>> 16) & 0o170000) === 0o120000) throw new ZipError(`zip entry ${JSON.stringify(name)} is a symbolic link; expected plain files`);
    if (seen.has(name)) throw new ZipError(`zip entry ${JSON.stringify(name)} appears twice`);
    seen.add(name);
    if (dir) { out.push({ name, dir: true, data: Buffer.alloc(0) }); continue; }
    if (usize > maxEntryBytes) throw new ZipError(`zip entry ${JSON.stringify(name)} is ${usize} bytes; expected at most ${maxEntryBytes}`);
    total += usize;
    if (total > maxTotalBytes) throw new ZipError(`the zip unpacks to more than ${maxTotalBytes} bytes`);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOC_SIG) throw new ZipError(`zip entry ${JSON.stringify(name)}: its local header is damaged`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + csize > buf.length) throw new ZipError(`zip entry ${JSON.stringify(name)} runs past the end of the archive`);
    const raw = buf.subarray(start, start + csize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        data = usize === 0 ? Buffer.alloc(0) : inflateRawSync(raw, { maxOutputLength: usize });
      } catch (err) {
        throw new ZipError(`zip entry ${JSON.stringify(name)} does not inflate to its declared ${usize} bytes (${(err as Error).message})`);
      }
    } else throw new ZipError(`zip entry ${JSON.stringify(name)} uses compression method ${method}; expected stored (0) or deflate (8)`);
    if (data.length !== usize) throw new ZipError(`zip entry ${JSON.stringify(name)} is ${data.length} bytes; its header says ${usize}`);
    if ((crc32(data) >>> 0) !== crc) throw new ZipError(`zip entry ${JSON.stringify(name)} fails its CRC-32 check`);
    out.push({ name, dir: false, data });
  }
  return out;
}

/** Writes entries under `target` (created), re-checking that each path stays inside it. */
export async function writeEntries(entries: ZipEntry[], target: string): Promise<void> {
  const root = resolve(target);
  await mkdir(root, { recursive: true });
  for (const e of entries) {
    const path = resolve(join(root, ...e.name.split('/')));
    if (path !== root && !path.startsWith(root + sep)) throw new ZipError(`zip entry ${JSON.stringify(e.name)} leaves the target folder`);
    if (e.dir) await mkdir(path, { recursive: true });
    else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, e.data, { flag: 'wx', mode: 0o600 });
    }
  }
}
