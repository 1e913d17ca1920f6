// WebGPU in the backend selector: LEFFA_BACKEND=webgpu starts it (on SwiftShader when there is no GPU,
// set up automatically) with results matching the cpu backend, the adapter named, GPU memory reported and
// a process that exits by itself; 'auto' skips it here with a reason. Plus the pure pieces: adapter
// classification and the attention budget from buffer limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChild, floats, type ChildResult } from './run-child.ts';
import { summarizeAdapter } from '../../../models/backend/webgpu-adapter.ts';
import { maxScoreElementsFor } from '../../../models/backend/webgpu-memory.ts';

/** max |a - b| / max |b|. */
function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

let forced: Promise<[ChildResult, ChildResult]> | undefined;
function webgpuAndCpu() {
  forced ??= Promise.all([
    runChild({ LEFFA_BACKEND: 'webgpu', CHILD_OPS: '1', CHILD_ALLOC_MB: '16', CHILD_SHUTDOWN: '1' }, 30_000),
    runChild({ LEFFA_BACKEND: 'cpu', CHILD_OPS: '1' }, 30_000),
  ]);
  return forced;
}

test('LEFFA_BACKEND=webgpu starts WebGPU and names the adapter', async () => {
  const [gpu] = await webgpuAndCpu();
  assert.equal(gpu.error, undefined);
  assert.equal(gpu.info?.name, 'webgpu');
  assert.equal(gpu.info?.requested, 'webgpu');
  assert.equal(gpu.info?.package, '@tensorflow/tfjs-backend-webgpu');
  assert.match(gpu.logs[0] ?? '', /backend: webgpu \(@tensorflow\/tfjs-backend-webgpu/);
  // The adapter's name reaches the report either way: BackendInfo.adapter (once init.ts copies it from
  // the candidate) and the memory report.
  if (gpu.info?.adapter !== undefined) assert.equal(gpu.info.adapter, gpu.memory?.webgpu?.adapter);
  assert.ok(gpu.memory?.webgpu?.adapter, 'adapter name in memoryReport');
  if (/swiftshader/i.test(gpu.memory!.webgpu!.adapter)) {
    assert.match(gpu.info!.fallbackReasons.join('; '), /software adapter \(SwiftShader/);
  }
});

test('WebGPU gives the cpu backend\'s matMul 256^3 and 3x3 conv2d (dataSync works under Node)', async (t) => {
  const [gpu, cpu] = await webgpuAndCpu();
  for (const op of ['matMul', 'conv2d'] as const) {
    const rel = maxRelDiff(floats(gpu.results![op]), floats(cpu.results![op]));
    t.diagnostic(`${op}: max relative difference ${rel.toExponential(2)}`);
    assert.ok(rel <= 1e-5, `${op} differs: ${rel}`);
  }
});

test('memoryReport shows GPU bytes in use and the device limits; the process exits by itself', async () => {
  const [gpu] = await webgpuAndCpu();
  const m = gpu.memory!;
  assert.equal(m.backend, 'webgpu');
  assert.equal(m.numTensors, 1);
  assert.equal(m.numBytes, 16 * 2 ** 20);
  const w = m.webgpu!;
  // The child's tf.zeros tensor stays in host memory until a kernel uses it, so it is not counted here
  // (webgpu-faults.test.ts checks GPU bytes of tensors made on the GPU); the ops' buffers are pooled.
  assert.ok(w.gpuBytesAllocated >= w.gpuBytesInUse && w.gpuBytesAllocated > 0);
  assert.equal(w.gpuBytesPooled, w.gpuBytesAllocated - w.gpuBytesInUse);
  assert.ok(w.maxBufferSize >= 2 ** 27 && w.maxStorageBufferBindingSize >= 2 ** 27);
  assert.equal(w.deviceLost, false);
  // shutdownBackend() ran last (it destroys the device); runChild rejects a child still alive after its timeout.
  assert.ok(gpu.ms < 30_000);
});

test("'auto' does not pick a missing or software WebGPU adapter, and says why", async () => {
  const r = await runChild({}, 30_000);
  if (r.info?.name === 'webgpu') return; // a real GPU adapter: auto is right to take it
  const reason = r.info?.fallbackReasons.find((x) => x.startsWith('webgpu:'));
  assert.match(reason ?? '', /^webgpu: (no WebGPU adapter found|only a software adapter)/);
  assert.ok(!r.stderr.includes("Couldn't load Vulkan"), 'no Dawn warning when there is no Vulkan loader');
});

test('adapters: SwiftShader, llvmpipe and fallback adapters are software; a GPU is not', () => {
  const adapter = (info: Record<string, unknown>) => ({ info }) as unknown as Parameters<typeof summarizeAdapter>[0];
  const swift = summarizeAdapter(adapter({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true }));
  assert.deepEqual([swift.name, swift.software], ['SwiftShader driver 5.0.0', true]);
  assert.equal(summarizeAdapter(adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).software, true);
  assert.equal(summarizeAdapter(adapter({ vendor: 'x', description: 'y', isFallbackAdapter: true })).software, true);
  const nv = summarizeAdapter(adapter({ vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070' }));
  assert.deepEqual([nv.name, nv.software], ['NVIDIA GeForce RTX 4070', false]);
  assert.equal(summarizeAdapter(adapter({ vendor: 'apple', architecture: 'metal-3' })).name, 'apple metal-3');
});

test('attention chunks fit one storage binding, never above the engine default', () => {
  assert.equal(maxScoreElementsFor({ maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 }), 2 ** 24);
  // WebGPU's guaranteed minimum binding (128 MiB) still allows the default 2^24 floats (64 MiB).
  assert.equal(maxScoreElementsFor({ maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 }), 2 ** 24);
  assert.equal(maxScoreElementsFor({ maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 25 }), 2 ** 23);
  assert.equal(maxScoreElementsFor({ maxBufferSize: 2 ** 22, maxStorageBufferBindingSize: 2 ** 30 }), 2 ** 20);
});
