// Reads the built renderer (dist/renderer) for both hosts: the app:// protocol handler and serve
// mode. Resolves every path inside the root and refuses anything that escapes it; "/" is index.html.
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export type StaticResult = { status: 200; body: Buffer; contentType: string } | { status: 400 | 404; body: string };

/** Maps a URL pathname to a file under root; null when it would leave root or is malformed. */
export function resolveStaticPath(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const base = resolve(root);
  const full = resolve(base, rel);
  return full === base || full.startsWith(base + sep) ? full : null;
}

export async function readStatic(root: string, pathname: string): Promise<StaticResult> {
  const file = resolveStaticPath(root, pathname);
  if (!file) return { status: 400, body: 'bad path' };
  try {
    if (!(await stat(file)).isFile()) return { status: 404, body: 'not found' };
    const contentType = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    return { status: 200, body: await readFile(file), contentType };
  } catch {
    return { status: 404, body: 'not found' };
  }
}
