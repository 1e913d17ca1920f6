// Backend selection, each scenario in its own child process (see init.child.ts): forced cpu, invalid
// LEFFA_BACKEND, 'tensorflow' without tfjs-node, 'auto' on this machine, and the once-per-process rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChild } from './run-child.ts';

test('LEFFA_BACKEND=cpu gives the cpu backend', async () => {
  const r = await runChild({ LEFFA_BACKEND: 'cpu', CHILD_OPTS: '{"backend":"wasm"}' });
  assert.equal(r.error, undefined);
  assert.equal(r.info?.name, 'cpu');
  assert.equal(r.info?.requested, 'cpu');
  assert.equal(r.info?.package, '@tensorflow/tfjs-backend-cpu');
  assert.deepEqual(r.logs, ['[leffa] TensorFlow.js backend: cpu (@tensorflow/tfjs-backend-cpu); requested cpu']);
});

test('an invalid LEFFA_BACKEND is a clear error', async () => {
  const r = await runChild({ LEFFA_BACKEND: 'cuda' });
  assert.equal(r.info, undefined);
  assert.equal(r.error, 'LEFFA_BACKEND="cuda" is not valid; allowed: auto | tensorflow | wasm | cpu | webgpu');
});

test("'tensorflow' without tfjs-node installed is an error naming the packages", async (t) => {
  const r = await runChild({ CHILD_OPTS: '{"backend":"tensorflow"}' });
  if (r.info) return t.skip(`a native package is installed here (${r.info.package})`);
  assert.match(r.error ?? '', /'tensorflow'/);
  assert.match(r.error ?? '', /@tensorflow\/tfjs-node is not installed/);
  // absent (a failed optional install is removed), or present without its native addon
  assert.match(r.error ?? '', /@tensorflow\/tfjs-node-gpu (is not installed|failed to load)/);
});

test('auto picks wasm here, with reasons naming the absent native packages', async () => {
  const r = await runChild({ CHILD_TWICE: '{}' });
  assert.equal(r.info?.name, 'wasm');
  assert.equal(r.info?.requested, 'auto');
  const reasons = r.info?.fallbackReasons.filter((x) => !x.startsWith('webgpu:')).slice(0, 2) ?? [];
  assert.match(reasons[0] ?? '', /^@tensorflow\/tfjs-node-gpu (is not installed|failed to load)/);
  assert.equal(reasons[1], '@tensorflow/tfjs-node is not installed');
  assert.equal(r.logs.length, 1, 'one log line');
  assert.match(r.logs[0], /backend: wasm .*requested auto; fallbacks: @tensorflow\/tfjs-node-gpu (is not installed|failed to load)/);
  assert.deepEqual(r.second, r.info, 'a second call returns the same info');
});

test('asking for another backend after init is an error that says so', async () => {
  const r = await runChild({ LEFFA_BACKEND: 'wasm', LEFFA_WASM_THREADED: '0', CHILD_TWICE: '{}' });
  assert.equal(r.info?.name, 'wasm');
  assert.deepEqual(r.second, r.info);
  const r2 = await runChild({ LEFFA_BACKEND: 'cpu', CHILD_TWICE: '{"backend":"wasm"}' });
  assert.equal(r2.info?.name, 'cpu');
  // LEFFA_BACKEND still says cpu, so the second call's option is overridden: same info.
  assert.deepEqual(r2.second, r2.info);
  const r3 = await runChild({ CHILD_OPTS: '{"backend":"cpu"}', CHILD_TWICE: '{"backend":"wasm"}' });
  assert.match(r3.secondError ?? '', /backend 'wasm' requested, but 'cpu' is already initialised.*only once per process/);
});

test('initBackend refuses to run after another backend has initialised', async () => {
  const r = await runChild({ CHILD_PRE: '1' });
  assert.match(r.error ?? '', /must run before any TensorFlow\.js backend is initialised, but 'cpu' already is/);
});
