import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSafetensors } from '../../models/io/safetensors.ts';
import { fixturesDir } from './fixtures.ts';

test('fixture tensors.safetensors opens and reads a tensor', () => {
  const src = openSafetensors(`${fixturesDir}/leffa-tiny/tensors.safetensors`);
  const t = src.read('vae/encode/image');
  assert.deepEqual(t.shape, [2, 3, 64, 48]);
  assert.equal((t.data as Float32Array).length, 2 * 3 * 64 * 48);
  src.close();
});
