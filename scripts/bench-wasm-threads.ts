// Benchmarks the wasm backend with 1 thread (stock single-threaded build) against the threaded build.
// Usage: node --import tsx scripts/bench-wasm-threads.ts [--threads 1,2] [--runs 5]
// Each thread count runs in its own child process, one after the other, because a process can start
// only one wasm build. Times are best of N after 2 warm-ups and include the dataSync read-back.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../models/backend/index.ts';

interface Case {
  name: string;
  flops: number;
  /** Builds the inputs once and returns the op to time (its output is read back and disposed). */
  setup: () => { run: () => tf.Tensor; dispose: () => void };
}

const CASES: Case[] = [
  {
    name: 'matMul 1024x1024x1024',
    flops: 2 * 1024 ** 3,
    setup: () => {
      const a = tf.randomUniform([1024, 1024], -1, 1, 'float32', 1);
      const b = tf.randomUniform([1024, 1024], -1, 1, 'float32', 2);
      return { run: () => tf.matMul(a, b), dispose: () => tf.dispose([a, b]) };
    },
  },
  {
    name: 'conv 3x3 320->320, 1x64x48',
    flops: 2 * 64 * 48 * 320 * 320 * 9,
    setup: () => {
      const x = tf.randomUniform([1, 64, 48, 320], -1, 1, 'float32', 3) as tf.Tensor4D;
      const w = tf.randomUniform([3, 3, 320, 320], -0.1, 0.1, 'float32', 4) as tf.Tensor4D;
      return { run: () => tf.conv2d(x, w, 1, 'same'), dispose: () => tf.dispose([x, w]) };
    },
  },
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Child: start wasm with `threads`, time every case, print one JSON line. */
async function child(threads: number, runs: number): Promise<void> {
  const info = await initBackend({ backend: 'wasm', threads, log: () => {} });
  const ms: Record<string, number> = {};
  const cores: Record<string, number> = {};
  for (const c of CASES) {
    const { run, dispose } = c.setup();
    let best = Infinity;
    let wall = 0;
    let cpu = 0;
    for (let i = 0; i < runs + 2; i++) {
      const t0 = performance.now();
      const u0 = process.cpuUsage();
      const y = run();
      y.dataSync();
      const dt = performance.now() - t0;
      const du = process.cpuUsage(u0);
      y.dispose();
      if (i < 2) continue;
      best = Math.min(best, dt);
      wall += dt;
      cpu += (du.user + du.system) / 1000;
    }
    dispose();
    ms[c.name] = best;
    // CPU time of all threads over wall time: how many cores the op really kept busy (shows whether
    // the threads ran in parallel even when other processes compete for the cores).
    cores[c.name] = cpu / wall;
  }
  shutdownBackend();
  process.stdout.write(`${JSON.stringify({ info, ms, cores })}\n`);
}

function parent(threadCounts: number[], runs: number): void {
  const self = fileURLToPath(import.meta.url);
  // Threads only help on idle cores: print the load so a contended run is recognisable as such.
  const load = os.loadavg()[0].toFixed(2);
  console.log(`${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} logical cores, load ${load}, Node ${process.version}`);
  const results: { threads: number; threaded: boolean; ms: Record<string, number>; cores: Record<string, number> }[] = [];
  for (const n of threadCounts) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', String(n), '--runs', String(runs)], {
      encoding: 'utf8',
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEFFA_'))),
    });
    if (r.status !== 0) throw new Error(`child for ${n} threads failed: ${r.stderr}`);
    const { info, ms, cores } = JSON.parse(r.stdout.trim().split('\n').pop()!);
    results.push({ threads: info.threads, threaded: info.threaded, ms, cores });
  }
  const base = results[0];
  for (const c of CASES) {
    console.log(`\n${c.name} (${(c.flops / 1e9).toFixed(2)} GFLOP)`);
    for (const r of results) {
      const ms = r.ms[c.name];
      const label = `${r.threads} thread${r.threads > 1 ? 's' : ''} (${r.threaded ? 'threaded build' : 'single-threaded build'})`;
      const ratio = base.ms[c.name] / ms;
      console.log(`  ${label.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms ${(c.flops / ms / 1e6).toFixed(1).padStart(7)} GFLOP/s  speed-up x${ratio.toFixed(2)}  cores busy ${r.cores[c.name].toFixed(2)}`);
    }
  }
}

const runs = Number(arg('--runs', '5'));
if (process.argv.includes('--child')) await child(Number(arg('--child', '1')), runs);
else parent(arg('--threads', '1,2').split(',').map(Number), runs);
