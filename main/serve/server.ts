// Serve mode's HTTP server: the built renderer plus the API (WebSocket at /ws, HTTP at /api/…),
// stored images (GET /blob/<sha256>) and uploads (POST /upload), all behind the per-launch token.
// Binds to 127.0.0.1 unless told otherwise.
import type { CoordinatorHandler } from '../team/coordinator-http.ts';
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { contentSecurityPolicy } from '../csp.ts';
import type { Dispatch } from '../api/dispatch.ts';
import type { EventHub } from '../services/events.ts';
import { MAX_SOCKET_MESSAGE_BYTES, serveApiSocket } from './api-socket.ts';
import { answerHttpCall } from './http-api.ts';
import { answerUpload, type UploadOptions } from './upload.ts';
import { readStatic } from '../static-files.ts';
import { createToken, presentedToken, tokenCookie, tokensEqual } from './token.ts';

export const DEFAULT_HOST = '127.0.0.1';

export interface ServeOptions {
  dispatch: Dispatch;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Fixed only in tests; normally a fresh random token per launch. */
  token?: string;
  /** GET /blob/<sha256>: the stored image with that hash, or null when the open project does not know it. */
  blobs?: (hash: string) => { path: string; mediaType: string; size: number } | null;
  /** GET /exports/<name>.zip: a zip an export wrote into the open project (main/export/download.ts), or null. */
  exportZips?: (fileName: string) => { path: string; size: number; fileName: string } | null;
  /** POST /upload; absent: uploads are refused (404). */
  uploads?: UploadOptions;
  /** Events pushed to every connected page as {event, payload}. */
  events?: Pick<EventHub, 'subscribe'>;
  /** The team queue's coordinator (main/team): answers `/team/...` with per-worker tokens, not the launch token. */
  coordinator?: CoordinatorHandler;
}

export interface ServeHandle {
  server: Server;
  host: string;
  port: number;
  token: string;
  /** The URL to open, token included. */
  url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': contentSecurityPolicy(),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

type Auth = { ok: true; fromQuery: boolean } | { ok: false; status: 401 | 403; message: string };

function authorize(req: IncomingMessage, url: URL, port: number, token: string): Auth {
  const presented = presentedToken(req, url, port);
  if (!presented) {
    return { ok: false, status: 401, message: 'missing token: open the URL that `npm run serve` printed (it ends in ?token=…)' };
  }
  if (!tokensEqual(token, presented.token)) {
    return { ok: false, status: 403, message: 'wrong token: it changes every launch, open the URL that `npm run serve` printed this time' };
  }
  return { ok: true, fromQuery: presented.source === 'query' };
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** A browser's Origin, when sent, must be this server: stops other sites' pages using the socket. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${req.headers.host}`;
}

/** A malformed %-escape becomes a channel name that dispatch reports as unknown. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export async function startServer(opts: ServeOptions): Promise<ServeHandle> {
  const token = opts.token ?? createToken();
  const host = opts.host ?? DEFAULT_HOST;
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SOCKET_MESSAGE_BYTES });
  serveApiSocket(wss, opts.dispatch, opts.events);
  let port = 0;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (opts.coordinator && (await opts.coordinator(req, res))) return;
    const url = new URL(req.url ?? '/', 'http://serve.invalid');
    const auth = authorize(req, url, port, token);
    if (!auth.ok) return send(res, auth.status, auth.message);
    if (auth.fromQuery && req.method === 'GET') {
      // Trade the URL token for a cookie, then drop it from the address bar and history.
      url.searchParams.delete('token');
      return send(res, 302, '', { 'Set-Cookie': tokenCookie(port, token), Location: url.pathname + url.search });
    }
    if (url.pathname.startsWith('/blob/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'use GET for /blob/<sha256>', { Allow: 'GET, HEAD' });
      const hash = url.pathname.slice('/blob/'.length);
      const blob = /^[0-9a-f]{64}$/.test(hash) ? opts.blobs?.(hash) ?? null : null;
      if (!blob) return send(res, 404, 'no stored image with this hash in the open project');
      // Content-addressed: the bytes behind a hash never change, so the browser may keep them.
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': blob.mediaType,
        'Content-Length': String(blob.size),
        'Cache-Control': 'private, max-age=31536000, immutable',
        ETag: `"${hash}"`,
      });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(blob.path).once('error', () => res.destroy()).pipe(res);
      return;
    }
    if (url.pathname.startsWith('/exports/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'use GET for /exports/<name>.zip', { Allow: 'GET, HEAD' });
      const zip = opts.exportZips?.(safeDecode(url.pathname.slice('/exports/'.length))) ?? null;
      if (!zip) return send(res, 404, 'no export zip with this name in the open project');
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'application/zip',
        'Content-Length': String(zip.size),
        // The name passed exportDownload's checks (a plain file name); quoted for the header all the same.
        'Content-Disposition': `attachment; filename="${zip.fileName.replace(/["\\\r\n]/g, '_')}"`,
      });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(zip.path).once('error', () => res.destroy()).pipe(res);
      return;
    }
    if (url.pathname === '/upload') {
      if (!opts.uploads) return send(res, 404, 'uploads are not enabled');
      if (req.method !== 'POST') return send(res, 405, 'use POST for /upload', { Allow: 'POST' });
      if (!sameOrigin(req)) return send(res, 403, 'uploads must come from this app\'s own pages');
      const { status, result } = await answerUpload(req, url, opts.uploads);
      return send(res, status, JSON.stringify(result), {
        'Content-Type': 'application/json; charset=utf-8',
        ...(status === 413 && { Connection: 'close' }),
      });
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return send(res, 405, 'use POST for /api/<channel>', { Allow: 'POST' });
      const { status, result } = await answerHttpCall(opts.dispatch, safeDecode(url.pathname.slice('/api/'.length)), req);
      return send(res, status, JSON.stringify(result), { 'Content-Type': 'application/json; charset=utf-8' });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    const file = await readStatic(opts.staticDir, url.pathname);
    if (file.status !== 200) {
      const notBuilt = url.pathname === '/' && file.status === 404;
      return send(res, notBuilt ? 503 : file.status, notBuilt ? 'renderer not built: run `npm run build`' : file.body);
    }
    send(res, 200, req.method === 'HEAD' ? '' : file.body, { 'Content-Type': file.contentType });
  }

  server.on('request', (req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      console.error('[serve] request failed:', err);
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy();
    });
  });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://serve.invalid');
    const auth = authorize(req, url, port, token);
    if (!auth.ok) return refuseUpgrade(socket, auth.status, auth.status === 401 ? 'Unauthorized' : 'Forbidden');
    if (!sameOrigin(req)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  // A wildcard bind is reachable locally at 127.0.0.1; other machines use this machine's address.
  const wildcard = host === '0.0.0.0' || host === '::';
  const urlHost = wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    server,
    host,
    port,
    token,
    url: `http://${urlHost}:${port}/?token=${token}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
