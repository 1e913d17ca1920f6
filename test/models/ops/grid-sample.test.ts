// gridSample against an independent float64 reference of F.grid_sample(bilinear, zeros, align_corners=False),
// its two gradients against central finite differences of that reference, out-of-range behaviour,
// chaining through tf.grads, and tensor bookkeeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridSample, gridSampleBackward } from '../../../models/ops/grid-sample.ts';
import { resizeBilinear } from '../../../models/ops/resize-bilinear.ts';
import { expectNoLeak, tf, useTestBackend } from '../../helpers/tf.ts';
import { BACKENDS } from './parity-helpers.ts';

/** Deterministic uniform numbers in [lo, hi). */
function uniform(n: number, lo: number, hi: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  });
}

/** Float64 grid_sample: input NHWC [B, H, W, C] flat, grid [B, Ho, Wo, 2] flat → [B, Ho, Wo, C]. */
function refGridSample(x: Float64Array, shape: number[], g: Float64Array, gshape: number[]): Float64Array {
  const [B, H, W, C] = shape as [number, number, number, number];
  const [, Ho, Wo] = gshape as [number, number, number];
  const out = new Float64Array(B * Ho * Wo * C);
  const at = (b: number, y: number, xx: number, c: number) =>
    (y < 0 || y >= H || xx < 0 || xx >= W ? 0 : x[((b * H + y) * W + xx) * C + c]!);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Ho * Wo; i++) {
      const gx = g[(b * Ho * Wo + i) * 2]!, gy = g[(b * Ho * Wo + i) * 2 + 1]!;
      const ix = ((gx + 1) * W - 1) / 2, iy = ((gy + 1) * H - 1) / 2;
      const x0 = Math.floor(ix), y0 = Math.floor(iy);
      const ax = ix - x0, ay = iy - y0;
      for (let c = 0; c < C; c++) {
        out[(b * Ho * Wo + i) * C + c] =
          (1 - ax) * (1 - ay) * at(b, y0, x0, c) + ax * (1 - ay) * at(b, y0, x0 + 1, c) +
          (1 - ax) * ay * at(b, y0 + 1, x0, c) + ax * ay * at(b, y0 + 1, x0 + 1, c);
      }
    }
  }
  return out;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A grid whose pixel coordinates stay ≥ 0.05 px away from tap boundaries (so finite differences are exact). */
function safeGrid(n: number, H: number, W: number, span: number, seed: number): Float64Array {
  const g = uniform(n, -span, span, seed);
  for (let i = 0; i < n; i++) {
    const size = i % 2 === 0 ? W : H;
    const p = ((g[i]! + 1) * size - 1) / 2;
    const f = p - Math.floor(p);
    const fixed = Math.floor(p) + Math.min(0.95, Math.max(0.05, f));
    g[i] = (2 * fixed + 1) / size - 1;
  }
  return g;
}

for (const backend of BACKENDS) {
  test(`${backend}: gridSample forward equals a float64 reference (B=2, C=3, coordinates out to ±3)`, async () => {
    await useTestBackend(backend);
    const shape = [2, 7, 5, 3], gshape = [2, 6, 9, 2];
    const x = uniform(2 * 7 * 5 * 3, -1, 1, 1);
    const g = uniform(2 * 6 * 9 * 2, -3, 3, 2);
    const ref = refGridSample(x, shape, g, gshape);
    const got = await expectNoLeak(() => tf.tidy(() =>
      gridSample(tf.tensor4d(Float32Array.from(x), shape as never), tf.tensor4d(Float32Array.from(g), gshape as never)).dataSync()));
    assert.ok(maxAbsDiff(got, ref) < 1e-5, `max diff ${maxAbsDiff(got, ref)}`);
  });

  test(`${backend}: gridSample gradients match central finite differences`, async (t) => {
    await useTestBackend(backend);
    const shape = [2, 4, 5, 2], gshape = [2, 3, 3, 2];
    const x = uniform(2 * 4 * 5 * 2, -1, 1, 3);
    const g = safeGrid(2 * 3 * 3 * 2, 4, 5, 1.3, 4); // includes taps outside the image
    const r = uniform(2 * 3 * 3 * 2, -1, 1, 5); //    L = Σ out · r
    const loss = (xx: Float64Array, gg: Float64Array) => dot(refGridSample(xx, shape, gg, gshape), r);
    const [dx, dg] = await expectNoLeak(() => tf.tidy(() => {
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => gridSample(a as tf.Tensor4D, b as tf.Tensor4D))(
        [tf.tensor4d(Float32Array.from(x), shape as never), tf.tensor4d(Float32Array.from(g), gshape as never)],
        tf.tensor4d(Float32Array.from(r), [2, 3, 3, 2]));
      return grads.map((v) => v.dataSync());
    }));
    const fd = (v: Float64Array, f: (p: Float64Array) => number, eps: number) => Float64Array.from(v, (_, i) => {
      const p = Float64Array.from(v); p[i] = v[i]! + eps;
      const m = Float64Array.from(v); m[i] = v[i]! - eps;
      return (f(p) - f(m)) / (2 * eps);
    });
    const fdx = fd(x, (p) => loss(p, g), 1e-3);
    const fdg = fd(g, (p) => loss(x, p), 1e-5);
    const ex = maxAbsDiff(dx!, fdx), eg = maxAbsDiff(dg!, fdg);
    t.diagnostic(`input grad max diff ${ex.toExponential(2)}, grid grad max diff ${eg.toExponential(2)} (|grid grad| ≤ ${Math.max(...fdg.map(Math.abs)).toFixed(2)})`);
    assert.ok(ex < 1e-5, `input gradient differs from finite differences by ${ex}`);
    assert.ok(eg < 1e-4, `grid gradient differs from finite differences by ${eg}`);
    assert.ok(fdx.some((v) => v === 0) && fdg.some((v) => v !== 0), 'the case covers pixels no output reads and nonzero grid gradients');
  });
}

test('gridSample: coordinates far outside the image read zeros and get zero gradients', async () => {
  await useTestBackend();
  await expectNoLeak(() => tf.tidy(() => {
    const x = tf.randomUniform([1, 4, 4, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    const grid = tf.tensor4d([-5, 0, 0, 7, 1.5, 1.5, -1.26, -1.3], [1, 2, 2, 2]);
    const dy = tf.ones([1, 2, 2, 3]) as tf.Tensor4D;
    assert.deepEqual(Array.from(gridSample(x, grid).dataSync()), new Array(12).fill(0));
    const g = gridSampleBackward(x, grid, dy);
    assert.deepEqual(Array.from(g.grid!.dataSync()), new Array(8).fill(0));
    assert.deepEqual(Array.from(g.input!.dataSync()), new Array(48).fill(0));
  }));
});

test('gridSample: the identity grid reproduces the input; gradients chain through other custom ops', async () => {
  await useTestBackend();
  await expectNoLeak(() => tf.tidy(() => {
    const [H, W] = [6, 4];
    const x = tf.randomUniform([1, H, W, 2], -1, 1, 'float32', 8) as tf.Tensor4D;
    // Pixel centres in align_corners=False coordinates: (2i + 1)/size − 1.
    const g = new Float32Array(H * W * 2);
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) g.set([(2 * j + 1) / W - 1, (2 * i + 1) / H - 1], (i * W + j) * 2);
    const grid = tf.tensor4d(g, [1, H, W, 2]);
    assert.ok(maxAbsDiff(gridSample(x, grid).dataSync(), x.dataSync()) < 1e-6);
    // d/dx Σ resize(gridSample(x, identity)) = the resize gradient of ones, through both custom gradients.
    const f = (v: tf.Tensor) => resizeBilinear(gridSample(v as tf.Tensor4D, grid), [12, 8]);
    const viaBoth = tf.grads(f)([x])[0]!;
    const direct = tf.grads((v: tf.Tensor) => resizeBilinear(v as tf.Tensor4D, [12, 8]))([x])[0]!;
    assert.ok(maxAbsDiff(viaBoth.dataSync(), direct.dataSync()) < 1e-5);
  }));
});

test('gridSample rejects mismatched shapes with the shapes in the message', async () => {
  await useTestBackend();
  const x = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
  const grid = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
  assert.throws(() => gridSample(x, grid), /grid must be \[B=2, Ho, Wo, 2\].*\[1,2,2,2\]/);
  tf.dispose([x, grid]);
});
