// Device faults during an engine job (a cell): the job fails with a clear message that says what the
// host did about it, and the next job finds a working backend.
// - Device lost (driver reset, GPU removed, device.destroy()): the model is dropped (its tensors were on
//   the lost device), a new device is made on a fresh adapter, or, failing that, the wasm/cpu backend
//   starts (recoverFromDeviceLoss); the engine's info then reports the new backend and adapter.
// - Out of memory: the model is dropped so the retry starts from an empty device.
// The error keeps its name (WebGPUDeviceLostError / WebGPUOutOfMemoryError): the queue retries such a
// cell once by itself, since the fault was the device's, not the cell's.
import type { BackendInfo } from './types.ts';
import { currentRuntime, markLost } from './webgpu-device.ts';
import { recoverFromDeviceLoss, type RecoveryResult } from './webgpu-recovery.ts';
import { webgpuTestHooks } from './webgpu-test-hooks.ts';

/** Error names of device faults: the cell is not to blame, a retry is expected to work. */
export const DEVICE_FAULT_NAMES: readonly string[] = ['WebGPUDeviceLostError', 'WebGPUOutOfMemoryError'];

export function isDeviceFault(err: unknown): boolean {
  return DEVICE_FAULT_NAMES.includes((err as { name?: string } | null)?.name ?? '');
}

let lastRecovery: RecoveryResult | null = null;

/** The backend info as it is now: after a recovery, the new device's adapter or the fallback backend. */
export function liveBackendInfo(info: BackendInfo): BackendInfo {
  if (!lastRecovery) return info;
  const { adapter: _old, ...rest } = info;
  return {
    ...rest,
    name: lastRecovery.backend,
    ...(lastRecovery.adapter !== undefined && { adapter: lastRecovery.adapter }),
    fallbackReasons: lastRecovery.recreated ? info.fallbackReasons : [...info.fallbackReasons, lastRecovery.message],
  };
}

export interface DeviceRecoveryOptions {
  /** Frees the loaded model (its tensors are gone with the device, or take the memory). */
  release: () => void;
  log?: (line: string) => void;
}

/** Runs `job`; on a device fault recovers as above and rethrows the fault, its message saying what was done. */
export async function withDeviceRecovery<T>(job: () => Promise<T>, opts: DeviceRecoveryOptions): Promise<T> {
  try {
    return await job();
  } catch (err) {
    const rt = currentRuntime();
    const lost = (err as Error | null)?.name === 'WebGPUDeviceLostError' || rt?.lost !== undefined;
    if (!lost && !isDeviceFault(err)) throw err;
    try {
      opts.release();
    } catch {
      // The lost device's buffers cannot be freed; the backend is dropped with them anyway.
    }
    let action: string;
    if (lost) {
      try {
        lastRecovery = await recoverFromDeviceLoss();
        action = lastRecovery.recreated
          ? `the host re-created the WebGPU device on ${lastRecovery.adapter}`
          : lastRecovery.message.replace(/; reload the model$/, '').replace(/^WebGPU device lost and /, 'the device ').replace(/fell back/, 'the host fell back');
      } catch (e) {
        action = `the host could not bring a backend back (${(e as Error).message.split('\n')[0]})`;
      }
    } else {
      action = 'the host unloaded the model to free GPU memory';
    }
    const what = lost
      ? `the WebGPU device${rt ? ` (${rt.summary.name})` : ''} was lost${rt?.lost ? ` (${rt.lost.reason}${rt.lost.message ? `: ${rt.lost.message}` : ''})` : ''} while running this cell`
      : `the GPU ran out of memory while running this cell (${((err as Error).message ?? '').split('\n')[0]})`;
    const out = new Error(`${what}; ${action}. The cell is retried.`);
    out.name = lost ? 'WebGPUDeviceLostError' : 'WebGPUOutOfMemoryError';
    opts.log?.(`[engine] ${out.message}`);
    throw out;
  }
}

/** Test hook (webgpu-test-hooks.ts): called when a job reports step `step` done. */
export function deviceTestStep(step: number): void {
  if (webgpuTestHooks.destroyDeviceAtStep !== step) return;
  webgpuTestHooks.destroyDeviceAtStep = undefined;
  const rt = currentRuntime();
  if (!rt) return;
  rt.device.destroy();
  // device.lost settles asynchronously; mark it now so the very next kernel fails, as a real loss would soon.
  markLost(rt, 'destroyed', 'device.destroy() by a test hook');
}
