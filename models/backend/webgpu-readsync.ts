// Synchronous GPU read-back (tensor.dataSync()) on Dawn for Node.
//
// Why: the engine and its parity handlers read results with dataSync(). tfjs-backend-webgpu implements
// that by drawing into an OffscreenCanvas, which Node lacks, and WebGPU itself only maps buffers
// asynchronously (mapAsync). Dawn for Node completes a mapping when it "processes events", and it asks
// for that by calling the *global* setImmediate with a native callback (AsyncRunner::
// ScheduleProcessEvents in Dawn's node bindings), re-scheduling itself while work is pending.
//
// How: we wrap globalThis.setImmediate once and remember Dawn's pending callbacks. A synchronous read
// submits the copy, calls mapAsync, then runs those callbacks itself (each one runs Dawn's event
// processing) until the buffer is mapped, sleeping briefly between polls. Each remembered callback
// runs at most once: when the real immediate fires later it does nothing.
/// <reference types="@webgpu/types" />

type Immediate = typeof globalThis.setImmediate;

/** Dawn's callbacks waiting on setImmediate, each wrapped to run at most once. */
const pending = new Set<() => void>();
let installed = false;

/**
 * Dawn's ProcessEvents callback is a native function with no name, no parameters and no arguments.
 * Anything else (including a Promise's resolve function: it has length 1) passes through untouched.
 */
function looksLikeDawnPump(fn: unknown, args: unknown[]): fn is () => void {
  if (typeof fn !== 'function' || args.length !== 0 || fn.length !== 0 || fn.name !== '') return false;
  return /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));
}

/** Wraps globalThis.setImmediate (idempotent). Must run before Dawn creates a device. */
export function installDawnEventPump(): void {
  if (installed) return;
  installed = true;
  const original: Immediate = globalThis.setImmediate;
  const wrapped = function setImmediate(fn: unknown, ...args: unknown[]) {
    if (!looksLikeDawnPump(fn, args)) return (original as (...a: unknown[]) => NodeJS.Immediate)(fn, ...args);
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      pending.delete(once);
      fn();
    };
    pending.add(once);
    return original(once);
  };
  // Keep util.promisify(setImmediate) and friends working.
  Object.assign(wrapped, original);
  globalThis.setImmediate = wrapped as Immediate;
}

/** Runs Dawn's pending event processing now. Returns false when none was pending. */
function pumpOnce(): boolean {
  if (pending.size === 0) return false;
  for (const run of [...pending]) run();
  return true;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class SyncReadError extends Error {
  override name = 'SyncReadError';
}

/**
 * Blocks until `buffer` (on which mapAsync was just called) is mapped. Throws SyncReadError when the
 * mapping fails (device lost, buffer destroyed) or does not finish within `timeoutMs`.
 */
export function waitForMappingSync(buffer: GPUBuffer, timeoutMs = 120_000): void {
  if (!installed) throw new SyncReadError('the Dawn event pump is not installed (installDawnEventPump)');
  const start = performance.now();
  let sleepMs = 0;
  while (buffer.mapState === 'pending') {
    const pumped = pumpOnce();
    if (buffer.mapState !== 'pending') break;
    if (performance.now() - start > timeoutMs) {
      throw new SyncReadError(`GPU read-back did not finish within ${timeoutMs} ms${pumped ? '' : ' (Dawn scheduled no event processing)'}`);
    }
    // The GPU (or SwiftShader's worker threads) is still busy: back off from 0 to 1 ms between polls
    // rather than spinning on a core the software driver may need.
    if (sleepMs > 0) Atomics.wait(sleeper, 0, 0, sleepMs);
    sleepMs = Math.min(1, sleepMs + 0.05);
  }
  if (buffer.mapState !== 'mapped') {
    throw new SyncReadError('GPU read-back failed: the buffer could not be mapped (the device was lost or the buffer destroyed)');
  }
}
