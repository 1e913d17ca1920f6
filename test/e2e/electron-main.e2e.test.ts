// Starts the built Electron main bundle (dist/main/index.cjs) under Node with a fake `electron`
// module: checks start-up order, window security, the app:// protocol, IPC and the guards, with
// the real bundled engine worker behind it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.ts';
import { createFakeElectron, FakeWebContents } from './fake-electron.ts';

const require = createRequire(import.meta.url);
const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
const bundle = join(repoRoot, 'dist', 'main', 'index.cjs');
const originalLoad = Module._load;

function loadMainBundle(fake: ReturnType<typeof createFakeElectron>): void {
  Module._load = function (request: string, ...rest: unknown[]) {
    return request === 'electron' ? fake.module : originalLoad.call(this, request, ...rest);
  };
  try {
    delete require.cache[bundle];
    require(bundle);
  } finally {
    Module._load = originalLoad;
  }
}

const fake = createFakeElectron();

before(async () => {
  loadMainBundle(fake);
  fake.markReady();
  // onReady runs after whenReady resolves; wait for the window it opens.
  for (let i = 0; i < 100 && fake.windows.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
});

after(async () => {
  // will-quit closes the engine worker, then quits again.
  const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
  fake.appEvents.emit('will-quit', event);
  assert.equal(event.defaultPrevented, true);
  for (let i = 0; i < 300 && !fake.calls.includes('quit'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(fake.calls.includes('quit'), 'app.quit after the engine closed');
});

test('start-up: privileged app:// scheme and sandbox before ready, single-instance lock taken', () => {
  assert.deepEqual(fake.calls.slice(0, 3), ['registerSchemesAsPrivileged', 'enableSandbox', 'requestSingleInstanceLock']);
  assert.deepEqual(fake.state.privilegedSchemes, [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  assert.ok(fake.state.menu, 'application menu installed');
});

test('the main window has explicit secure webPreferences and shows on ready-to-show', () => {
  const [win] = fake.windows;
  assert.ok(win, 'a window was created');
  const prefs = win.options.webPreferences as Record<string, unknown>;
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.preload, join(repoRoot, 'dist', 'preload', 'index.cjs'));
  assert.equal(win.options.show, false);
  assert.equal(win.url, 'app://leffa/index.html');
  win.emit('ready-to-show');
  assert.equal(win.shown, true);
});

test('app:// serves the built renderer with the CSP header, and nothing outside it', async () => {
  const handle = fake.state.protocolHandler;
  assert.ok(handle);
  const page = await handle(new Request('app://leffa/index.html'));
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.match(await page.text(), /<div id="root">/);
  assert.equal((await handle(new Request('app://leffa/..%2f..%2fpackage.json'))).status, 400);
  assert.equal((await handle(new Request('app://elsewhere/index.html'))).status, 404);
});

test('every response gets the CSP header; permission requests are denied', () => {
  let headers: Record<string, string[]> = {};
  fake.state.headersListener?.({ responseHeaders: { 'X-A': ['1'] } }, (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders));
  assert.deepEqual(headers['X-A'], ['1']);
  assert.match(headers['Content-Security-Policy'][0], /frame-ancestors 'none'/);
  let granted: boolean | undefined;
  fake.state.permissionHandler?.({}, 'media', (ok: boolean) => (granted = ok));
  assert.equal(granted, false);
});

test('IPC: our page gets real answers (engine from the bundled worker); other senders are refused', async () => {
  const ours = { senderFrame: { url: 'app://leffa/index.html' } };
  const info = (await fake.ipcHandlers.get('app:info')?.(ours, {})) as { ok: boolean; value: { version: string; mode: string } };
  assert.deepEqual([info.ok, info.value.version, info.value.mode], [true, '0.0.0-test', 'electron']);
  const engine = (await fake.ipcHandlers.get('engine:info')?.(ours, {})) as { ok: boolean; value: { backend: string } };
  assert.equal(engine.ok, true, JSON.stringify(engine));
  assert.ok(['wasm', 'cpu', 'tensorflow'].includes(engine.value.backend));
  const evil = (await fake.ipcHandlers.get('app:info')?.({ senderFrame: { url: 'https://evil.example/' } }, {})) as { ok: boolean; error: { kind: string } };
  assert.deepEqual([evil.ok, evil.error.kind], [false, 'forbidden']);
});

test('web contents may not navigate, and only allow-listed https links open externally', () => {
  const contents = new FakeWebContents();
  fake.appEvents.emit('web-contents-created', {}, contents);
  let prevented = false;
  contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://evil.example/');
  assert.equal(prevented, true);
  assert.ok(contents.windowOpenHandler);
  assert.deepEqual(contents.windowOpenHandler({ url: 'https://github.com/franciszzj/Leffa' }), { action: 'deny' });
  assert.deepEqual(contents.windowOpenHandler({ url: 'http://github.com/' }), { action: 'deny' });
  assert.deepEqual(contents.windowOpenHandler({ url: 'https://evil.example/' }), { action: 'deny' });
  assert.deepEqual(fake.opened, ['https://github.com/franciszzj/Leffa']);
});

test('a second instance quits at once and opens no window', () => {
  const second = createFakeElectron({ singleInstance: false });
  loadMainBundle(second);
  second.markReady();
  assert.ok(second.calls.includes('quit'));
  assert.equal(second.windows.length, 0);
});
