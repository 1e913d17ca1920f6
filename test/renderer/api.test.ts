import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiCallError, createApi, electronBridge, uploadFile } from '../../renderer/src/lib/api.ts';
import { createBridge } from '../../preload/bridge.ts';
import type { AppBridge, Channel, Result } from '../../preload/contract.ts';

const info = { name: 'Leffa Studio', version: '1.0.0', mode: 'serve' as const, runtime: { node: '20', platform: 'linux', arch: 'x64' } };

function bridgeOf(answer: (channel: Channel, request: unknown) => Result<unknown>, extra: Parameters<typeof createBridge>[1] = {}): AppBridge {
  return createBridge(async (channel, request) => answer(channel, request), extra);
}

test('successful results unwrap to their value', async () => {
  const api = createApi(bridgeOf((channel) => (channel === 'app:info'
    ? { ok: true, value: info }
    : { ok: true, value: { backend: 'wasm', requested: 'auto', package: 'p', fallbackReasons: [] } })));
  assert.deepEqual(await api.info(), info);
  assert.equal((await api.engineInfo()).backend, 'wasm');
});

test('call() reaches any channel through its bridge method and sends {} when no request is given', async () => {
  const seen: Array<[Channel, unknown]> = [];
  const api = createApi(bridgeOf((channel, request) => (seen.push([channel, request]), { ok: true, value: { items: [], nextBeforeId: null, total: 0 } })));
  assert.deepEqual(await api.call('garments:list', { text: 'shirt' }), { items: [], nextBeforeId: null, total: 0 });
  await api.call('queue:state');
  assert.deepEqual(seen, [['garments:list', { text: 'shirt' }], ['queue:state', {}]]);
  await assert.rejects(api.call('nope:nope' as Channel), { kind: 'not_found' });
});

test('failed results reject with ApiCallError carrying name, message and kind', async () => {
  const api = createApi(bridgeOf((channel) => ({
    ok: false,
    error: channel === 'app:info' ? { name: 'ValidationError', message: 'bad', kind: 'validation' } : { name: 'UnavailableError', message: 'down', kind: 'unavailable' },
  })));
  await assert.rejects(api.info(), (err: unknown) => {
    assert.ok(err instanceof ApiCallError);
    assert.deepEqual([err.name, err.message, err.kind], ['ValidationError', 'bad', 'validation']);
    return true;
  });
  await assert.rejects(api.engineInfo(), { kind: 'unavailable' });
  await assert.rejects(api.call('garments:get', { id: 1 }), { kind: 'unavailable' });
});

test('blob URLs are same-origin paths; fileRefs uploads in serve mode and asks the preload in Electron', async () => {
  const uploaded: string[] = [];
  const serve = createApi(bridgeOf(() => ({ ok: true, value: null })), {
    upload: async (file) => (uploaded.push(file.name), { id: `f_${'a'.repeat(20)}`, name: file.name, size: file.size, kind: 'file' }),
  });
  assert.equal(serve.mode, 'serve');
  assert.equal(serve.blobUrl('ab'.repeat(32)), `/blob/${'ab'.repeat(32)}`);
  const refs = await serve.fileRefs([new File(['x'], 'a.png'), new File(['y'], 'b.png')]);
  assert.deepEqual(uploaded, ['a.png', 'b.png']);
  assert.equal(refs.length, 2);
  assert.equal(await serve.openFiles({ purpose: 'images' }), null, 'no native dialog in the browser');

  const electron = createApi(bridgeOf((channel) => ({ ok: true, value: channel === 'dialog:openFiles' ? { files: [] } : null }), {
    fileRefs: async (files) => ({ ok: true, value: { files: files.map((f) => ({ id: `f_${'b'.repeat(20)}`, name: f.name, size: 1, kind: 'file' as const })) } }),
  }));
  assert.equal(electron.mode, 'electron');
  assert.equal((await electron.fileRefs([new File(['x'], 'c.png')]))[0]!.name, 'c.png');
  assert.deepEqual(await electron.openFiles({ purpose: 'images' }), []);
});

test('uploadFile posts the raw file and turns a refusal into ApiCallError', async () => {
  const fetchImpl = (async (url: string, init: RequestInit) => {
    assert.equal(url, '/upload?name=a%20b.png');
    assert.equal(init.method, 'POST');
    return new Response(JSON.stringify({ ok: false, error: { name: 'UnsupportedMediaTypeError', message: 'not an image', kind: 'validation' } }), { status: 415 });
  }) as typeof fetch;
  await assert.rejects(uploadFile(new File(['x'], 'a b.png'), fetchImpl), { kind: 'validation', message: 'not an image' });
});

test('the Electron bridge is recognised by shape, not by a window.app that happens to exist', () => {
  const bridge = bridgeOf(() => ({ ok: true, value: info }));
  assert.equal(electronBridge({ app: bridge }), bridge);
  assert.equal(electronBridge({}), null);
  // In a browser, <div id="app"> would make window.app an element.
  assert.equal(electronBridge({ app: { tagName: 'DIV' } }), null);
});
