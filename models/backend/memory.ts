// memoryReport(): one snapshot of tensor bookkeeping, the wasm heap and the Node process, for logs and
// for watching the 4 GiB wasm heap ceiling. Never initialises a backend itself.
import * as tf from '@tensorflow/tfjs-core';
import { webgpuMemory, type WebGPUMemory } from './webgpu-memory.ts';

export interface MemoryReport {
  /** Active backend name, or 'none' before one is initialised. */
  backend: string;
  numTensors: number;
  numBytes: number;
  /** Size of the wasm backend's linear memory (it only grows; the ceiling is 4 GiB). wasm only. */
  wasmHeapBytes?: number;
  /** webgpu only: GPU buffers in use / allocated / pooled, the adapter and its buffer limits. */
  webgpu?: WebGPUMemory;
  rssBytes: number;
  heapUsedBytes: number;
}

/** The parts of tfjs-backend-wasm's emscripten module we read (not in its public typings). */
interface WasmModuleView {
  wasmMemory?: WebAssembly.Memory; // threaded build
  asm?: { memory?: WebAssembly.Memory }; // single-threaded build
  HEAPU8?: Uint8Array;
}

function wasmHeapBytes(backend: unknown): number | undefined {
  const mod = (backend as { wasm?: WasmModuleView } | undefined)?.wasm;
  if (!mod) return undefined;
  // Read the Memory object, not HEAPU8: in the threaded build another thread may have grown the heap
  // and HEAPU8 is only refreshed lazily, while Memory.buffer always has the current length.
  const memory = mod.wasmMemory ?? mod.asm?.memory;
  return (memory?.buffer ?? mod.HEAPU8?.buffer)?.byteLength;
}

export function memoryReport(): MemoryReport {
  const { rss, heapUsed } = process.memoryUsage();
  const engine = tf.engine();
  const name = engine.backendName;
  // tf.memory() would initialise the best backend if none is ready, so only ask when one is.
  const backend = name != null ? engine.registry[name] : undefined;
  if (name == null || backend == null) {
    return {
      backend: name ?? 'none',
      numTensors: engine.state.numTensors,
      numBytes: engine.state.numBytes,
      rssBytes: rss,
      heapUsedBytes: heapUsed,
    };
  }
  const mem = tf.memory();
  const heap = name === 'wasm' ? wasmHeapBytes(backend) : undefined;
  const gpu = name === 'webgpu' ? webgpuMemory(backend) : undefined;
  return {
    backend: name,
    numTensors: mem.numTensors,
    numBytes: mem.numBytes,
    ...(heap !== undefined && { wasmHeapBytes: heap }),
    ...(gpu !== undefined && { webgpu: gpu }),
    rssBytes: rss,
    heapUsedBytes: heapUsed,
  };
}
