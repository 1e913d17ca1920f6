// Synchronous read-back on WebGPU under Node (webgpu-readsync.ts): dataSync() returns the right values,
// also while an async read is in flight and for multi-MiB tensors, and the setImmediate wrapper it needs
// leaves everyone else's setImmediate calls alone.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import * as tf from '../../../models/tf.ts';
import { initBackend } from '../../../models/backend/index.ts';

before(async () => {
  const info = await initBackend({ backend: 'webgpu', log: () => {} });
  assert.equal(info.name, 'webgpu');
});

test('dataSync() reads GPU results, repeatedly, matching data()', async () => {
  for (let i = 0; i < 10; i++) {
    const y = tf.tidy(() => tf.range(0, 1000).mul(i).add(tf.fill([1000], 1)));
    const sync = y.dataSync();
    assert.equal(sync[999], 999 * i + 1);
    assert.deepEqual(Array.from(await y.data()), Array.from(sync));
    y.dispose();
  }
});

test('dataSync() while an async read is still pending: both complete with the right values', async () => {
  const a = tf.tidy(() => tf.fill([4096], 3).square());
  const b = tf.tidy(() => tf.fill([4096], 2).sqrt());
  const pending = a.data();
  const sync = b.dataSync();
  assert.ok(Math.abs(sync[0]! - Math.SQRT2) < 1e-6);
  assert.equal((await pending)[4095], 9);
  tf.dispose([a, b]);
});

test('a 4 MiB tensor reads back exactly', () => {
  const n = 2 ** 20;
  const y = tf.tidy(() => tf.range(0, n, 1, 'float32').mod(977));
  const v = y.dataSync();
  assert.equal(v.length, n);
  for (const i of [0, 1, 976, 977, n - 1]) assert.equal(v[i], i % 977);
  y.dispose();
});

test('setImmediate still works for everyone else (callbacks, arguments, promisify, clearImmediate)', async () => {
  const seen: unknown[] = [];
  await new Promise<void>((resolve) => setImmediate((x: number, y: string) => { seen.push(x, y); resolve(); }, 1, 'two'));
  assert.deepEqual(seen, [1, 'two']);
  assert.equal(await promisify(setImmediate)('value'), 'value');
  let ran = false;
  const handle = setImmediate(() => { ran = true; });
  clearImmediate(handle);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(ran, false);
});
