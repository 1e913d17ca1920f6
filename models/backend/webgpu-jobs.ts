// runGpuJob(): runs one engine job (a try-on, a parity record, a benchmark step) so that GPU faults
// fail *that* job with a clear error, and frees the GPU memory it pooled afterwards.
//
// WebGPU reports errors asynchronously. An 'out-of-memory' error scope pushed before the job and popped
// after it catches every allocation failure of the job's commands; the device.lost promise says whether
// the device died meanwhile. Validation and internal errors are left uncaptured on purpose: they reach
// the device's uncapturederror listener, and the next kernel fails at once (webgpu-device.ts) instead
// of the job computing on to its end. Off WebGPU this just runs the job.
/// <reference types="@webgpu/types" />
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { flushCommands, internals } from './webgpu-backend.ts';
import { assertUsable, classifyError, currentRuntime, faultError, lostError, type WebGPURuntime } from './webgpu-device.ts';
import { releaseWebGPUMemory } from './webgpu-memory.ts';

export interface GpuJobOptions {
  /** Destroy the pooled GPU buffers when the job ends (default true). */
  releaseMemory?: boolean;
}

async function popScope(device: GPUDevice): Promise<GPUError | null> {
  try {
    return await device.popErrorScope();
  } catch {
    return null; // lost device or unbalanced stack: the loss check below reports it
  }
}

/** Gives device.lost a moment to settle, so a job that failed because the device died says so. */
async function lostNow(rt: WebGPURuntime): Promise<boolean> {
  if (!rt.lost) await Promise.race([rt.device.lost, new Promise((r) => setTimeout(r, 20))]);
  await Promise.resolve();
  return rt.lost !== undefined;
}

export async function runGpuJob<T>(job: () => Promise<T> | T, opts: GpuJobOptions = {}): Promise<T> {
  const rt = currentRuntime();
  if (!rt || tf.engine().backendName !== 'webgpu') return job();
  assertUsable(rt);
  const { device } = rt;
  device.pushErrorScope('out-of-memory');
  let result: T | undefined;
  let failure: unknown;
  let failed = false;
  try {
    result = await job();
  } catch (err) {
    failed = true;
    failure = err;
  }
  const backend = tf.engine().registry.webgpu as unknown as WebGPUBackend | undefined;
  if (!rt.lost && backend && currentRuntime() === rt) flushCommands(internals(backend)); // submit what tfjs still batches
  const oom = await popScope(device);
  if (rt.lost || (failed && (await lostNow(rt)))) throw Object.assign(lostError(rt), failed ? { cause: failure } : {});
  if (oom) throw Object.assign(faultError(classifyError(oom)), failed ? { cause: failure } : {});
  // An uncaptured error raised by the job's last commands fails the job too, not the next one.
  if (rt.faults.length > 0) assertUsable(rt);
  if (failed) throw failure;
  if (opts.releaseMemory !== false) releaseWebGPUMemory();
  return result as T;
}
