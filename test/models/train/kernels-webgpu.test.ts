// Training kernels on WebGPU (SwiftShader here: LEFFA_BACKEND=webgpu falls back to it without a GPU).
// AddN binds one storage buffer per input; a WebGPU device caps them per shader stage, so the wrapped AddN
// (models/train/kernels/addn-chunked.ts) must give the stock kernel's sum for any number of inputs, both
// called directly and as the gradient of a tensor used by many ops (the tape sums those with one AddN).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../../models/tf.ts';
import { initBackend } from '../../../models/backend/index.ts';
import { currentRuntime } from '../../../models/backend/webgpu-device.ts';
import { addNGroupSize } from '../../../models/train/kernels/addn-chunked.ts';
import { registerTrainingKernels } from '../../../models/train/kernels/register.ts';

let limit = 0;

before(async () => {
  await initBackend({ backend: 'webgpu', log: () => {} });
  registerTrainingKernels();
  limit = (tf.backend() as unknown as { device: GPUDevice }).device.limits.maxStorageBuffersPerShaderStage;
});

test('the device is opened with the adapter\'s storage-buffer limit, not WebGPU\'s default', () => {
  const rt = currentRuntime()!;
  assert.equal(rt.device.limits.maxStorageBuffersPerShaderStage, rt.adapter.limits.maxStorageBuffersPerShaderStage);
  assert.equal(limit, rt.adapter.limits.maxStorageBuffersPerShaderStage);
});

test('addN over 3 groups + 2 inputs (more storage buffers than one shader may bind) equals the exact sum', () => {
  const before = tf.memory().numTensors;
  const n = 3 * addNGroupSize(limit) + 2;
  // input i = [i, -2i, 0.5i, 1]: the sums are exact in float32
  const xs = Array.from({ length: n }, (_, i) => tf.tensor1d([i, -2 * i, 0.5 * i, 1]));
  const s = tf.addN(xs);
  const T = (n * (n - 1)) / 2;
  assert.deepEqual(Array.from(s.dataSync()), [T, -2 * T, 0.5 * T, n]);
  tf.dispose([s, ...xs]);
  assert.equal(tf.memory().numTensors, before);
});

test('gradient of a tensor used by 2·limit ops: the tape\'s AddN sums all of them', () => {
  const before = tf.memory().numTensors;
  const uses = 2 * limit;
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  // f(x) = Σ_k k · sum(x)  →  df/dx = Σ_k k = uses(uses + 1)/2 everywhere
  const g = tf.grad((v: tf.Tensor) => tf.addN(Array.from({ length: uses }, (_, k) => v.mul(k + 1).sum())) as tf.Scalar)(x);
  const want = (uses * (uses + 1)) / 2;
  assert.deepEqual(Array.from(g.dataSync()), [want, want, want, want]);
  tf.dispose([g, x]);
  assert.equal(tf.memory().numTensors, before);
});
