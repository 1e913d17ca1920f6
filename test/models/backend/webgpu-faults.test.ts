// GPU faults on the WebGPU backend (SwiftShader here): memory is reported and freed after a job; a
// tensor too large for the device and an out-of-memory error fail the operation with a clear error; a
// device destroyed mid-run fails the running job, and after recoverFromDeviceLoss() the next job
// succeeds, on a new device or (when none can be made) on the wasm backend, which the result says.
// One process: the tests run in order and share the backend.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../../models/tf.ts';
import { initBackend, memoryReport } from '../../../models/backend/index.ts';
import { currentRuntime, WebGPUDeviceLostError, WebGPUOutOfMemoryError } from '../../../models/backend/webgpu-device.ts';
import { runGpuJob } from '../../../models/backend/webgpu-jobs.ts';
import { releaseWebGPUMemory, webgpuMaxScoreElements } from '../../../models/backend/webgpu-memory.ts';
import { recoverFromDeviceLoss } from '../../../models/backend/webgpu-recovery.ts';
import { webgpuTestHooks } from '../../../models/backend/webgpu-test-hooks.ts';

const A = [[1, 2], [3, 4]];
const B = [[5, 6], [7, 8]];
const AB = [19, 22, 43, 50];

/** A small "model" job: weights uploaded, a few steps with awaits between them (like sampling steps). */
async function job(steps: number, onStep?: (i: number) => void): Promise<number[]> {
  const [a, b] = [tf.tensor2d(A), tf.tensor2d(B)];
  try {
    let out: number[] = [];
    for (let i = 0; i < steps; i++) {
      onStep?.(i);
      const y = tf.tidy(() => tf.matMul(tf.fill([2, 2], 1).mul(a), b).relu()); // fill: made on the GPU
      out = Array.from(await y.data());
      y.dispose();
    }
    return out;
  } finally {
    tf.dispose([a, b]);
  }
}

before(async () => {
  const info = await initBackend({ backend: 'webgpu', log: () => {} });
  assert.equal(info.name, 'webgpu');
});

test('GPU memory: reported while tensors live, pooled buffers given back after a job', async () => {
  const before = memoryReport().webgpu!;
  const keep = tf.fill([1024, 256], 2); // 1 MiB made on the GPU
  keep.dataSync();
  const during = memoryReport().webgpu!;
  assert.ok(during.gpuBytesInUse - before.gpuBytesInUse >= 2 ** 20, `in use grew by ${during.gpuBytesInUse - before.gpuBytesInUse}`);
  keep.dispose();
  assert.deepEqual(await runGpuJob(() => job(3)), AB);
  const after = memoryReport().webgpu!;
  assert.equal(after.gpuBytesPooled, 0, 'runGpuJob released the pool');
  assert.equal(after.gpuBytesAllocated, after.gpuBytesInUse);
  assert.equal(releaseWebGPUMemory(), 0);
  assert.equal(webgpuMaxScoreElements(), Math.min(2 ** 24, Math.floor(Math.min(after.maxBufferSize, after.maxStorageBufferBindingSize) / 4)));
});

test('a tensor larger than the device allows fails at once with WebGPUOutOfMemoryError; the next op works', async () => {
  const { maxBufferSize, maxStorageBufferBindingSize } = currentRuntime()!.limits;
  const tooMany = Math.min(maxBufferSize, maxStorageBufferBindingSize) / 4 + 1024;
  assert.throws(() => tf.fill([tooMany], 1), (err: Error) => {
    assert.ok(err instanceof WebGPUOutOfMemoryError);
    assert.match(err.message, /GPU buffer was needed, but .* allows at most .*maxBufferSize/);
    return true;
  });
  assert.deepEqual(await job(1), AB);
});

test('an out-of-memory error reported by the device fails that job with WebGPUOutOfMemoryError', async () => {
  const device = currentRuntime()!.device;
  const pop = device.popErrorScope.bind(device);
  // SwiftShader would really allocate host memory to run out; stand in for the driver's report instead.
  class GPUOutOfMemoryError {
    message = 'simulated: not enough memory to allocate the buffer';
  }
  device.popErrorScope = async () => {
    await pop();
    return new GPUOutOfMemoryError() as unknown as GPUError;
  };
  try {
    await assert.rejects(runGpuJob(() => job(1)), (err: Error) => err instanceof WebGPUOutOfMemoryError && /ran out of memory: simulated/.test(err.message));
  } finally {
    device.popErrorScope = pop;
  }
  assert.deepEqual(await runGpuJob(() => job(1)), AB);
});

test('a validation error fails the next operation with a clear error, once', async () => {
  const device = currentRuntime()!.device;
  device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE }); // invalid usage mix
  await new Promise((r) => setTimeout(r, 20)); // the uncaptured error event arrives asynchronously
  assert.throws(() => tf.fill([64, 64], 1).dataSync(), /WebGPU validation error/);
  assert.deepEqual(await job(1), AB);
});

test('a device destroyed mid-run fails the job with WebGPUDeviceLostError; after recovery the next job succeeds', async (t) => {
  const lostDevice = currentRuntime()!.device;
  const running = runGpuJob(() => job(50, (i) => { if (i === 3) setTimeout(() => lostDevice.destroy(), 0); }));
  await assert.rejects(running, (err: Error) => {
    assert.ok(err instanceof WebGPUDeviceLostError, `${err.name}: ${err.message}`);
    assert.match(err.message, /was lost \(destroyed.*recoverFromDeviceLoss\(\)/);
    return true;
  });
  assert.equal(memoryReport().webgpu?.deviceLost, true);
  assert.throws(() => tf.fill([8], 1).dataSync(), WebGPUDeviceLostError, 'nothing runs on a lost device');

  const r = await recoverFromDeviceLoss();
  t.diagnostic(r.message);
  assert.equal(r.backend, 'webgpu');
  assert.equal(r.recreated, true);
  assert.notEqual(currentRuntime()!.device, lostDevice);
  assert.equal(tf.getBackend(), 'webgpu');
  assert.deepEqual(await runGpuJob(() => job(2)), AB);
  assert.equal(memoryReport().webgpu?.deviceLost, false);
});

test('when no new device can be made, recovery falls back to wasm and says so', async (t) => {
  currentRuntime()!.device.destroy();
  await assert.rejects(job(1), WebGPUDeviceLostError);
  webgpuTestHooks.failRecreate = true;
  try {
    const r = await recoverFromDeviceLoss();
    t.diagnostic(r.message);
    assert.equal(r.backend, 'wasm');
    assert.equal(r.recreated, false);
    assert.match(r.message, /could not be re-created \(simulated.*\); fell back to the wasm backend/);
  } finally {
    webgpuTestHooks.failRecreate = false;
  }
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(await runGpuJob(() => job(1)), AB);
  assert.equal(memoryReport().webgpu, undefined);
});
