// The live WebGPU device behind tfjs's 'webgpu' backend, and what has gone wrong with it.
// WebGPU reports faults asynchronously (the device.lost promise, uncaptured error events), while tfjs
// runs kernels synchronously; so faults are recorded here and the next kernel (or read-back) throws a
// clear error (WebGPUDeviceLostError / WebGPUOutOfMemoryError) instead of computing garbage.
/// <reference types="@webgpu/types" />
import { summarizeAdapter, type AdapterSummary } from './webgpu-adapter.ts';

export class WebGPUDeviceLostError extends Error {
  override name = 'WebGPUDeviceLostError';
}

export class WebGPUOutOfMemoryError extends Error {
  override name = 'WebGPUOutOfMemoryError';
}

/** The limits the engine plans with (attention chunks, largest tensor), as granted to the device. */
export interface DeviceLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupsPerDimension: number;
}

export interface GpuFault {
  kind: 'out-of-memory' | 'validation' | 'internal' | 'unknown';
  message: string;
}

export interface WebGPURuntime {
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
  summary: AdapterSummary;
  limits: DeviceLimits;
  /** Set once the device is lost: by the device.lost promise, or by a read-back that failed. */
  lost?: { reason: string; message: string };
  /** Errors raised outside any error scope, not yet reported to a caller. */
  faults: GpuFault[];
}

let current: WebGPURuntime | undefined;
const lostListeners = new Set<(rt: WebGPURuntime) => void>();

export function currentRuntime(): WebGPURuntime | undefined {
  return current;
}

export function setCurrentRuntime(rt: WebGPURuntime | undefined): void {
  current = rt;
}

/** Calls `listener` when the current device is lost (e.g. to tell the UI). Returns an unsubscribe function. */
export function onDeviceLost(listener: (rt: WebGPURuntime) => void): () => void {
  lostListeners.add(listener);
  return () => lostListeners.delete(listener);
}

export function classifyError(err: unknown): GpuFault {
  const type = (err as { constructor?: { name?: string } } | null)?.constructor?.name ?? '';
  const message = (err as { message?: string } | null)?.message ?? String(err);
  if (type === 'GPUOutOfMemoryError') return { kind: 'out-of-memory', message };
  if (type === 'GPUValidationError') return { kind: 'validation', message };
  if (type === 'GPUInternalError') return { kind: 'internal', message };
  return { kind: 'unknown', message };
}

export function markLost(rt: WebGPURuntime, reason: string, message: string): void {
  if (rt.lost) return;
  rt.lost = { reason, message };
  for (const listener of lostListeners) {
    try {
      listener(rt);
    } catch {
      // A listener's failure must not hide the loss from the others.
    }
  }
}

export function lostError(rt: WebGPURuntime): WebGPUDeviceLostError {
  const why = rt.lost ? `${rt.lost.reason}${rt.lost.message ? `: ${rt.lost.message}` : ''}` : 'unknown reason';
  return new WebGPUDeviceLostError(
    `the WebGPU device (${rt.summary.name}) was lost (${why}); tensors on it are gone. ` +
      'Call recoverFromDeviceLoss() and reload the model.',
  );
}

export function faultError(fault: GpuFault): Error {
  if (fault.kind === 'out-of-memory') return new WebGPUOutOfMemoryError(`the GPU ran out of memory: ${fault.message}`);
  return new Error(`WebGPU ${fault.kind} error: ${fault.message}`);
}

/**
 * Throws if the device is lost or reported an error since the last check. A fault is reported once:
 * the operation that meets it fails, later ones run (the engine drops that job's tensors).
 */
export function assertUsable(rt: WebGPURuntime): void {
  if (rt.lost) throw lostError(rt);
  const fault = rt.faults.shift();
  if (fault) {
    rt.faults.length = 0;
    throw faultError(fault);
  }
}

function readLimits(device: GPUDevice): DeviceLimits {
  const l = device.limits;
  return {
    maxBufferSize: Number(l.maxBufferSize),
    maxStorageBufferBindingSize: Number(l.maxStorageBufferBindingSize),
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
  };
}

/**
 * Opens a device on `adapter` with the adapter's full buffer, workgroup and storage-buffer limits (the
 * defaults are 128-256 MiB buffers, too small for full-size activations, and 8 storage buffers per
 * shader), and wires loss and error reporting.
 */
export async function openDevice(gpu: GPU, adapter: GPUAdapter): Promise<WebGPURuntime> {
  const a = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: {
      maxBufferSize: a.maxBufferSize,
      maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: a.maxComputeWorkgroupsPerDimension,
      maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
      // default 8; kernels that bind one buffer per input (AddN, Concat) need more (16 on an NVIDIA H200)
      maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
    },
  });
  const rt: WebGPURuntime = { gpu, adapter, device, summary: summarizeAdapter(adapter), limits: readLimits(device), faults: [] };
  void device.lost.then((info) => markLost(rt, info.reason ?? 'unknown', info.message ?? ''));
  device.addEventListener('uncapturederror', (event) => {
    rt.faults.push(classifyError((event as GPUUncapturedErrorEvent).error));
    // Handled: it is thrown by the next kernel. Without this Dawn also prints it to stderr.
    event.preventDefault();
  });
  return rt;
}
