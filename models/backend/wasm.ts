// The wasm backend: the threaded build when it is allowed and useful, else (or when it fails to start)
// the stock single-threaded build. Both give identical results; the threaded one is ~2x faster on 2 cores.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { startThreadedWasm } from './threaded-wasm.ts';

export const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

export interface WasmStart {
  threads: number;
  threaded: boolean;
  /** Why the threaded build is not running, when it is not. */
  reasons: string[];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function startWasm(threads: number, threadedAllowed: boolean): Promise<WasmStart> {
  const reasons: string[] = [];
  if (!threadedAllowed) {
    reasons.push('threaded wasm disabled by LEFFA_WASM_THREADED=0');
  } else if (threads === 1) {
    // The threaded build with one thread is no faster but still starts 8 workers (~80 MB more RSS).
    reasons.push('threaded wasm not used: 1 thread requested');
  } else {
    try {
      const started = await startThreadedWasm(threads);
      return { threads: started.threads, threaded: true, reasons };
    } catch (err) {
      reasons.push(`threaded wasm failed to start, using the single-threaded build: ${message(err)}`);
    }
  }
  // Also the state after a failed threaded start: startThreadedWasm resets the flag and the factory.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) {
    throw new Error(`${WASM_PACKAGE}: the wasm backend failed to initialise (see the warning above)`);
  }
  return { threads: 1, threaded: false, reasons };
}
