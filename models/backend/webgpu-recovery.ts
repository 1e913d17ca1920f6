// recoverFromDeviceLoss(): what the engine host calls after a WebGPUDeviceLostError (driver reset, GPU
// removed, laptop switching GPUs, device.destroy()). Every tensor on the lost device is gone, so the
// host must reload the model afterwards; this function only brings a working backend back:
//   1. a new device on a freshly requested adapter (an adapter hands out one device only), or
//   2. if that fails, the wasm backend, then cpu, saying so in the result.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resolveSettings } from './settings.ts';
import { startWasm } from './wasm.ts';
import { currentRuntime } from './webgpu-device.ts';
import { webgpuTestHooks } from './webgpu-test-hooks.ts';
import { deactivateWebGPU, restartWebGPU } from './webgpu.ts';

export interface RecoveryResult {
  /** The active backend now: 'webgpu' when the device was re-created, else the fallback's name. */
  backend: string;
  /** The new device's adapter, when WebGPU was re-created. */
  adapter?: string;
  recreated: boolean;
  /** One line for the log and the status bar. */
  message: string;
}

export interface RecoveryOptions {
  /** Accept a software adapter for the new device. Default: whether the lost one was software. */
  allowSoftware?: boolean;
  /** Fall back to wasm/cpu when no WebGPU device can be made (default true); false rethrows instead. */
  fallback?: boolean;
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

async function startFallback(): Promise<string> {
  const failures: string[] = [];
  try {
    const s = resolveSettings({ backend: 'wasm' }, { ...process.env, LEFFA_BACKEND: 'wasm' });
    await startWasm(s.threads, s.threadedAllowed);
    return 'wasm';
  } catch (err) {
    failures.push(message(err));
  }
  if (await tf.setBackend('cpu')) return 'cpu';
  throw new Error(`no fallback backend could start: ${failures.join('; ')}; cpu failed too`);
}

export async function recoverFromDeviceLoss(opts: RecoveryOptions = {}): Promise<RecoveryResult> {
  const old = currentRuntime();
  const allowSoftware = opts.allowSoftware ?? old?.summary.software ?? true;
  // Drop the old backend (its buffers belong to the dead device) before anything else starts.
  deactivateWebGPU();
  try {
    old?.device.destroy();
  } catch {
    // Already destroyed or lost: nothing to release.
  }
  let reason: string;
  try {
    if (webgpuTestHooks.failRecreate) throw new Error('simulated: no WebGPU device could be re-created (test hook)');
    const rt = await restartWebGPU(allowSoftware);
    return {
      backend: 'webgpu',
      adapter: rt.summary.name,
      recreated: true,
      message: `WebGPU device re-created on ${rt.summary.name}; reload the model (tensors on the lost device are gone)`,
    };
  } catch (err) {
    if (opts.fallback === false) throw err;
    reason = message(err);
  }
  const backend = await startFallback();
  return {
    backend,
    recreated: false,
    message: `WebGPU device lost and could not be re-created (${reason}); fell back to the ${backend} backend; reload the model`,
  };
}
