import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiCallError, createApi, electronBridge } from '../../renderer/src/lib/api.ts';
import type { AppBridge } from '../../preload/contract.ts';

const info = { name: 'Leffa Studio', version: '1.0.0', mode: 'serve' as const, runtime: { node: '20', platform: 'linux', arch: 'x64' } };

test('successful results unwrap to their value', async () => {
  const bridge: AppBridge = {
    info: async () => ({ ok: true, value: info }),
    engineInfo: async () => ({ ok: true, value: { backend: 'wasm', requested: 'auto', package: 'p', fallbackReasons: [] } }),
  };
  const api = createApi(bridge);
  assert.deepEqual(await api.info(), info);
  assert.equal((await api.engineInfo()).backend, 'wasm');
});

test('failed results reject with ApiCallError carrying name, message and kind', async () => {
  const api = createApi({
    info: async () => ({ ok: false, error: { name: 'ValidationError', message: 'bad', kind: 'validation' } }),
    engineInfo: async () => ({ ok: false, error: { name: 'UnavailableError', message: 'down', kind: 'unavailable' } }),
  });
  await assert.rejects(api.info(), (err: unknown) => {
    assert.ok(err instanceof ApiCallError);
    assert.deepEqual([err.name, err.message, err.kind], ['ValidationError', 'bad', 'validation']);
    return true;
  });
  await assert.rejects(api.engineInfo(), { kind: 'unavailable' });
});

test('the Electron bridge is recognised by shape, not by a window.app that happens to exist', () => {
  const bridge: AppBridge = { info: async () => ({ ok: true, value: info }), engineInfo: async () => ({ ok: false, error: { name: 'E', message: 'm', kind: 'internal' } }) };
  assert.equal(electronBridge({ app: bridge }), bridge);
  assert.equal(electronBridge({}), null);
  // In a browser, <div id="app"> would make window.app an element.
  assert.equal(electronBridge({ app: { tagName: 'DIV' } }), null);
});
