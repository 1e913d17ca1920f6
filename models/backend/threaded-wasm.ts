// Starts the multi-threaded (threaded-SIMD) build of @tensorflow/tfjs-backend-wasm under plain Node.
//
// tfjs 4.22 ships that build but never uses it in Node (tensorflow/tfjs#3830). It runs fine on
// worker_threads once four obstacles are removed; each step below says which one it removes (measured
// facts in shared/docs/tfjs-notes.md). This depends on package internals: the version is pinned in
// package.json, re-check after an upgrade.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WorkerOptions, TransferListItem } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { backendTestHooks } from './test-hooks.ts';

// CommonJS views of the two built-in modules: the wasm glue reaches them through `require`, and we must
// patch the very objects it sees (an ESM namespace is read-only and would not affect it).
const require = createRequire(import.meta.url);
type WorkerCtor = typeof import('node:worker_threads').Worker;
const workerThreads = require('node:worker_threads') as { Worker: WorkerCtor };
const osModule = require('node:os') as { cpus: typeof import('node:os').cpus };

export interface ThreadedWasmResult {
  /** Threads XNNPACK reports it uses. */
  threads: number;
}

/** The plain emscripten output of the threaded build, shipped in the package's `wasm-out` folder. */
function threadedBuildFiles(): { gluePath: string; workerSource: string } {
  const pkgDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const dir = path.join(pkgDir, 'wasm-out');
  const gluePath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const workerPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
  if (!existsSync(gluePath) || !existsSync(workerPath)) {
    throw new Error(`threaded wasm files not found in ${dir} (is wasm-out shipped with the app?)`);
  }
  const { wasmWorkerContents } = require(workerPath) as { wasmWorkerContents: string };
  // The worker program has a raw newline inside one of its string literals. The browser path escapes it
  // before making a Blob; we must too, or `eval` rejects the unterminated string.
  return { gluePath, workerSource: wasmWorkerContents.replace(/\n/g, '\\n') };
}

/**
 * A Worker subclass that starts emscripten's pthread workers the way Node allows.
 * Only workers asked for with a `blob:` URL (i.e. emscripten's) are changed; any other Worker created
 * while the patch is in place behaves exactly like the original.
 */
function makePthreadWorkerClass(Base: WorkerCtor, workerSource: string, gluePath: string, started: Set<InstanceType<WorkerCtor>>) {
  return class PthreadWorker extends Base {
    readonly #pthread: boolean;

    constructor(file: string | URL, options?: WorkerOptions) {
      const isPthread = String(file).startsWith('blob:');
      if (isPthread && backendTestHooks.failThreadedStart) {
        throw new Error('simulated pthread worker start failure (test hook)');
      }
      // Obstacle 2: Node's Worker refuses `blob:` URLs (ERR_WORKER_PATH). The worker program also ships
      // as a string that already has a worker_threads branch, so run it with `eval: true` instead.
      super(isPthread ? workerSource : file, isPthread ? { ...options, eval: true } : options);
      this.#pthread = isPthread;
      if (isPthread) started.add(this);
    }

    override postMessage(message: unknown, transferList?: readonly TransferListItem[]): void {
      const msg = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (this.#pthread && msg?.cmd === 'load') {
        if (backendTestHooks.hangThreadedStart) return;
        // Obstacle 3: the worker is told to load the glue from a Blob, which it would read as a file named
        // `blob:nodedata:...` (ENOENT, killing the process). Give it the glue's real path instead.
        if (typeof msg.urlOrBlob !== 'string') message = { ...msg, urlOrBlob: gluePath };
      }
      super.postMessage(message, transferList);
    }

    // emscripten ref()s a pool worker whenever it hands it a thread, and XNNPACK's pool threads never
    // end, so Node would never exit once an op has run. They only serve synchronous calls made by the
    // main thread, so nothing is lost by keeping them unref'd (emscripten already unrefs them once loaded;
    // until then they stay ref'd, which keeps the process alive while the start is awaited).
    override ref(): void {
      if (!this.#pthread) super.ref();
    }
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Initialises tfjs's 'wasm' backend with the threaded build and `threads` threads. Must be called
 * before anything has initialised a backend. On failure it throws, leaving the 'wasm' backend
 * registered and uninitialised so the caller can start the single-threaded build instead.
 */
export async function startThreadedWasm(threads: number): Promise<ThreadedWasmResult> {
  const { gluePath, workerSource } = threadedBuildFiles();

  // tfjs-core only console.warns why a backend failed to start; wrap the package's factory so the
  // reason reaches our fallback message. Re-registering under the same name keeps its priority.
  const entry = tf.engine().registryFactory.wasm;
  if (!entry) throw new Error("the 'wasm' backend is not registered");
  let failure: unknown;
  const register = (factory: typeof entry.factory) => {
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory, entry.priority);
  };
  register(async () => {
    try {
      return await entry.factory();
    } catch (err) {
      failure = err;
      throw err;
    }
  });

  const started = new Set<InstanceType<WorkerCtor>>();
  const originalWorker = workerThreads.Worker;
  const originalCpus = osModule.cpus;
  const oneCpu = originalCpus.call(osModule)[0];
  workerThreads.Worker = makePthreadWorkerClass(originalWorker, workerSource, gluePath, started);
  // Obstacle 4: the C++ side uses min(requested, 8, logical cores / 2) threads, counting cores with
  // os.cpus(), so on 2 cores it would use 1 thread whatever we ask. Report 2·threads cores while the
  // backend initialises (that is when the pool is sized), then put the real function back.
  osModule.cpus = () => Array.from({ length: 2 * threads }, () => oneCpu);
  // Obstacle 1: tfjs answers "no thread support" whenever it sees Node; override the feature flag.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  try {
    const ok = await withTimeout(tf.setBackend('wasm'), backendTestHooks.threadedStartTimeoutMs, 'threaded wasm start');
    if (!ok) throw failure instanceof Error ? failure : new Error(String(failure ?? 'setBackend returned false'));
    return { threads: getThreadsCount() };
  } catch (err) {
    // Leave a clean slate for the single-threaded build: stop our workers (they would keep the process
    // alive), make any still-pending start obsolete (removeBackend does that) and register the factory anew.
    for (const w of started) void w.terminate();
    register(entry.factory);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    throw err;
  } finally {
    osModule.cpus = originalCpus;
    // emscripten copied the patched class to globalThis.Worker while starting and uses that copy if it
    // ever needs more pool workers, so the module-wide patch is no longer needed.
    workerThreads.Worker = originalWorker;
  }
}
