// Builds tfjs's WebGPUBackend on our device and adapts it to Node and to the engine's needs:
//  - dataSync()/arraySync() work (synchronous read-back through Dawn's event pump, webgpu-readsync.ts);
//  - a buffer larger than the device allows fails at once with WebGPUOutOfMemoryError (WebGPU would
//    instead hand back an invalid buffer and report a validation error later);
//  - every kernel first checks that the device is not lost and has reported no error (webgpu-device.ts);
//  - a failed read-back caused by a lost device says so.
// These are instance patches on tfjs-backend-webgpu 4.22 internals (pinned in package.json); re-check
// them after upgrading it.
/// <reference types="@webgpu/types" />
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { assertUsable, currentRuntime, lostError, markLost, setCurrentRuntime, WebGPUOutOfMemoryError, type WebGPURuntime } from './webgpu-device.ts';
import { exposeGpu } from './webgpu-env.ts';
import { SyncReadError, waitForMappingSync } from './webgpu-readsync.ts';

/** The parts of WebGPUBackend (4.22) we use that its typings mark private or omit. */
export interface BackendInternals {
  device: GPUDevice;
  tensorMap: {
    get(dataId: object): {
      values?: tf.backend_util.BackendValues | null;
      dtype: tf.DataType;
      resource?: GPUBuffer | GPUTexture | GPUExternalTexture;
      complexTensorInfos?: { real: tf.TensorInfo; imag: tf.TensorInfo };
    };
  };
  bufferManager: {
    acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): GPUBuffer;
    releaseBuffer(buffer: GPUBuffer, reuse?: boolean): void;
    freeBuffers: Map<string, GPUBuffer[]>;
    numBytesUsed: number;
    numBytesAllocated: number;
    numFreeBuffers: number;
  };
  commandEncoder: GPUCommandEncoder | null;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  readSync(dataId: object): tf.backend_util.BackendValues;
  read(dataId: object): Promise<tf.backend_util.BackendValues>;
  runWebGPUProgram: WebGPUBackend['runWebGPUProgram'];
}

export function internals(backend: WebGPUBackend): BackendInternals {
  return backend as unknown as BackendInternals;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Submits whatever tfjs has encoded but not yet submitted (it batches dispatches). */
export function flushCommands(b: BackendInternals): void {
  b.ensureCommandEncoderReady();
  b.endComputePassEncoder();
  b.submitQueue();
}

function checkBufferSize(rt: WebGPURuntime, size: number, usage: number): void {
  const storage = (usage & GPUBufferUsage.STORAGE) !== 0;
  const limit = storage ? Math.min(rt.limits.maxBufferSize, rt.limits.maxStorageBufferBindingSize) : rt.limits.maxBufferSize;
  if (size > limit) {
    throw new WebGPUOutOfMemoryError(
      `a ${mib(size)} GPU buffer was needed, but ${rt.summary.name} allows at most ${mib(limit)} per ` +
        `${storage ? 'storage binding' : 'buffer'} (maxBufferSize ${mib(rt.limits.maxBufferSize)}, ` +
        `maxStorageBufferBindingSize ${mib(rt.limits.maxStorageBufferBindingSize)}); use a smaller image or attention chunk`,
    );
  }
}

function readBufferSync(b: BackendInternals, source: GPUBuffer): ArrayBuffer {
  const size = source.size;
  const staging = b.bufferManager.acquireBuffer(size, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
  b.ensureCommandEncoderReady();
  b.endComputePassEncoder();
  b.commandEncoder!.copyBufferToBuffer(source, 0, staging, 0, size);
  b.submitQueue();
  // The promise settles after we are done; its rejection is reported through mapState instead.
  staging.mapAsync(GPUMapMode.READ).catch(() => {});
  try {
    waitForMappingSync(staging);
  } catch (err) {
    b.bufferManager.releaseBuffer(staging, false);
    throw err;
  }
  const bytes = staging.getMappedRange().slice(0);
  staging.unmap();
  b.bufferManager.releaseBuffer(staging);
  return bytes;
}

/** tensor.dataSync() for Node: the same result and caching as the backend's async read(). */
function makeReadSync(rt: WebGPURuntime, b: BackendInternals) {
  return function readSync(dataId: object): tf.backend_util.BackendValues {
    const data = b.tensorMap.get(dataId);
    if (data.values != null || data.dtype === 'string') return data.values!;
    if (data.dtype === 'complex64') {
      const real = readSync(data.complexTensorInfos!.real.dataId) as Float32Array;
      const imag = readSync(data.complexTensorInfos!.imag.dataId) as Float32Array;
      data.values = tf.backend_util.mergeRealAndImagArrays(real, imag);
      return data.values;
    }
    if (!(data.resource instanceof GPUBuffer)) throw new Error('dataSync() on WebGPU supports buffer-backed tensors only; use data()');
    assertUsable(rt);
    let bytes: ArrayBuffer;
    try {
      bytes = readBufferSync(b, data.resource);
    } catch (err) {
      if (err instanceof SyncReadError && /could not be mapped/.test(err.message)) {
        markLost(rt, 'unknown', 'a read-back could not map its buffer');
        throw lostError(rt);
      }
      throw err;
    }
    data.values = tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype);
    return data.values;
  };
}

/** Waits briefly for device.lost to settle, so a failed read-back can say whether the device is gone. */
async function settleLost(rt: WebGPURuntime): Promise<void> {
  if (rt.lost) return;
  await Promise.race([rt.device.lost, new Promise((r) => setTimeout(r, 50))]);
  await Promise.resolve();
}

export function adaptBackend(rt: WebGPURuntime, backend: WebGPUBackend): WebGPUBackend {
  const b = internals(backend);
  const acquire = b.bufferManager.acquireBuffer.bind(b.bufferManager);
  b.bufferManager.acquireBuffer = (size, usage, mappedAtCreation, reuse) => {
    checkBufferSize(rt, size, usage);
    return acquire(size, usage, mappedAtCreation, reuse);
  };
  const run = b.runWebGPUProgram.bind(backend);
  b.runWebGPUProgram = (...args) => {
    assertUsable(rt);
    return run(...args);
  };
  const read = b.read.bind(backend);
  b.read = async (dataId) => {
    assertUsable(rt);
    try {
      return await read(dataId);
    } catch (err) {
      await settleLost(rt);
      if (rt.lost) throw lostError(rt);
      throw err;
    }
  };
  b.readSync = makeReadSync(rt, b);
  // tfjs's dispose() destroys the buffers but keeps the device; shutdownBackend() and recovery want the
  // whole device released. Marked lost first (quietly: not a fault) so nothing uses it afterwards.
  const dispose = backend.dispose.bind(backend);
  backend.dispose = () => {
    dispose();
    rt.lost ??= { reason: 'destroyed', message: 'the webgpu backend was disposed' };
    rt.device.destroy();
    if (currentRuntime() === rt) {
      setCurrentRuntime(undefined);
      exposeGpu(undefined);
    }
  };
  return backend;
}
