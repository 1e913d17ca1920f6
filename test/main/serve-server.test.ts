// Serve mode's HTTP + WebSocket server, in-process, with a fake engine: token checks, binding,
// validation and the static files.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { createApi } from '../../main/api/create-api.ts';
import { startServer, type ServeHandle } from '../../main/serve/server.ts';

let handle: ServeHandle;
let base: string;

before(async () => {
  const staticDir = mkdtempSync(join(tmpdir(), 'leffa-serve-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'assets', 'a.js'), 'export {}');
  const dispatch = createApi({
    name: 'Leffa Studio',
    version: '0.0.1',
    mode: 'serve',
    engine: { info: async () => ({ backend: 'cpu', requested: 'auto', package: 'p', fallbackReasons: [] }) },
    log: () => {},
  });
  handle = await startServer({ dispatch, staticDir });
  base = `http://127.0.0.1:${handle.port}`;
});

after(() => handle.close());

const auth = () => ({ authorization: `Bearer ${handle.token}` });

test('binds to 127.0.0.1 on a free port by default, and prints a tokened URL', () => {
  const address = handle.server.address() as AddressInfo;
  assert.equal(address.address, '127.0.0.1');
  assert.ok(address.port > 0);
  assert.equal(handle.url, `http://127.0.0.1:${address.port}/?token=${handle.token}`);
  assert.ok(handle.token.length >= 40, 'token should carry 256 random bits');
});

test('two launches get different tokens', async () => {
  const other = await startServer({ dispatch: async () => ({ ok: true, value: null }), staticDir: '/nonexistent' });
  try {
    assert.notEqual(other.token, handle.token);
  } finally {
    await other.close();
  }
});

test('HTTP requests without a token get 401, with a wrong one 403', async () => {
  for (const path of ['/', '/assets/a.js', '/api/app:info']) {
    assert.equal((await fetch(`${base}${path}`, { method: path.startsWith('/api') ? 'POST' : 'GET' })).status, 401, path);
  }
  assert.equal((await fetch(`${base}/?token=wrong`)).status, 403);
  assert.equal((await fetch(`${base}/`, { headers: { authorization: 'Bearer wrong' } })).status, 403);
  assert.equal((await fetch(`${base}/`, { headers: { cookie: `leffa_token_${handle.port}=${'x'.repeat(43)}` } })).status, 403);
});

test('the URL token is swapped for an HttpOnly cookie, which then works alone', async () => {
  const first = await fetch(`${base}/?token=${handle.token}`, { redirect: 'manual' });
  assert.equal(first.status, 302);
  assert.equal(first.headers.get('location'), '/');
  const cookie = first.headers.get('set-cookie') ?? '';
  assert.match(cookie, new RegExp(`^leffa_token_${handle.port}=${handle.token}; .*HttpOnly; SameSite=Strict`));
  const page = await fetch(`${base}/`, { headers: { cookie: cookie.split(';')[0] } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'.*frame-ancestors 'none'/);
  assert.match(await page.text(), /<title>t<\/title>/);
});

test('static files stay inside the renderer folder', async () => {
  assert.equal((await fetch(`${base}/assets/a.js`, { headers: auth() })).headers.get('content-type'), 'text/javascript; charset=utf-8');
  // fetch normalises /../ away; an encoded slash survives to the server, which must refuse it.
  assert.equal((await fetch(`${base}/..%2f..%2fetc%2fpasswd`, { headers: auth() })).status, 400);
  assert.equal((await fetch(`${base}/%2e%2e/%2e%2e/etc/passwd`, { headers: auth() })).status, 404);
  assert.equal((await fetch(`${base}/nope.js`, { headers: auth() })).status, 404);
});

test('the HTTP API validates payloads with the same errors as IPC', async () => {
  const post = (channel: string, body: string) => fetch(`${base}/api/${channel}`, { method: 'POST', headers: auth(), body });
  const ok = await post('app:info', '{}');
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).value.version, '0.0.1');
  const bad = await post('app:info', '{"x":1}');
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys((await bad.json()).error).sort(), ['kind', 'message', 'name']);
  assert.equal((await post('app:info', '{nope')).status, 400);
  assert.equal((await post('app:missing', '{}')).status, 404);
  assert.equal((await fetch(`${base}/api/app:info`, { headers: auth() })).status, 405);
});

function connect(headers: Record<string, string> = {}, path = '/ws'): Promise<{ ws: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${handle.port}${path}`, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode }));
    ws.once('error', () => resolve({ ws, status: -1 }));
  });
}

function call(ws: WebSocket, message: unknown): Promise<{ id: number | null; result: { ok: boolean; value?: unknown; error?: { kind: string; message: string } } }> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data))));
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

test('WebSocket connections without a valid token are refused and closed', async () => {
  const none = await connect();
  assert.equal(none.status, 401);
  const wrong = await connect({ authorization: 'Bearer wrong' });
  assert.equal(wrong.status, 403);
  const foreign = await connect({ ...auth(), origin: 'https://evil.example' });
  assert.equal(foreign.status, 403);
  for (const { ws } of [none, wrong, foreign]) assert.notEqual(ws.readyState, WebSocket.OPEN);
});

test('over the WebSocket: calls are answered by id, malformed ones get validation errors', async () => {
  const { ws, status } = await connect({ cookie: `leffa_token_${handle.port}=${handle.token}`, origin: `http://127.0.0.1:${handle.port}` });
  assert.equal(status, undefined);
  try {
    const info = await call(ws, { id: 1, channel: 'app:info', payload: {} });
    assert.equal(info.id, 1);
    assert.equal((info.result.value as { mode: string }).mode, 'serve');
    const engine = await call(ws, { id: 2, channel: 'engine:info' });
    assert.equal((engine.result.value as { backend: string }).backend, 'cpu');

    const badPayload = await call(ws, { id: 3, channel: 'app:info', payload: { size: 'huge' } });
    assert.equal(badPayload.id, 3);
    assert.equal(badPayload.result.error?.kind, 'validation');
    assert.match(badPayload.result.error?.message ?? '', /invalid payload for 'app:info'.*size/);

    const notJson = await call(ws, '{oops');
    assert.equal(notJson.id, null);
    assert.match(notJson.result.error?.message ?? '', /not JSON/);
    const noId = await call(ws, { channel: 'app:info' });
    assert.equal(noId.result.error?.kind, 'validation');
    assert.match(noId.result.error?.message ?? '', /message\.id/);
    const unknown = await call(ws, { id: 4, channel: 'fs:read' });
    assert.equal(unknown.result.error?.kind, 'not_found');
  } finally {
    ws.close();
  }
});
