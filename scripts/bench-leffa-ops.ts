// Benchmarks the differentiable image ops and the Leffa loss.
// Usage: node --import tsx scripts/bench-leffa-ops.ts [--backend wasm|cpu|auto] [--runs 3] [--full]
//   gridSample     input 1×1024×768×3, full-resolution grid 1×1024×768×2: forward, backward (input + grid),
//                  backward (grid only, what the Leffa loss needs)
//   Leffa layer    one 1/8-level layer at 512×384 (64×48 tokens, N = 3072, 8 heads, head_dim 40, B = 1):
//                  forward, forward + backward, for both softmax formulations
//   --full         also the 1/8-level layer at 1024×768 (N = 12,288), forward + backward, 'kernel' softmax
// Times are the best of N runs after one warm-up and include reading one value back (which forces the work).
import * as tf from '../models/tf.ts';
import { initBackend, shutdownBackend } from '../models/backend/index.ts';
import type { RequestedBackend } from '../models/backend/index.ts';
import { gridSample, gridSampleBackward, gridSampleForward } from '../models/ops/grid-sample.ts';
import { leffaLayerLoss, type LeffaImages, type LeffaLossOptions } from '../models/losses/leffa-loss.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}
const RUNS = Number(arg('--runs', '3'));

/** Best wall time in ms of fn (its result tensors are read back with one element and disposed). */
function bench(label: string, fn: () => tf.Tensor | tf.Tensor[], runs = RUNS): number {
  const once = () => {
    const t0 = performance.now();
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    for (const t of list) tf.slice(t, Array(t.rank).fill(0), Array(t.rank).fill(1)).dataSync();
    tf.dispose(list);
    return performance.now() - t0;
  };
  once(); // warm-up
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, once());
  console.log(`${label.padEnd(64)} ${best.toFixed(1).padStart(9)} ms`);
  return best;
}

function benchGridSample(): void {
  const [B, H, W, C] = [1, 1024, 768, 3];
  const input = tf.randomUniform([B, H, W, C], -1, 1, 'float32', 1) as tf.Tensor4D;
  // A smooth warp: identity plus a few pixels of displacement, like a flow field.
  const grid = tf.tidy(() => {
    const xs = tf.linspace(-1, 1, W), ys = tf.linspace(-1, 1, H);
    const gx = tf.add(tf.tile(tf.reshape(xs, [1, W]), [H, 1]), tf.mul(tf.sin(tf.mul(tf.reshape(ys, [H, 1]), 7)), 0.01)); // [H, W]
    const gy = tf.add(tf.tile(tf.reshape(ys, [H, 1]), [1, W]), tf.mul(tf.cos(tf.mul(tf.reshape(xs, [1, W]), 5)), 0.01));
    return tf.reshape(tf.stack([gx, gy], 2), [B, H, W, 2]) as tf.Tensor4D; // [1, H, W, 2]
  });
  const dy = tf.randomUniform([B, H, W, C], -1, 1, 'float32', 2) as tf.Tensor4D;
  console.log(`# gridSample ${B}x${H}x${W}x${C}, grid ${B}x${H}x${W}x2`);
  bench('forward', () => gridSampleForward(input, grid));
  bench('backward, input + grid (tf.grads through the custom gradient)', () =>
    tf.grads((a: tf.Tensor, g: tf.Tensor) => gridSample(a as tf.Tensor4D, g as tf.Tensor4D))([input, grid], dy));
  bench('backward, grid only (as in the Leffa loss)', () =>
    gridSampleBackward(input, grid, dy, { input: false, grid: true }).grid!);
  tf.dispose([input, grid, dy]);
}

function benchLayer(H: number, W: number, heads: number, d: number, opts: LeffaLossOptions, withForward: boolean, runs = RUNS): void {
  const [h, w] = [H / 8, W / 8];
  const N = h * w;
  const B = 1;
  const query = tf.mul(tf.randomNormal([B, heads, 2 * N, d], 0, 1, 'float32', 3), 0.5) as tf.Tensor4D;
  const key = tf.mul(tf.randomNormal([B, heads, 2 * N, d], 0, 1, 'float32', 4), 0.5) as tf.Tensor4D;
  const images: LeffaImages = {
    reference: tf.randomUniform([B, H, W, 3], -1, 1, 'float32', 5) as tf.Tensor4D,
    target: tf.randomUniform([B, H, W, 3], -1, 1, 'float32', 6) as tf.Tensor4D,
    mask: tf.cast(tf.greater(tf.randomUniform([B, H, W, 1], 0, 1, 'float32', 7), 0.5), 'float32') as tf.Tensor4D,
  };
  const tag = `${H}x${W}, N=${N}, ${heads} heads, d=${d}, softmax '${opts.softmax}'`;
  console.log(`# Leffa loss, one 1/8-level layer: ${tag}`);
  if (withForward) bench('forward', () => leffaLayerLoss(query, key, h, w, images, opts), runs);
  bench('forward + backward (grad of query and key)', () =>
    tf.grads((q: tf.Tensor, k: tf.Tensor) => leffaLayerLoss(q as tf.Tensor4D, k as tf.Tensor4D, h, w, images, opts))([query, key]), runs);
  tf.dispose([query, key, images.reference, images.target, images.mask]);
  console.log(`# after this layer${heapNote()}`);
}

/** The wasm heap size (it only grows, so this is the high-water mark so far), or '' on other backends. */
function heapNote(): string {
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength;
  return heap ? `   (wasm heap ${(heap / 2 ** 20).toFixed(0)} MiB)` : '';
}

async function main(): Promise<void> {
  const info = await initBackend({ backend: arg('--backend', 'wasm') as RequestedBackend, log: (m) => console.log(`# ${m}`) });
  console.log(`# backend ${info.name}${info.threads ? `, ${info.threads} thread(s)` : ''}; best of ${RUNS}`);
  try {
    benchGridSample();
    for (const softmax of ['kernel', 'exact'] as const) benchLayer(512, 384, 8, 40, { softmax }, true);
    if (process.argv.includes('--full')) benchLayer(1024, 768, 8, 40, { softmax: 'kernel' }, false, 1);
  } finally {
    await shutdownBackend();
  }
}

await main();
