// app://leffa/… serves the built renderer from disk (inside app.asar once packaged), each response
// carrying our CSP, and app://leffa/blob/<sha256> the open project's stored images (only hashes its
// store knows; see CatalogService.blob). A privileged standard scheme gives pages a real origin
// without file://'s looser rules, and lets IPC handlers recognise our frames by URL (see app-origin.ts).
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { protocol, type Session } from 'electron';
import { APP_HOST, APP_SCHEME } from './app-origin.ts';
import { contentSecurityPolicy } from './csp.ts';
import { readStatic } from './static-files.ts';

/** Looks up a stored image by hash: its file, media type and size, or null when unknown. */
export type BlobLookup = (hash: string) => { path: string; mediaType: string; size: number } | null;

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

const BLOB_PATH = /^\/blob\/([0-9a-f]{64})$/;

export function serveRenderer(session: Session, rendererDir: string, blobs?: BlobLookup): void {
  const csp = contentSecurityPolicy();
  session.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return new Response('not found', { status: 404 });
    }
    if (url.pathname.startsWith('/blob/')) {
      const hash = BLOB_PATH.exec(url.pathname)?.[1];
      const blob = hash && blobs ? blobs(hash) : null;
      if (!blob) return new Response('not found', { status: 404 });
      const body = request.method === 'HEAD' ? null : (Readable.toWeb(createReadStream(blob.path)) as ReadableStream<Uint8Array>);
      return new Response(body, {
        headers: {
          'Content-Type': blob.mediaType,
          'Content-Length': String(blob.size),
          'Cache-Control': 'private, max-age=31536000, immutable',
          'Content-Security-Policy': csp,
          'X-Content-Type-Options': 'nosniff',
        },
      });
    }
    const file = await readStatic(rendererDir, url.pathname);
    if (file.status !== 200) return new Response(file.body, { status: file.status });
    return new Response(new Uint8Array(file.body), {
      headers: { 'Content-Type': file.contentType, 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' },
    });
  });
}
