// The training kernels under the threaded wasm build (what `initBackend` starts on a multi-core machine):
// the registered conv2d filter gradient runs on the pthread pool and matches the cpu backend, and switching
// to 'cpu' for a comparison and back to 'wasm' works in the same process. The threaded start must happen
// before any backend is initialised, so the check runs in a fresh child process: this same file, started
// with LEFFA_KERNELS_CHILD=1, is the child (it then prints one JSON line and defines no tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

async function child(): Promise<void> {
  const tf = await import('../../../models/tf.ts');
  const { initBackend, shutdownBackend } = await import('../../../models/backend/index.ts');
  const { registerTrainingKernels } = await import('../../../models/train/kernels/register.ts');
  const info = await initBackend({ backend: 'wasm', threads: 2, log: () => {} });
  const grads = () => {
    registerTrainingKernels();
    return tf.tidy(() => {
      const x = tf.randomNormal([2, 16, 12, 8], 0, 1, 'float32', 1);
      const w = tf.randomNormal([3, 3, 8, 16], 0, 1, 'float32', 2);
      const f = (a: import('../../../models/tf.ts').Tensor, b: import('../../../models/tf.ts').Tensor) =>
        tf.sum(tf.square(tf.conv2d(a as import('../../../models/tf.ts').Tensor4D, b as import('../../../models/tf.ts').Tensor4D, 2, 1)));
      return tf.grads(f)([x, w]).map((g) => Array.from(g.dataSync()));
    });
  };
  const wasm = grads();
  await tf.setBackend('cpu');
  const cpu = grads();
  await tf.setBackend('wasm');
  const wasmAgain = grads();
  const rel = (a: number[], b: number[]) => {
    let e = 0, m = 0;
    for (let i = 0; i < a.length; i++) { e = Math.max(e, Math.abs(a[i]! - b[i]!)); m = Math.max(m, Math.abs(b[i]!)); }
    return e / m;
  };
  console.log(JSON.stringify({
    threaded: info.threaded, threads: info.threads, backend: tf.getBackend(),
    relX: rel(wasm[0]!, cpu[0]!), relW: rel(wasm[1]!, cpu[1]!), repeat: rel(wasmAgain[1]!, wasm[1]!),
  }));
  shutdownBackend();
}

if (process.env.LEFFA_KERNELS_CHILD === '1') {
  await child();
} else {
  test('threaded wasm: conv2d gradients match cpu, and switching to cpu and back works', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEFFA_')));
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...env, LEFFA_KERNELS_CHILD: '1' }, encoding: 'utf8', timeout: 60_000,
    });
    const line = r.stdout.split('\n').filter((l) => l.startsWith('{')).pop();
    assert.ok(r.status === 0 && line, `child failed (${r.status}): ${r.stderr.slice(-600)}`);
    const res = JSON.parse(line) as { threaded: boolean; threads: number; backend: string; relX: number; relW: number; repeat: number };
    // On a 1-core machine the threaded build is not worth it and initBackend picks the plain build.
    if (res.threaded) assert.equal(res.threads, 2);
    assert.equal(res.backend, 'wasm');
    assert.ok(res.relX < 1e-5 && res.relW < 1e-5, `wasm vs cpu: dx ${res.relX}, dW ${res.relW}`);
    assert.equal(res.repeat, 0, 'same result after switching back to wasm');
  });
}
