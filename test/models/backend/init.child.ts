// Child process for the backend tests: a process can start only one wasm build, so every scenario runs
// here in its own process. It calls initBackend, optionally runs a matMul and a conv2d, and prints one
// JSON line to stdout. It never calls process.exit: the test checks that the process ends by itself.
//
// Inputs (environment; LEFFA_* variables are read by initBackend itself):
//   CHILD_OPTS   JSON for initBackend's options (log is always captured here)
//   CHILD_OPS    '1': run the ops and print their outputs (base64 float32)
//   CHILD_HOOK   'fail' | 'hang': drive the threaded start into a failure (see test-hooks.ts)
//   CHILD_TWICE  JSON options for a second initBackend call; its result or error is printed too
//   CHILD_PRE    '1': initialise the cpu backend with tfjs itself before calling initBackend
//   CHILD_ALLOC_MB  keep a float32 tensor of this many MiB alive while memoryReport() runs
//   CHILD_SHUTDOWN '1': call shutdownBackend() at the end
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, memoryReport, shutdownBackend } from '../../../models/backend/index.ts';
import { backendTestHooks } from '../../../models/backend/test-hooks.ts';

/** Deterministic pseudo-random values in [-1, 1) (same in every process). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function base64(t: tf.Tensor): string {
  const data = t.dataSync() as Float32Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

function runOps(): Record<string, string> {
  return tf.tidy(() => {
    const a = tf.tensor2d(values(256 * 256, 1), [256, 256]);
    const b = tf.tensor2d(values(256 * 256, 2), [256, 256]);
    const x = tf.tensor4d(values(1 * 16 * 16 * 32, 3), [1, 16, 16, 32]);
    const w = tf.tensor4d(values(3 * 3 * 32 * 32, 4), [3, 3, 32, 32]);
    return { matMul: base64(tf.matMul(a, b)), conv2d: base64(tf.conv2d(x, w, 1, 'same')) };
  });
}

const logs: string[] = [];
const out: Record<string, unknown> = { logs };
if (process.env.CHILD_HOOK === 'fail') backendTestHooks.failThreadedStart = true;
if (process.env.CHILD_HOOK === 'hang') {
  backendTestHooks.hangThreadedStart = true;
  backendTestHooks.threadedStartTimeoutMs = 500;
}
try {
  if (process.env.CHILD_PRE === '1') await tf.setBackend('cpu');
  const opts = JSON.parse(process.env.CHILD_OPTS ?? '{}');
  out.info = await initBackend({ ...opts, log: (m: string) => logs.push(m) });
  if (process.env.CHILD_TWICE) {
    try {
      out.second = await initBackend({ ...JSON.parse(process.env.CHILD_TWICE), log: (m: string) => logs.push(m) });
    } catch (err) {
      out.secondError = (err as Error).message;
    }
  }
  if (process.env.CHILD_OPS === '1') out.results = runOps();
  const mib = Number(process.env.CHILD_ALLOC_MB ?? 0);
  const kept = mib > 0 ? tf.zeros([mib * 262144]) : undefined;
  out.memory = memoryReport();
  kept?.dispose();
  if (process.env.CHILD_SHUTDOWN === '1') shutdownBackend();
} catch (err) {
  out.error = (err as Error).message;
}
process.stdout.write(`${JSON.stringify(out)}\n`);
