// Threaded wasm: starts with the asked-for threads, gives the single-threaded build's results, lets the
// process exit by itself, and falls back (with a logged reason) when disabled or when it fails to start.
// Every scenario runs in a child process (init.child.ts); runChild kills and fails a child that hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChild, floats, type ChildResult } from './run-child.ts';

/** max |a - b| / max |b|: relative to the output's scale, so near-zero entries do not dominate. */
function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

// The two builds are compared across tests, so start both children once, side by side.
let both: Promise<[ChildResult, ChildResult]> | undefined;
function threadedAndSingle() {
  both ??= Promise.all([
    runChild({ LEFFA_BACKEND: 'wasm', LEFFA_WASM_THREADS: '2', CHILD_OPS: '1', CHILD_ALLOC_MB: '64' }),
    runChild({ LEFFA_BACKEND: 'wasm', LEFFA_WASM_THREADED: '0', CHILD_OPS: '1' }),
  ]);
  return both;
}

test('threaded wasm with 2 threads starts and reports it', async () => {
  const [threaded] = await threadedAndSingle();
  assert.equal(threaded.error, undefined);
  assert.equal(threaded.info?.name, 'wasm');
  assert.equal(threaded.info?.threaded, true);
  assert.equal(threaded.info?.threads, 2);
  assert.match(threaded.logs[0], /backend: wasm \(@tensorflow\/tfjs-backend-wasm, threaded, 2 threads\)/);
});

test('threaded and single-threaded builds give the same matMul 256^3 and 3x3 conv2d', async (t) => {
  const [threaded, single] = await threadedAndSingle();
  assert.equal(single.info?.threaded, false);
  for (const op of ['matMul', 'conv2d'] as const) {
    const a = floats(threaded.results![op]);
    const b = floats(single.results![op]);
    const identical = Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
    const rel = maxRelDiff(a, b);
    t.diagnostic(`${op}: ${identical ? 'bit-identical' : `max relative difference ${rel}`}`);
    assert.ok(identical || rel <= 1e-6, `${op} differs: ${rel}`);
  }
});

test('the processes exit by themselves after running ops', async () => {
  // runChild rejects if a child is still alive after its timeout; both children above ran ops.
  const [threaded, single] = await threadedAndSingle();
  assert.ok(threaded.ms < 8000 && single.ms < 8000);
});

test('memoryReport reads the wasm heap of the threaded build', async () => {
  const [threaded] = await threadedAndSingle();
  const m = threaded.memory!;
  assert.equal(m.backend, 'wasm');
  assert.equal(m.numTensors, 1);
  assert.equal(m.numBytes, 64 * 2 ** 20);
  assert.ok(m.wasmHeapBytes! >= 64 * 2 ** 20, `heap ${m.wasmHeapBytes}`);
  assert.ok(m.rssBytes > m.wasmHeapBytes! && m.heapUsedBytes > 0);
});

test('LEFFA_WASM_THREADED=0 keeps the single-threaded build, with the reason logged', async () => {
  const [, single] = await threadedAndSingle();
  assert.equal(single.info?.threads, 1);
  assert.match(single.logs[0], /single-threaded.*threaded wasm disabled by LEFFA_WASM_THREADED=0/);
});

test('a threaded start that fails falls back to the single-threaded build', async () => {
  const r = await runChild({ LEFFA_BACKEND: 'wasm', LEFFA_WASM_THREADS: '2', CHILD_HOOK: 'fail', CHILD_OPS: '1' });
  assert.equal(r.info?.name, 'wasm');
  assert.equal(r.info?.threaded, false);
  assert.match(r.info?.fallbackReasons.join() ?? '', /threaded wasm failed to start.*simulated pthread worker start failure/);
  assert.match(r.logs[0], /single-threaded.*threaded wasm failed to start/);
  const [, single] = await threadedAndSingle();
  assert.equal(r.results?.matMul, single.results?.matMul);
});

test('a threaded start that hangs times out and falls back, and the process still exits', async () => {
  const r = await runChild({ LEFFA_BACKEND: 'wasm', LEFFA_WASM_THREADS: '2', CHILD_HOOK: 'hang', CHILD_OPS: '1' });
  assert.equal(r.info?.threaded, false);
  assert.match(r.logs[0], /threaded wasm start did not finish within 500 ms/);
  assert.ok(r.results?.conv2d);
});

test('shutdownBackend removes the threaded wasm backend', async () => {
  const r = await runChild({ LEFFA_BACKEND: 'wasm', LEFFA_WASM_THREADS: '2', CHILD_OPS: '1', CHILD_SHUTDOWN: '1' });
  assert.equal(r.error, undefined);
  assert.equal(r.info?.threaded, true);
});
