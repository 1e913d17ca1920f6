// resizeBilinear / resizeNearest against float64 references of PyTorch's F.interpolate rules (bilinear with
// align_corners=False, up and down; 'nearest' = floor(dst·in/out)), their custom gradients against the
// adjoint identity <R x, y> = <x, Rᵀ y>, the ×8 mask downsampling of the pipeline, and bookkeeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resizeBilinear } from '../../../models/ops/resize-bilinear.ts';
import { resizeNearest } from '../../../models/ops/resize-nearest.ts';
import { linearTaps, nearestIndices } from '../../../models/ops/resize-taps.ts';
import { expectNoLeak, tf, useTestBackend } from '../../helpers/tf.ts';
import { BACKENDS } from './parity-helpers.ts';

/** PyTorch upsample_bilinear2d (align_corners=False) in float64, NHWC. */
function refBilinear(x: Float32Array, [B, H, W, C]: number[], [Ho, Wo]: number[]): Float64Array {
  const src = (dst: number, inS: number, outS: number) => Math.max((dst + 0.5) * (inS / outS) - 0.5, 0);
  const out = new Float64Array(B! * Ho! * Wo! * C!);
  for (let b = 0; b < B!; b++) for (let i = 0; i < Ho!; i++) for (let j = 0; j < Wo!; j++) {
    const sy = src(i, H!, Ho!), sx = src(j, W!, Wo!);
    const y0 = Math.floor(sy), x0 = Math.floor(sx);
    const y1 = Math.min(y0 + 1, H! - 1), x1 = Math.min(x0 + 1, W! - 1);
    const ly = sy - y0, lx = sx - x0;
    for (let c = 0; c < C!; c++) {
      const v = (y: number, xx: number) => x[((b * H! + y) * W! + xx) * C! + c]!;
      out[((b * Ho! + i) * Wo! + j) * C! + c] = (1 - ly) * ((1 - lx) * v(y0, x0) + lx * v(y0, x1)) + ly * ((1 - lx) * v(y1, x0) + lx * v(y1, x1));
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** <op(x), y> − <x, grad(y)>: zero when the custom gradient is the adjoint of the (linear) forward. */
type Shape4 = [number, number, number, number];

function adjointGap(op: (v: tf.Tensor4D) => tf.Tensor4D, inShape: Shape4, outShape: Shape4): number {
  return tf.tidy(() => {
    const x = tf.randomUniform(inShape, -1, 1, 'float32', 11) as tf.Tensor4D;
    const y = tf.randomUniform(outShape, -1, 1, 'float32', 12) as tf.Tensor4D;
    const lhs = tf.sum(tf.mul(op(x), y)).dataSync()[0]!;
    const gx = tf.grads((v: tf.Tensor) => op(v as tf.Tensor4D))([x], y)[0]!;
    const rhs = tf.sum(tf.mul(x, gx)).dataSync()[0]!;
    return Math.abs(lhs - rhs) / Math.max(1, Math.abs(lhs));
  });
}

const CASES: Array<[Shape4, [number, number]]> = [
  [[2, 4, 3, 2], [32, 24]], //  ×8 up, as the flow upsampling
  [[1, 5, 7, 3], [9, 4]], //    mixed up / down, non-integer ratios
  [[1, 13, 10, 2], [4, 3]], //  down (2-tap, no antialias, as PyTorch)
];

for (const backend of BACKENDS) {
  test(`${backend}: resizeBilinear equals PyTorch's rule, and its gradient is the exact adjoint`, async (t) => {
    await useTestBackend(backend);
    for (const [shape, size] of CASES) {
      await expectNoLeak(() => tf.tidy(() => {
        const x = tf.randomUniform(shape, -1, 1, 'float32', 3) as tf.Tensor4D;
        const err = maxAbsDiff(resizeBilinear(x, size).dataSync(), refBilinear(x.dataSync() as Float32Array, shape, size));
        const gap = adjointGap((v) => resizeBilinear(v, size), shape, [shape[0], ...size, shape[3]]);
        t.diagnostic(`${JSON.stringify(shape)} → ${JSON.stringify(size)}: forward error ${err.toExponential(2)}, adjoint gap ${gap.toExponential(2)}`);
        assert.ok(err < 1e-6, `forward error ${err}`);
        assert.ok(gap < 1e-5, `adjoint gap ${gap}`);
      }));
    }
  });

  test(`${backend}: resizeNearest takes floor(dst·in/out) and its gradient is the exact adjoint`, async () => {
    await useTestBackend(backend);
    for (const [shape, size] of [...CASES, [[1, 20, 13, 3], [5, 4]] as [Shape4, [number, number]]]) {
      await expectNoLeak(() => tf.tidy(() => {
        const x = tf.randomUniform(shape, -1, 1, 'float32', 4) as tf.Tensor4D;
        const [B, H, W, C] = shape;
        const [Ho, Wo] = size;
        const ri = nearestIndices(H, Ho), ci = nearestIndices(W, Wo);
        const xv = x.dataSync();
        const got = resizeNearest(x, size).dataSync();
        for (let b = 0; b < B; b++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) for (let c = 0; c < C; c++) {
          assert.equal(got[((b * Ho + i) * Wo + j) * C + c], xv[((b * H + ri[i]!) * W + ci[j]!) * C + c]);
        }
        assert.ok(adjointGap((v) => resizeNearest(v, size), shape, [B, Ho, Wo, C]) < 1e-5);
      }));
    }
  });
}

test('resizeNearest downsamples by 8 as the pipeline does: latent pixel (i, j) = image pixel (8i, 8j)', async () => {
  await useTestBackend();
  await expectNoLeak(() => tf.tidy(() => {
    const [H, W] = [64, 48];
    const img = tf.reshape(tf.range(0, H * W, 1, 'float32'), [1, H, W, 1]) as tf.Tensor4D; // value = y·W + x
    const small = resizeNearest(img, [H / 8, W / 8]).dataSync();
    for (let i = 0; i < H / 8; i++) for (let j = 0; j < W / 8; j++) assert.equal(small[i * (W / 8) + j], 8 * i * W + 8 * j);
    // Integer tensors (e.g. label maps) resize too, without a gradient.
    const labels = tf.cast(img, 'int32') as tf.Tensor4D;
    assert.equal(resizeNearest(labels, [8, 6]).dtype, 'int32');
  }));
});

test('resize taps: PyTorch float32 source indices, including exact-integer ratios', () => {
  assert.deepEqual(Array.from(nearestIndices(20, 5)), [0, 4, 8, 12, 16]);
  assert.deepEqual(Array.from(nearestIndices(13, 4)), [0, 3, 6, 9]);
  assert.deepEqual(Array.from(nearestIndices(4, 6)), [0, 0, 1, 2, 2, 3]); // 3·(4/6) = 2 exactly in float32
  const t = linearTaps(4, 32); // ×8: the first 4 outputs clamp to source 0, the last 4 repeat source 3
  assert.deepEqual(Array.from(t.i0.slice(0, 5)), [0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(t.w1.slice(0, 5)), [0, 0, 0, 0, 0.0625]);
  assert.deepEqual([t.i0[31], t.i1[31]], [3, 3]);
  assert.throws(() => linearTaps(0, 3), /sizes must be positive integers, got in=0, out=3/);
});

test('resize ops reject non-NHWC input with the shape in the message', async () => {
  await useTestBackend();
  const x = tf.zeros([4, 4, 3]);
  assert.throws(() => resizeBilinear(x as unknown as tf.Tensor4D, [8, 8]), /x must be NHWC \[B, H, W, C\], got shape \[4,4,3\]/);
  assert.throws(() => resizeNearest(x as unknown as tf.Tensor4D, [8, 8]), /x must be NHWC/);
  x.dispose();
});
