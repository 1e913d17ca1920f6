import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useTestBackend, expectNoLeak } from './tf.ts';

test('tf backend initialises and computes a matMul', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const v = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0]);
    assert.equal(v, 11);
  });
});
