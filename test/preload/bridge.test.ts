import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BRIDGE_CHANNELS, createBridge } from '../../preload/bridge.ts';
import type { Channel } from '../../preload/contract.ts';
import { CHANNELS } from '../../main/api/schemas.ts';

test('window.app has one method per message, each invoking its namespaced channel', async () => {
  const calls: Array<[Channel, unknown]> = [];
  const bridge = createBridge(async (channel, request) => {
    calls.push([channel, request]);
    return { ok: true, value: channel };
  });
  assert.deepEqual(Object.keys(bridge).sort(), [...Object.keys(BRIDGE_CHANNELS), 'on'].sort());
  assert.deepEqual(await bridge.info(), { ok: true, value: 'app:info' });
  await bridge.engineInfo({});
  assert.deepEqual(calls, [
    ['app:info', {}],
    ['engine:info', {}],
  ]);
  for (const channel of Object.values(BRIDGE_CHANNELS)) assert.match(channel, /^[a-z]+:[a-zA-Z]+$/);
  // Every channel the page may call has a bridge method, except files:dropped (only via fileRefs).
  assert.deepEqual([...Object.values(BRIDGE_CHANNELS), 'files:dropped'].sort(), [...CHANNELS].sort());
});

test('the bridge object is frozen so the page cannot swap methods', () => {
  const bridge = createBridge(async () => ({ ok: true, value: null }));
  assert.ok(Object.isFrozen(bridge));
});

test('the preload exposes only window.app and never hands ipcRenderer to the page', () => {
  const source = readFileSync(new URL('../../preload/index.ts', import.meta.url), 'utf8');
  const exposed = [...source.matchAll(/exposeInMainWorld\(\s*'([^']+)'/g)].map((m) => m[1]);
  assert.deepEqual(exposed, ['app']);
  assert.match(source, /ipcRenderer\.invoke\(channel, request\)/);
  assert.doesNotMatch(source, /exposeInMainWorld\([^)]*ipcRenderer\s*[,)]/);
});

test('on() accepts only the contract\'s events and hands listeners the payload alone', () => {
  const subscribed: string[] = [];
  const bridge = createBridge(async () => ({ ok: true, value: null }), {
    subscribe: (event, listener) => {
      subscribed.push(event);
      listener({ type: 'state', paused: true, runnerActive: true });
      return () => subscribed.push(`off ${event}`);
    },
  });
  const got: unknown[] = [];
  const off = bridge.on('queue:event', (payload) => got.push(payload));
  off();
  assert.deepEqual(subscribed, ['queue:event', 'off queue:event']);
  assert.deepEqual(got, [{ type: 'state', paused: true, runnerActive: true }]);
  assert.throws(() => bridge.on('ipc:anything' as never, () => {}), /unknown event "ipc:anything"/);
  assert.equal(bridge.fileRefs, undefined, 'fileRefs only exists when the host provides it (Electron)');
});

test('the preload forwards only payloads and reads dropped paths with webUtils', () => {
  const source = readFileSync(new URL('../../preload/index.ts', import.meta.url), 'utf8');
  assert.match(source, /listener\(payload\)/);
  assert.match(source, /webUtils\.getPathForFile/);
  assert.match(source, /ipcRenderer\.invoke\('files:dropped'/);
});
