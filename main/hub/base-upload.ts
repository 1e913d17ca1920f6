// Serve mode's POST /upload?kind=base: a zip of a diffusers base config folder (unet/config.json,
// vae/config.json, scheduler/scheduler_config.json, as non-standard checkpoints such as the tiny test
// model need; issue #8). A browser cannot hand over a folder, so the page zips it (or the user does) and
// uploads the archive; it is unpacked safely (zip.ts: no path traversal, no links, size limits) into the
// private upload folder, checked as a base folder, and answered with a *folder* FileRef that
// `checkpoints:import` takes as `base`, exactly like the folder Electron's dialog hands out.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { FileRef, Result } from '../../preload/contract.ts';
import { ApiError, ValidationError, toWireError } from '../api/errors.ts';
import { readBaseFolder } from '../services/catalog-service.ts';
import type { FileRegistry } from '../services/files.ts';
import { readZip, writeEntries, ZipError } from './zip.ts';

/** Largest zipped base folder accepted (three JSON files are a few kB; leave room for a README or two). */
export const DEFAULT_MAX_BASE_ZIP_BYTES = 8 * 1024 * 1024;

export interface BaseUploadOptions {
  files: FileRegistry;
  /** The private upload folder (mode 700). */
  dir: string;
  maxBytes?: number;
}

class TooLarge extends ApiError {
  constructor(limit: number) {
    super('validation', `the upload is over the limit of ${limit} bytes for a zipped base config folder`, 'PayloadTooLargeError');
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new TooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  await new Promise<void>((resolve, reject) => {
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (over) {
        if (size > 4 * limit) req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve());
    req.once('close', () => resolve());
    req.once('error', reject);
  });
  if (over) throw new TooLarge(limit);
  return Buffer.concat(chunks);
}

/**
 * Unpacks a zipped base folder into `<parent>/<folder name>/` and returns that path and name. The folder is
 * the one holding unet/config.json (at the top of the archive, or in one folder inside it); with no folder
 * inside, the archive's own name (minus .zip) names it, since the engine reads the architecture from it.
 */
export async function unpackBaseZip(zip: Buffer, zipName: string, parent: string): Promise<{ path: string; name: string }> {
  let entries;
  try {
    entries = readZip(zip);
  } catch (err) {
    if (err instanceof ZipError) throw new ValidationError(`${zipName}: ${err.message}`);
    throw err;
  }
  const roots = entries.filter((e) => !e.dir && (e.name === 'unet/config.json' || e.name.endsWith('/unet/config.json'))).map((e) => e.name.slice(0, -'unet/config.json'.length));
  if (roots.length !== 1) {
    throw new ValidationError(`${zipName}: expected one diffusers base config folder (unet/config.json, vae/config.json, scheduler/scheduler_config.json), found ${roots.length} unet/config.json files`);
  }
  const prefix = roots[0]!;
  const name = prefix ? prefix.slice(0, -1).split('/').pop()! : zipName.replace(/\.zip$/i, '');
  const inside = entries.filter((e) => e.name.startsWith(prefix) && e.name.length > prefix.length).map((e) => ({ ...e, name: e.name.slice(prefix.length) }));
  const path = join(parent, name);
  try {
    await writeEntries(inside, path);
  } catch (err) {
    if (err instanceof ZipError) throw new ValidationError(`${zipName}: ${err.message}`);
    throw err;
  }
  await readBaseFolder(path, name);
  return { path, name };
}

/** Answers POST /upload?kind=base. Never throws: failures become {ok: false} with a status. */
export async function answerBaseUpload(req: IncomingMessage, url: URL, opts: BaseUploadOptions): Promise<{ status: number; result: Result<FileRef> }> {
  const parent = join(opts.dir, `base-${randomBytes(12).toString('hex')}`);
  const limit = opts.maxBytes ?? DEFAULT_MAX_BASE_ZIP_BYTES;
  try {
    if (/^multipart\//i.test(String(req.headers['content-type'] ?? ''))) {
      throw new ValidationError('a zipped base folder is uploaded as the raw request body, not as a multipart form');
    }
    const body = await readBody(req, limit);
    if (body.length === 0) throw new ValidationError('the upload is empty');
    const zipName = (url.searchParams.get('name') ?? 'base.zip').replace(/^.*[\\/]/, '').slice(0, 200) || 'base.zip';
    const { path } = await unpackBaseZip(body, zipName, parent);
    return { status: 200, result: { ok: true, value: await opts.files.grantPath(path, 'folder') } };
  } catch (err) {
    await rm(parent, { recursive: true, force: true });
    const status = err instanceof TooLarge ? 413 : err instanceof ApiError ? 400 : 500;
    return { status, result: { ok: false, error: toWireError(err) } };
  }
}
