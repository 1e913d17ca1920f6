// Benchmarks the WebGPU backend: the adapter, ms per tiny UNet pair forward (reference UNet + generative
// UNet of the leffa-tiny fixture, CFG batch 2), and the fused attention kernel against the plain
// formulation (time, peak tensor memory) at a few sizes.
// Usage: node --import tsx scripts/bench-webgpu.ts [--reps 3] [--fixture <leffa-tiny dir>] [--sizes Nq:Nk:heads:d,...]
//        [--require-hardware]   (bench:engine's default: a software adapter is reported and skipped)
// Forces WebGPU (LEFFA_BACKEND=webgpu), so without a GPU it runs on SwiftShader (~0.2 GFLOP/s): the
// default sizes are small for that reason. Times are the mean of --reps runs after one warm-up (which
// also compiles the shaders) and include reading the result back.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '../models/tf.ts';
import { initBackend, memoryReport, shutdownBackend } from '../models/backend/index.ts';
import { currentRuntime } from '../models/backend/webgpu-device.ts';
import { runGpuJob } from '../models/backend/webgpu-jobs.ts';
import { webgpuMaxScoreElements } from '../models/backend/webgpu-memory.ts';
import { openCheckpoint } from '../models/io/index.ts';
import { loadLeffa } from '../models/leffa/loaded.ts';
import { multiHeadAttention } from '../models/nn/attention.ts';
import { fusedAttentionSettings } from '../models/nn/attention-webgpu.ts';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    fixture: { type: 'string', default: join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'leffa-tiny') },
    sizes: { type: 'string', default: '256:256:8:40,1024:1024:1:8,512:1024:4:16' },
    'require-hardware': { type: 'boolean', default: false },
  },
});
const reps = Math.max(1, Number(values.reps));

let info;
try {
  info = await initBackend({ backend: 'webgpu', log: () => {} });
} catch (err) {
  console.log(`WebGPU: no adapter here (${(err as Error).message.split('\n')[0]}); skipped`);
  process.exit(0);
}
const rt = currentRuntime()!;
if (rt.summary.software && values['require-hardware']) {
  console.log(`WebGPU: only a software adapter here (${rt.summary.name}); skipped (bench:engine -- --webgpu-software runs it anyway, labelled as such)`);
  shutdownBackend();
  process.exit(0);
}
console.log(`adapter: ${rt.summary.name}${rt.summary.software ? ' (software)' : ''}; backend ${info.name}`);
if (rt.summary.software) console.log('NOTE: a SOFTWARE adapter (CPU emulation of a GPU): these timings are not GPU timings, only the fused/plain comparison is meaningful');
console.log(`limits: maxBufferSize ${rt.limits.maxBufferSize / 2 ** 20} MiB, maxStorageBufferBindingSize ${rt.limits.maxStorageBufferBindingSize / 2 ** 20} MiB, workgroup memory ${rt.limits.maxComputeWorkgroupStorageSize} B; attention budget ${webgpuMaxScoreElements()} floats`);

/** Mean ms over `reps` runs after one warm-up. */
function timeIt(run: () => void): { firstMs: number; ms: number } {
  const t0 = performance.now();
  run();
  const firstMs = performance.now() - t0;
  const t1 = performance.now();
  for (let i = 0; i < reps; i++) run();
  return { firstMs, ms: (performance.now() - t1) / reps };
}

function withFused<T>(fused: boolean, f: () => T): T {
  fusedAttentionSettings.enabled = fused;
  try {
    return f();
  } finally {
    fusedAttentionSettings.enabled = true;
  }
}

// Tiny UNet pair forward, as bench:engine's 'tiny' case does it.
if (existsSync(join(values.fixture, 'fixture.json'))) {
  await runGpuJob(async () => {
    const m = JSON.parse(readFileSync(join(values.fixture, 'fixture.json'), 'utf8'));
    const loaded = loadLeffa(join(values.fixture, m.config.base_folder), openCheckpoint(join(values.fixture, 'weights.safetensors')));
    const ref = tf.randomNormal([2, 8, 6, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const x = tf.randomNormal([2, 8, 6, 12], 0, 1, 'float32', 2) as tf.Tensor4D;
    const pair = () => {
      const feats = loaded.model.referenceFeatures(loaded.params, ref, [500]);
      const eps = loaded.model.predictNoise(loaded.params, x, [500], feats);
      eps.dataSync();
      tf.dispose([eps, ...Object.values(feats)]);
    };
    for (const fused of [true, false]) {
      const t = withFused(fused, () => timeIt(pair));
      console.log(`tiny UNet pair forward (ref + gen, batch 2, latent 8x6), ${fused ? 'fused' : 'plain'} attention: ${t.ms.toFixed(1)} ms (first run ${t.firstMs.toFixed(0)} ms, with shader compilation)`);
    }
    tf.dispose([ref, x]);
    loaded.dispose();
  });
} else {
  console.log(`(no fixture at ${values.fixture}: UNet pair skipped; pass --fixture)`);
}

console.log('attention, fused WGSL kernel vs plain (chunked matMul + softmax + matMul):');
console.log('  Nq x Nk, heads x d        | fused ms | plain ms | fused peak | plain peak | score matrix');
for (const spec of values.sizes.split(',')) {
  const [Nq, Nk, h, d] = spec.split(':').map(Number) as [number, number, number, number];
  await runGpuJob(async () => {
    const q = tf.randomNormal([1, Nq, h * d], 0, 1, 'float32', 3) as tf.Tensor3D;
    const k = tf.randomNormal([1, Nk, h * d], 0, 1, 'float32', 4) as tf.Tensor3D;
    const v = tf.randomNormal([1, Nk, h * d], 0, 1, 'float32', 5) as tf.Tensor3D;
    const run = () => { const o = multiHeadAttention(q, k, v, { heads: h }); o.dataSync(); o.dispose(); };
    const row: string[] = [];
    const peaks: string[] = [];
    for (const fused of [true, false]) {
      const t = withFused(fused, () => timeIt(run));
      // Peak tensor bytes above the inputs during one call (tf.profile tracks every intermediate).
      const prof = await withFused(fused, () => tf.profile(run));
      row.push(t.ms.toFixed(1).padStart(8));
      peaks.push(`${((prof.peakBytes - prof.newBytes - 3 * Nq * h * d * 4) / 2 ** 20).toFixed(2)} MiB`.padStart(10));
    }
    const label = `${Nq} x ${Nk}, ${h} x ${d}`.padEnd(25);
    console.log(`  ${label} | ${row[0]} | ${row[1]} | ${peaks[0]} | ${peaks[1]} | ${((Nq * Nk * 4) / 2 ** 20).toFixed(2)} MiB/head`);
    tf.dispose([q, k, v]);
  });
}

const mem = memoryReport().webgpu!;
console.log(`GPU memory after the jobs: ${mem.gpuBytesInUse} B in use, ${mem.gpuBytesAllocated} B allocated (pool released by runGpuJob)`);
shutdownBackend();
