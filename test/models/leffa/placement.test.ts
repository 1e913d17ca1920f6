// The memory plan: weights kept in JS memory and uploaded per layer give the same numbers as resident
// weights (bit for bit), fp16 host storage stays close, and nothing is left in the backend afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { openLeffa } from '../../../models/leffa/open.ts';
import { choosePlacement } from '../../../models/leffa/loaded.ts';
import { f32ToF16 } from '../../../models/nn/host-params.ts';
import { f16ToF32 } from '../../../models/io/dtype.ts';
import { leffaSample } from '../../../models/pipelines/leffa-pipeline.ts';
import { seededNoise } from '../../../models/pipelines/noise.ts';
import { makeScheduler } from '../../../models/pipelines/tryon.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
const base = join(tiny, 'base', 'tiny-stable-diffusion-inpainting');

async function runWith(placement: 'resident' | 'host', precision: 'fp32' | 'fp16' = 'fp32'): Promise<Float32Array> {
  const m = openLeffa(join(tiny, 'weights.pth'), { base, placement, precision });
  assert.equal(m.placement, placement);
  const x = tf.tidy(() => ({
    srcImage: tf.randomUniform([1, 64, 48, 3], -1, 1, 'float32', 1) as tf.Tensor4D,
    refImage: tf.randomUniform([1, 64, 48, 3], -1, 1, 'float32', 2) as tf.Tensor4D,
    mask: tf.ones([1, 64, 48, 1]) as tf.Tensor4D,
    densepose: tf.randomUniform([1, 64, 48, 3], -1, 1, 'float32', 4) as tf.Tensor4D,
  }));
  try {
    const r = await leffaSample(m, makeScheduler(m, 'ddpm'), x, { steps: 2, noise: seededNoise(3) });
    const out = r.decoded.dataSync().slice() as Float32Array;
    tf.dispose([r.latent, r.decoded]);
    return out;
  } finally {
    tf.dispose(Object.values(x));
    m.dispose();
  }
}

test('host placement (weights uploaded per layer) equals resident placement bit for bit, without leaks', async () => {
  await useTestBackend();
  await expectNoLeak(async () => {
    const a = await runWith('resident');
    const b = await runWith('host');
    assert.deepEqual(a, b);
  });
});

test('fp16 host storage changes the tiny model\'s decoded output by a small amount', async (t) => {
  await useTestBackend();
  const a = await runWith('resident');
  const b = await runWith('host', 'fp16');
  let err = 0, ref = 0;
  for (let i = 0; i < a.length; i++) { err = Math.max(err, Math.abs(a[i]! - b[i]!)); ref = Math.max(ref, Math.abs(a[i]!)); }
  t.diagnostic(`fp16 weights: decoded max-abs error ${err.toExponential(2)}, relative ${(err / ref).toExponential(2)}`);
  assert.ok(err / ref < 2e-2, `relative error ${err / ref}`);
  assert.ok(err > 0);
});

test('float16 conversion rounds to nearest even and round-trips halves', () => {
  for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8]) assert.equal(f16ToF32(f32ToF16(v)), v);
  assert.equal(f16ToF32(f32ToF16(1 + 2 ** -11)), 1); // halfway between 1 and 1+2^-10: ties to even
  assert.equal(f16ToF32(f32ToF16(1 + 3 * 2 ** -11)), 1 + 2 ** -9);
  assert.equal(f16ToF32(f32ToF16(1e6)), Infinity);
});

test('auto placement keeps weights resident under the budget and on the host above it', () => {
  const specs = [{ name: 'w', shape: [1024, 1024], kind: 'linear' as const }];
  assert.equal(choosePlacement(specs, { residentBudgetBytes: 8 * 2 ** 20 }), 'resident');
  assert.equal(choosePlacement(specs, { residentBudgetBytes: 2 ** 20 }), 'host');
  assert.equal(choosePlacement(specs, { placement: 'host' }), 'host');
});
