import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BRIDGE_CHANNELS, createBridge } from '../../preload/bridge.ts';
import type { Channel } from '../../preload/contract.ts';

test('window.app has one method per message, each invoking its namespaced channel', async () => {
  const calls: Array<[Channel, unknown]> = [];
  const bridge = createBridge(async (channel, request) => {
    calls.push([channel, request]);
    return { ok: true, value: channel };
  });
  assert.deepEqual(Object.keys(bridge).sort(), ['engineInfo', 'info']);
  assert.deepEqual(await bridge.info(), { ok: true, value: 'app:info' });
  await bridge.engineInfo({});
  assert.deepEqual(calls, [
    ['app:info', {}],
    ['engine:info', {}],
  ]);
  for (const channel of Object.values(BRIDGE_CHANNELS)) assert.match(channel, /^[a-z]+:[a-z-]+$/);
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
