// The WebGPU candidate of the backend selector: Dawn for Node + @tensorflow/tfjs-backend-webgpu.
//
// 'auto' takes WebGPU only on a real GPU adapter; a software adapter (SwiftShader & co, ~0.2 GFLOP/s)
// is skipped with a reason. LEFFA_BACKEND=webgpu takes whatever adapter there is, and on Linux without
// one sets up SwiftShader from Debian's chromium package (webgpu-env.ts).
/// <reference types="@webgpu/types" />
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { registerFlashAttentionKernel } from '../kernels/webgpu/flash-attention.ts';
import { summarizeAdapter } from './webgpu-adapter.ts';
import { adaptBackend } from './webgpu-backend.ts';
import { openDevice, setCurrentRuntime, type WebGPURuntime } from './webgpu-device.ts';
import { createGpu, ensureVulkanLoader, exposeGpu, useSoftwareVulkan } from './webgpu-env.ts';
import { installDawnEventPump } from './webgpu-readsync.ts';

export const WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu';
/** tfjs picks the highest priority when nothing is set; we always set it explicitly. */
const WEBGPU_PRIORITY = 3;

export interface WebGPUStart {
  /** The adapter's name, e.g. 'NVIDIA GeForce RTX 4070' or 'SwiftShader driver 5.0.0'. */
  adapter: string;
  software: boolean;
  reasons: string[];
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

type WebGPUModule = typeof import('@tensorflow/tfjs-backend-webgpu');

async function loadTfjsWebGPU(): Promise<WebGPUModule> {
  const spec = WEBGPU_PACKAGE;
  try {
    return (await import(spec)) as WebGPUModule;
  } catch (err) {
    throw new Error(`${WEBGPU_PACKAGE} failed to load: ${message(err)}`, { cause: err });
  }
}

async function requestAdapter(gpu: GPU): Promise<GPUAdapter | null> {
  return gpu.requestAdapter({ powerPreference: 'high-performance' });
}

interface Found {
  gpu: GPU;
  adapter: GPUAdapter;
  notes: string[];
}

/** A real adapter if there is one; with `allowSoftware`, SwiftShader set up on demand. */
async function findAdapter(allowSoftware: boolean): Promise<Found> {
  // Without a Vulkan loader Dawn finds nothing on Linux (and prints a warning): do not even ask then.
  const loader = ensureVulkanLoader();
  if (loader !== undefined) {
    const gpu = await createGpu();
    const adapter = await requestAdapter(gpu);
    if (adapter) return { gpu, adapter, notes: [] };
  }
  if (!allowSoftware) throw new Error(`webgpu: no WebGPU adapter found${loader === undefined ? ' (no Vulkan loader, libvulkan.so.1)' : ''}`);
  const notes = useSoftwareVulkan();
  const gpu = await createGpu(); // a new Dawn instance reads the variables just set
  const adapter = await requestAdapter(gpu);
  if (adapter) return { gpu, adapter, notes };
  // A worker thread's process.env is a private copy unless the Worker was made with env: SHARE_ENV,
  // so the variables just set never reach the Vulkan loader (measured: "Found no drivers").
  const hint = isMainThread ? '' : '; in a worker thread start the Worker with env: SHARE_ENV, or set VK_ICD_FILENAMES in the parent process';
  throw new Error(`webgpu: no WebGPU adapter, even with software Vulkan (${notes.join('; ')})${hint}`);
}

/** Builds the runtime and makes 'webgpu' tfjs's active backend on it. */
async function activate(rt: WebGPURuntime, mod: WebGPUModule): Promise<void> {
  exposeGpu(rt.gpu);
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const info = (rt.adapter as { info?: GPUAdapterInfo }).info;
  tf.registerBackend('webgpu', () => adaptBackend(rt, new mod.WebGPUBackend(rt.device, info)), WEBGPU_PRIORITY);
  setCurrentRuntime(rt);
  if (!(await tf.setBackend('webgpu'))) throw new Error(`${WEBGPU_PACKAGE}: the webgpu backend failed to initialise (see the warning above)`);
  registerFlashAttentionKernel();
}

/** Undoes a failed or abandoned start so the next candidate (and process exit) are unaffected. */
export function deactivateWebGPU(): void {
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  setCurrentRuntime(undefined);
  exposeGpu(undefined);
}

/** Adapter, device, tfjs backend: all or nothing. */
async function bringUp(allowSoftware: boolean): Promise<{ rt: WebGPURuntime; notes: string[] }> {
  const found = await findAdapter(allowSoftware);
  const summary = summarizeAdapter(found.adapter);
  if (summary.software && !allowSoftware) {
    throw new Error(`webgpu: only a software adapter (${summary.name}); set LEFFA_BACKEND=webgpu to use it anyway`);
  }
  const rt = await openDevice(found.gpu, found.adapter);
  try {
    await activate(rt, await loadTfjsWebGPU());
  } catch (err) {
    rt.device.destroy();
    deactivateWebGPU();
    throw err;
  }
  return { rt, notes: found.notes };
}

/**
 * Starts the WebGPU backend. `forced` (LEFFA_BACKEND=webgpu) accepts a software adapter and sets up
 * SwiftShader when no adapter is found. Throws an Error whose message is the reason it did not start.
 */
export async function startWebGPU(forced: boolean): Promise<WebGPUStart> {
  installDawnEventPump(); // before Dawn exists: dataSync() depends on it
  const { rt, notes } = await bringUp(forced);
  const reasons = [...notes];
  if (rt.summary.software) reasons.push(`WebGPU runs on a software adapter (${rt.summary.name}): correct but slow`);
  return { adapter: rt.summary.name, software: rt.summary.software, reasons };
}

/** A new device on a freshly requested adapter (an adapter hands out one device), made active. */
export async function restartWebGPU(allowSoftware: boolean): Promise<WebGPURuntime> {
  return (await bringUp(allowSoftware)).rt;
}
