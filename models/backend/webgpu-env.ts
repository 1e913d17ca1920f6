// Dawn for Node (npm `webgpu`) dressed up as a browser's WebGPU, which is what
// @tensorflow/tfjs-backend-webgpu expects: a `navigator.gpu` and the WebGPU constants (GPUBufferUsage,
// GPUMapMode, ...) as globals. Also points Dawn at a software Vulkan driver (SwiftShader, shipped by
// Debian's chromium package) when WebGPU is forced on a machine without a GPU driver.
/// <reference types="@webgpu/types" />
import { accessSync, constants as fsConstants, existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DAWN_PACKAGE = 'webgpu';
/** Where Debian's chromium package puts SwiftShader's Vulkan ICD manifest (next to its own Vulkan loader). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

type Env = Record<string, string | undefined>;

let dawn: DawnModule | undefined;

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  const spec = DAWN_PACKAGE; // a variable, so bundlers leave the native package alone
  try {
    dawn = (await import(spec)) as DawnModule;
  } catch (err) {
    throw new Error(`${DAWN_PACKAGE} (Dawn for Node) failed to load: ${firstLine(err)}`, { cause: err });
  }
  // tfjs-backend-webgpu reads GPUBufferUsage, GPUMapMode, GPUTextureUsage... as globals. Never replace
  // ones that exist already (a browser-like host that has its own WebGPU).
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) if (!(name in g)) g[name] = value;
  return dawn;
}

/** A fresh Dawn instance. Each makes its own Vulkan instance, so it sees the VK_* variables set now. */
export async function createGpu(): Promise<GPU> {
  return (await loadDawn()).create([]);
}

/**
 * Installs `gpu` as `navigator.gpu` (tfjs's WebGPUBackend constructor refuses to run without it), or
 * removes it when `gpu` is undefined: a Dawn instance left reachable from a global can keep Node alive.
 * Node 20 has no `navigator`; Node 21+ has one without `gpu`.
 */
export function exposeGpu(gpu: GPU | undefined): void {
  const g = globalThis as { navigator?: object };
  if (gpu === undefined) {
    if (g.navigator && Object.prototype.hasOwnProperty.call(g.navigator, 'gpu')) delete (g.navigator as { gpu?: unknown }).gpu;
    return;
  }
  if (g.navigator == null) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
}

// dlopen flags (Linux/glibc values). RTLD_NODELETE keeps a library loaded after Node gives up on it.
const RTLD_NOW = 2;
const RTLD_GLOBAL = 0x100;
const RTLD_NODELETE = 0x1000;

/**
 * Loads a shared library into the process without it being a Node addon. process.dlopen loads it, then
 * complains that it registered no module; with RTLD_NODELETE the library stays loaded, and a later
 * dlopen of the same soname (Dawn's, for `libvulkan.so.1`) finds it there.
 * Returns true if the library is now loaded.
 */
function preloadLibrary(file: string): boolean {
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, file, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
    return true;
  } catch (err) {
    return /did not self-register|Module did not/i.test(firstLine(err));
  }
}

/**
 * Dawn's Vulkan backend dlopens `libvulkan.so.1`. Debian installs it with `libvulkan1`, which a
 * machine without a GPU driver often lacks; without it Dawn finds no adapter (and prints a warning).
 * Returns where the loader came from, or undefined when there is none.
 */
export function ensureVulkanLoader(fallbackDir?: string): 'system' | string | undefined {
  if (process.platform !== 'linux') return 'system'; // Metal / D3D12: no Vulkan loader involved
  if (preloadLibrary('libvulkan.so.1')) return 'system';
  if (fallbackDir) {
    const bundled = path.join(fallbackDir, 'libvulkan.so.1');
    if (existsSync(bundled) && preloadLibrary(bundled)) return bundled;
  }
  return undefined;
}

function isWritableDir(dir: string | undefined): boolean {
  if (!dir) return false;
  try {
    accessSync(dir, fsConstants.W_OK);
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Prepares the process for SwiftShader (software Vulkan): VK_ICD_FILENAMES, a writable XDG_RUNTIME_DIR
 * (SwiftShader fails to start without one) and a Vulkan loader. Only sets what is missing; the loader
 * reads these variables when Dawn creates its Vulkan instance, i.e. at the next createGpu().
 * Returns one note per change, for the backend's report. Throws when there is no driver to use.
 */
export function useSoftwareVulkan(env: Env = process.env): string[] {
  const notes: string[] = [];
  if (process.platform !== 'linux') throw new Error('software WebGPU (SwiftShader) is set up automatically on Linux only');
  let icd = env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES;
  if (!icd) {
    if (!existsSync(SWIFTSHADER_ICD)) {
      throw new Error(`no software Vulkan driver: ${SWIFTSHADER_ICD} not found (install Debian's chromium package, or set VK_ICD_FILENAMES)`);
    }
    icd = SWIFTSHADER_ICD;
    env.VK_ICD_FILENAMES = icd;
    notes.push(`VK_ICD_FILENAMES set to ${icd} (SwiftShader, software Vulkan)`);
  }
  if (!isWritableDir(env.XDG_RUNTIME_DIR)) {
    const dir = path.join(os.tmpdir(), `leffa-xdg-runtime-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    env.XDG_RUNTIME_DIR = dir;
    notes.push(`XDG_RUNTIME_DIR set to ${dir}`);
  }
  const loader = ensureVulkanLoader(path.dirname(icd.split(path.delimiter)[0]!));
  if (loader === undefined) throw new Error('no Vulkan loader: libvulkan.so.1 not found (install libvulkan1)');
  if (loader !== 'system') notes.push(`Vulkan loader preloaded from ${loader} (libvulkan1 is not installed)`);
  return notes;
}
