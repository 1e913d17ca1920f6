// Test helper: picks the TF.js backend for a test file (LEFFA_TEST_BACKEND, default wasm) and
// checks tensor bookkeeping. Engine tests must leave tf.memory().numTensors where they found it.
import * as tf from '@tensorflow/tfjs-core';
import '../../models/tf.ts';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';

export async function useTestBackend(name = process.env.LEFFA_TEST_BACKEND ?? 'wasm'): Promise<string> {
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    assert.ok(ok, `backend ${name} failed to initialise`);
  }
  await tf.ready();
  return tf.getBackend();
}

/** Runs fn and asserts that it leaves the number of live tensors unchanged. */
export async function expectNoLeak<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  assert.equal(tf.memory().numTensors, before, 'tensor leak: numTensors changed');
  return out;
}

export { tf };
