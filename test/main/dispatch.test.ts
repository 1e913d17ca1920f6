import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApi } from '../../main/api/create-api.ts';
import { createDispatch, type Handlers } from '../../main/api/dispatch.ts';
import { ApiError } from '../../main/api/errors.ts';
import type { EngineInfo } from '../../preload/contract.ts';

const engineInfo: EngineInfo = { backend: 'cpu', requested: 'cpu', package: '@tensorflow/tfjs-backend-cpu', fallbackReasons: [] };
const fakeEngine = { info: async () => engineInfo };

function api() {
  return createApi({ name: 'Leffa Studio', version: '9.9.9', mode: 'serve', engine: fakeEngine, log: () => {} });
}

test('app:info answers with name, version and mode; a missing payload counts as {}', async () => {
  const result = await api()('app:info', undefined);
  assert.ok(result.ok);
  assert.deepEqual(
    { ...(result.value as object), runtime: undefined },
    { name: 'Leffa Studio', version: '9.9.9', mode: 'serve', runtime: undefined },
  );
});

test('engine:info passes the engine answer through', async () => {
  assert.deepEqual(await api()('engine:info', {}), { ok: true, value: engineInfo });
});

test('an unknown channel is not_found and names the valid ones', async () => {
  const result = await api()('app:nope', {});
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.equal(result.error.kind, 'not_found');
  assert.match(result.error.message, /"app:nope".*app:info, engine:info/);
});

test('a malformed payload is a validation error naming the channel and the problem', async () => {
  for (const payload of [42, 'x', [1], { extra: true }]) {
    const result = await api()('app:info', payload);
    assert.ok(!result.ok, `payload ${JSON.stringify(payload)} should fail`);
    assert.equal(result.error.kind, 'validation');
    assert.equal(result.error.name, 'ValidationError');
    assert.match(result.error.message, /^invalid payload for 'app:info': payload/);
  }
  const extra = await api()('app:info', { extra: true });
  assert.ok(!extra.ok);
  assert.match(extra.error.message, /extra/);
});

test('handler errors keep their kind; unexpected ones become internal and are logged', async () => {
  const logged: string[] = [];
  const dispatch = createDispatch({
    handlers: {
      'app:info': () => {
        throw new TypeError('boom');
      },
      'engine:info': () => {
        throw new ApiError('unavailable', 'engine down', 'UnavailableError');
      },
    } as unknown as Handlers,
    onInternalError: (channel) => logged.push(channel),
  });
  assert.deepEqual(await dispatch('app:info', {}), { ok: false, error: { name: 'TypeError', message: 'boom', kind: 'internal' } });
  assert.deepEqual(await dispatch('engine:info', {}), {
    ok: false,
    error: { name: 'UnavailableError', message: 'engine down', kind: 'unavailable' },
  });
  assert.deepEqual(logged, ['app:info']);
});
