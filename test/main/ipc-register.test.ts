// The IPC handlers, driven through a fake ipcMain: no Electron needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApi } from '../../main/api/create-api.ts';
import { CHANNELS } from '../../main/api/schemas.ts';
import { registerIpcHandlers, type IpcMainLike, type InvokeEventLike } from '../../main/ipc/register.ts';
import type { Result } from '../../preload/contract.ts';

type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      assert.ok(!handlers.has(channel), `${channel} registered twice`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const invoke = (channel: string, url: string | null, ...args: unknown[]) => {
    const handler = handlers.get(channel);
    assert.ok(handler, `no handler for ${channel}`);
    return handler({ senderFrame: url === null ? null : { url } }, ...args) as Promise<Result<unknown>>;
  };
  return { ipcMain, handlers, invoke };
}

function setup() {
  const fake = fakeIpcMain();
  const rejected: string[] = [];
  const dispose = registerIpcHandlers({
    ipcMain: fake.ipcMain,
    dispatch: createApi({
      name: 'Leffa Studio',
      version: '1.2.3',
      mode: 'electron',
      engine: { info: async () => ({ backend: 'wasm', requested: 'auto', package: 'p', fallbackReasons: [] }) },
      log: () => {},
    }),
    onRejectedSender: (channel, url) => rejected.push(`${channel} ${url}`),
  });
  return { ...fake, rejected, dispose };
}

test('registers one namespaced handler per channel and removes them all on dispose', () => {
  const { handlers, dispose } = setup();
  assert.deepEqual([...handlers.keys()].sort(), [...CHANNELS].sort());
  for (const channel of handlers.keys()) assert.match(channel, /^[a-z]+:[a-zA-Z]+$/);
  dispose();
  assert.equal(handlers.size, 0);
});

test('a call from our app:// page is validated and answered', async () => {
  const { invoke } = setup();
  const result = await invoke('app:info', 'app://leffa/index.html', {});
  assert.ok(result.ok);
  assert.equal((result.value as { version: string }).version, '1.2.3');
  const engine = await invoke('engine:info', 'app://leffa/index.html#/x', {});
  assert.ok(engine.ok);
});

test('calls from any other frame are refused as forbidden before the handler runs', async () => {
  const { invoke, rejected } = setup();
  const bad = [
    'https://evil.example/',
    'file:///home/user/app/dist/renderer/index.html',
    'app://other/index.html',
    'app://user:pw@leffa/index.html',
    'http://leffa/index.html',
    'about:blank',
    '',
    null,
  ];
  for (const url of bad) {
    const result = await invoke('app:info', url, {});
    assert.ok(!result.ok, `sender ${url} should be refused`);
    assert.equal(result.error.kind, 'forbidden');
  }
  assert.equal(rejected.length, bad.length);
  assert.equal(rejected.at(-1), 'app:info undefined');
});

test('malformed payloads from a trusted frame get a validation error', async () => {
  const { invoke } = setup();
  for (const args of [[42], [{ evil: true }], [{}, 'second argument']]) {
    const result = await invoke('app:info', 'app://leffa/index.html', ...args);
    assert.ok(!result.ok, `args ${JSON.stringify(args)} should fail`);
    assert.equal(result.error.kind, 'validation');
    assert.match(result.error.message, /invalid payload for 'app:info'/);
  }
});

test('host events are pushed only to live app:// pages, payload only', async () => {
  const { EventHub } = await import('../../main/services/events.ts');
  const { forwardEvents } = await import('../../main/ipc/register.ts');
  const hub = new EventHub(() => {});
  const sent: Array<[string, string, unknown]> = [];
  const page = (url: string, destroyed = false) => ({
    isDestroyed: () => destroyed,
    getURL: () => url,
    send: (channel: string, payload: unknown) => sent.push([url, channel, payload]),
  });
  const off = forwardEvents({ events: hub, targets: () => [page('app://leffa/index.html'), page('https://evil.example/'), page('app://leffa/x', true)] });
  hub.emit('engine:status', { state: 'idle', backend: 'wasm', memory: null });
  off();
  hub.emit('engine:status', { state: 'busy', backend: 'wasm', memory: null });
  assert.deepEqual(sent, [['app://leffa/index.html', 'engine:status', { state: 'idle', backend: 'wasm', memory: null }]]);
});
