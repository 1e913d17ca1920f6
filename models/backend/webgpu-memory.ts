// GPU memory on the WebGPU backend: what is in use, giving pooled buffers back after a job, and the
// attention chunk budget the device's buffer limits allow.
//
// tfjs-backend-webgpu never frees a GPU buffer on its own: a disposed tensor's buffer goes to a pool
// keyed by (size, usage) for reuse. That is fast within a job, but after a job at another image size
// the pool holds buffers nothing will reuse, so the host calls releaseWebGPUMemory() between jobs.
/// <reference types="@webgpu/types" />
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { flushCommands, internals } from './webgpu-backend.ts';
import { currentRuntime, type DeviceLimits } from './webgpu-device.ts';

/**
 * The engine's default attention budget (DEFAULT_MAX_SCORE_ELEMENTS in models/nn/attention.ts: 2^24
 * floats, 64 MiB). Repeated, not imported, so the backend layer does not load the engine.
 */
const ENGINE_DEFAULT_MAX_SCORE_ELEMENTS = 2 ** 24;

/**
 * The largest score-matrix chunk (floats) the plain attention path may build on this device: one chunk
 * is one GPU buffer bound as storage, so it must fit both maxBufferSize and maxStorageBufferBindingSize.
 * Never more than the engine's default, which bounds memory on every backend.
 */
export function maxScoreElementsFor(limits: Pick<DeviceLimits, 'maxBufferSize' | 'maxStorageBufferBindingSize'>): number {
  const bytes = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  return Math.max(1, Math.min(ENGINE_DEFAULT_MAX_SCORE_ELEMENTS, Math.floor(bytes / 4)));
}

/** The `maxScoreElements` to pass to pipelines on the current WebGPU device, or undefined off WebGPU. */
export function webgpuMaxScoreElements(): number | undefined {
  const rt = currentRuntime();
  return rt && tf.engine().backendName === 'webgpu' ? maxScoreElementsFor(rt.limits) : undefined;
}

export interface WebGPUMemory {
  /** The adapter the tensors live on. */
  adapter: string;
  /** Bytes of GPU buffers holding live tensors (and in-flight uniforms/staging). */
  gpuBytesInUse: number;
  /** Bytes of GPU buffers allocated, including the reuse pool. */
  gpuBytesAllocated: number;
  /** Of those, bytes sitting in the reuse pool (freed by releaseWebGPUMemory()). */
  gpuBytesPooled: number;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** Whether the device has been lost (its tensors are gone). */
  deviceLost: boolean;
}

/** The webgpu part of memoryReport(); `backend` is tfjs's registry entry for 'webgpu'. */
export function webgpuMemory(backend: unknown): WebGPUMemory | undefined {
  const rt = currentRuntime();
  const manager = (backend as { bufferManager?: { numBytesUsed: number; numBytesAllocated: number } } | undefined)?.bufferManager;
  if (!rt || !manager) return undefined;
  return {
    adapter: rt.summary.name,
    gpuBytesInUse: manager.numBytesUsed,
    gpuBytesAllocated: manager.numBytesAllocated,
    gpuBytesPooled: manager.numBytesAllocated - manager.numBytesUsed,
    maxBufferSize: rt.limits.maxBufferSize,
    maxStorageBufferBindingSize: rt.limits.maxStorageBufferBindingSize,
    deviceLost: rt.lost !== undefined,
  };
}

/**
 * Destroys the pooled (unused) GPU buffers of the active WebGPU backend after submitting pending work;
 * live tensors (e.g. the model's weights) are untouched. Returns the bytes given back; 0 off WebGPU.
 */
export function releaseWebGPUMemory(): number {
  const engine = tf.engine();
  if (engine.backendName !== 'webgpu') return 0;
  const b = internals(engine.backend as unknown as WebGPUBackend);
  if (currentRuntime()?.lost) return 0;
  // Disposed tensors' buffers reach the pool only when the queue is submitted.
  flushCommands(b);
  const manager = b.bufferManager;
  let released = 0;
  for (const buffers of manager.freeBuffers.values()) {
    for (const buffer of buffers) {
      released += buffer.size;
      buffer.destroy();
    }
    // Keep the (now empty) entries: releaseBuffer() silently does nothing when the map is empty.
    buffers.length = 0;
  }
  manager.numFreeBuffers = 0;
  manager.numBytesAllocated -= released;
  return released;
}
