// Serve mode's POST /upload: a browser's file (raw body, or the first file of a multipart form) is
// streamed to a private temp folder under a size limit, checked, and registered as a FileRef that
// import calls name. Images go through the store's image check (magic bytes, then the header's size
// against the pixel limit); checkpoints (?kind=checkpoint) through the weights sniff. Anything refused
// is deleted at once, so nothing that failed a check stays on disk.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { basename, join } from 'node:path';
import type { FileRef, Result } from '../../preload/contract.ts';
import { ApiError, ValidationError, toWireError } from '../api/errors.ts';
import { assertCheckpointFile } from '../services/catalog-service.ts';
import { answerBaseUpload } from '../hub/base-upload.ts';
import type { FileRegistry } from '../services/files.ts';
import { DEFAULT_MAX_PIXELS, inspectImage } from '../store/index.ts';

export interface UploadOptions {
  files: FileRegistry;
  /** A private folder (mode 700) for the temp files. */
  dir: string;
  /** Largest image upload. Default 64 MiB. */
  maxImageBytes?: number;
  /** Largest checkpoint upload. Default 16 GiB. */
  maxCheckpointBytes?: number;
  maxPixels?: number;
}

export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** A certificate chain or private key in PEM (C2PA signing, exports:setSigning): small text files. */
export const MAX_PEM_BYTES = 256 * 1024;
export const DEFAULT_MAX_CHECKPOINT_BYTES = 16 * 1024 * 1024 * 1024;

class TooLargeError extends ApiError {
  constructor(limit: number) {
    super('validation', `the upload is over the limit of ${limit} bytes`, 'PayloadTooLargeError');
  }
}

class UnsupportedMediaError extends ApiError {
  constructor(message: string) {
    super('validation', message, 'UnsupportedMediaTypeError');
  }
}

/** A PEM file: text with at least one -----BEGIN …----- block (a certificate chain, or a private key). */
async function assertPemFile(path: string, name: string): Promise<void> {
  const text = await readFile(path, 'latin1');
  // eslint-disable-next-line no-control-regex
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text) || /[\u0000-\u0008\u000e-\u001f]/.test(text)) {
    throw new UnsupportedMediaError(`${name}: expected a PEM file (text with a "-----BEGIN …-----" block: the certificate chain or the private key)`);
  }
}

/** A file name for display: no folders, no control characters, at most 200 characters. */
export function cleanFileName(raw: string | null | undefined, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const name = basename((raw ?? '').replaceAll('\\', '/')).replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return name && name !== '.' && name !== '..' ? name : fallback;
}

function boundaryOf(contentType: string): string | null {
  const m = /^multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]!).trim() : null;
}

/**
 * Streams the request body to `file`, stopping at `limit` bytes. For multipart bodies the whole body is
 * held (they are limited to images) and the first part with a filename is written instead.
 */
async function receive(req: IncomingMessage, file: string, limit: number, boundary: string | null): Promise<{ size: number; name: string | null }> {
  const declared = Number(req.headers['content-length']);
  const slack = boundary ? 64 * 1024 : 0;
  if (Number.isFinite(declared) && declared > limit + slack) throw new TooLargeError(limit);
  const chunks: Buffer[] = [];
  const out = boundary ? null : createWriteStream(file, { mode: 0o600 });
  let size = 0;
  let over = false;
  // Event-driven rather than `for await`, which would destroy the socket on an early exit: an upload
  // over the limit is read to its end (and thrown away) so the client still receives the 413.
  await new Promise<void>((resolve, reject) => {
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit + slack) over = true;
      if (over) {
        if (size > 4 * (limit + slack)) req.destroy();
        return;
      }
      if (boundary) chunks.push(chunk);
      else if (!out!.write(chunk)) {
        req.pause();
        out!.once('drain', () => req.resume());
      }
    });
    req.once('end', () => resolve());
    req.once('error', reject);
    req.once('close', () => resolve());
    out?.once('error', reject);
  });
  if (out) await new Promise<void>((resolve) => out.end(() => resolve()));
  if (over) throw new TooLargeError(limit);
  if (!boundary) return { size, name: null };
  const part = firstFilePart(Buffer.concat(chunks), boundary);
  if (part.body.length > limit) throw new TooLargeError(limit);
  await new Promise<void>((resolve, reject) => {
    const w = createWriteStream(file, { mode: 0o600 });
    w.once('error', reject);
    w.end(part.body, () => resolve());
  });
  return { size: part.body.length, name: part.name };
}

function firstFilePart(body: Buffer, boundary: string): { name: string | null; body: Buffer } {
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const headerStart = at + delimiter.length + 2; // CRLF
    const headerEnd = body.indexOf('\r\n\r\n', headerStart);
    if (headerEnd === -1) break;
    const headers = body.subarray(headerStart, headerEnd).toString('utf8');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next === -1) break;
    const filename = /filename\*?="?([^";\r\n]*)"?/i.exec(headers);
    if (filename) return { name: filename[1] ?? null, body: body.subarray(headerEnd + 4, next - 2) };
    at = next;
  }
  throw new ValidationError('the multipart form has no file part (expected a field with a filename)');
}

/** Answers one POST /upload. Never throws: failures become {ok: false} with a status. */
export async function answerUpload(req: IncomingMessage, url: URL, opts: UploadOptions): Promise<{ status: number; result: Result<FileRef> }> {
  const kind = url.searchParams.get('kind') ?? 'image';
  if (kind === 'base') return answerBaseUpload(req, url, opts); // a zipped diffusers base folder -> folder FileRef (hub/base-upload.ts)
  if (kind !== 'image' && kind !== 'checkpoint' && kind !== 'pem') {
    return { status: 400, result: { ok: false, error: toWireError(new ValidationError(`?kind=${JSON.stringify(kind)}: expected "image" (default), "checkpoint", "pem" or "base"`)) } };
  }
  const limit = kind === 'image' ? (opts.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES) : kind === 'pem' ? MAX_PEM_BYTES : (opts.maxCheckpointBytes ?? DEFAULT_MAX_CHECKPOINT_BYTES);
  const boundary = boundaryOf(String(req.headers['content-type'] ?? ''));
  if (boundary && kind !== 'image') {
    return { status: 400, result: { ok: false, error: toWireError(new ValidationError('checkpoints are uploaded as the raw request body, not as a multipart form')) } };
  }
  const temp = join(opts.dir, `upload-${randomBytes(12).toString('hex')}`);
  try {
    const got = await receive(req, temp, limit, boundary);
    if (got.size === 0) throw new ValidationError('the upload is empty');
    const name = cleanFileName(got.name ?? url.searchParams.get('name'), kind === 'image' ? 'image' : kind === 'pem' ? 'certificate.pem' : 'checkpoint');
    let image: FileRef['image'];
    if (kind === 'image') {
      try {
        const info = await inspectImage(temp, { fn: 'upload', argument: name, maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS });
        image = { width: info.width, height: info.height, mediaType: info.mediaType };
      } catch (err) {
        throw new UnsupportedMediaError(`${name}: ${(err as Error).message.replace(/^upload: .*?; expected /, 'expected ')}`);
      }
    } else if (kind === 'pem') {
      await assertPemFile(temp, name);
    } else {
      try {
        await assertCheckpointFile(temp, name);
      } catch (err) {
        throw new UnsupportedMediaError((err as Error).message);
      }
    }
    return { status: 200, result: { ok: true, value: opts.files.grantUpload(temp, name, got.size, image) } };
  } catch (err) {
    await rm(temp, { force: true });
    const status = err instanceof TooLargeError ? 413 : err instanceof UnsupportedMediaError ? 415 : err instanceof ApiError ? 400 : 500;
    return { status, result: { ok: false, error: toWireError(err) } };
  }
}
