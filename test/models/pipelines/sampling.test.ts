// The sampling pipeline: seeded reproducibility, progress, cancel within one step, and no tensor left
// behind after a full run, a cancelled run or an error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { openLeffa, type OpenedLeffa } from '../../../models/leffa/open.ts';
import { AbortError, leffaSample, type LeffaInputs } from '../../../models/pipelines/leffa-pipeline.ts';
import { seededNoise } from '../../../models/pipelines/noise.ts';
import { Xoshiro128 } from '../../../models/pipelines/rng.ts';
import { makeScheduler } from '../../../models/pipelines/tryon.ts';

let m: OpenedLeffa;
const tiny = join(fixturesDir, 'leffa-tiny');
before(async () => {
  await useTestBackend();
  m = openLeffa(join(tiny, 'weights.safetensors'), { base: join(tiny, 'base', 'tiny-stable-diffusion-inpainting') });
});
after(() => m.dispose());

function inputs(): LeffaInputs {
  return tf.tidy(() => ({
    srcImage: tf.randomUniform([1, 64, 48, 3], -1, 1, 'float32', 1) as tf.Tensor4D,
    refImage: tf.randomUniform([1, 64, 48, 3], -1, 1, 'float32', 2) as tf.Tensor4D,
    mask: tf.randomUniform([1, 64, 48, 1], 0, 1, 'float32', 3).greater(0.5).cast('float32') as tf.Tensor4D,
    densepose: tf.randomUniform([1, 64, 48, 3], -1, 1, 'float32', 4) as tf.Tensor4D,
  }));
}

async function sample(seed: number, extra: Partial<Parameters<typeof leffaSample>[3]> = {}) {
  const x = inputs();
  try {
    const r = await leffaSample(m, makeScheduler(m, 'ddpm'), x, { steps: 3, noise: seededNoise(seed), ...extra });
    const data = r.decoded.dataSync().slice();
    tf.dispose([r.latent, r.decoded]);
    return data;
  } finally {
    tf.dispose(Object.values(x));
  }
}

test('the documented PRNG: xoshiro128** streams are fixed per (seed, role) and N(0,1)-distributed', () => {
  const a = new Xoshiro128(42, 'init').fillNormal(new Float32Array(20000));
  const b = new Xoshiro128(42, 'init').fillNormal(new Float32Array(20000));
  const c = new Xoshiro128(42, 'step/0').fillNormal(new Float32Array(20000));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.04, `mean ${mean}, variance ${variance}`);
  assert.equal(new Xoshiro128(1, '').nextU32(), new Xoshiro128(1, '').nextU32());
});

test('one seed reproduces the whole run bit for bit; another seed differs; no tensor leaks', async () => {
  await expectNoLeak(async () => {
    const a = await sample(5);
    const b = await sample(5);
    const c = await sample(6);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});

test('progress is reported once per step with timing and an ETA', async () => {
  const seen: { step: number; steps: number; etaMs: number; shape: number[] }[] = [];
  await expectNoLeak(() => sample(1, { onStep: (i) => seen.push({ step: i.step, steps: i.steps, etaMs: i.etaMs, shape: i.latent.shape }) }));
  assert.deepEqual(seen.map((s) => s.step), [0, 1, 2]);
  assert.equal(seen[2]!.etaMs, 0);
  assert.ok(seen[0]!.etaMs > 0);
  assert.deepEqual(seen[0]!.shape, [1, 8, 6, 4]);
});

test('an abort stops within one step and frees every tensor', async () => {
  const ctl = new AbortController();
  const steps: number[] = [];
  await expectNoLeak(async () => {
    await assert.rejects(sample(1, { steps: 10, signal: ctl.signal, onStep: (i) => { steps.push(i.step); if (i.step === 1) ctl.abort(); } }), AbortError);
  });
  assert.deepEqual(steps, [0, 1]);
  const pre = new AbortController();
  pre.abort();
  await expectNoLeak(() => assert.rejects(sample(1, { signal: pre.signal }), AbortError));
});

test('an error in the middle of a run frees every tensor', async () => {
  await expectNoLeak(async () => {
    await assert.rejects(sample(1, { steps: 3, onStep: (i) => { if (i.step === 1) throw new Error('disk full'); } }), /disk full/);
  });
  await expectNoLeak(async () => {
    const x = inputs();
    const bad = { ...x, mask: tf.zeros([1, 64, 40, 1]) as tf.Tensor4D };
    await assert.rejects(leffaSample(m, makeScheduler(m, 'ddpm'), bad, { steps: 2, noise: seededNoise(1) }), /mask has shape \[1,64,40,1\], expected \[1, 64, 48, 1\]/);
    tf.dispose([...Object.values(x), bad.mask]);
  });
});

test('explain: flow fields of chosen layers at chosen steps, and the garment warped by them', async () => {
  const { warpByFlow, flowToColourWheel } = await import('../../../models/pipelines/explain.ts');
  const x = inputs();
  await expectNoLeak(async () => {
    const layer = 'down_blocks.0.attentions.0.transformer_blocks.0.attn1';
    const r = await leffaSample(m, makeScheduler(m, 'ddpm'), x, { steps: 3, noise: seededNoise(2), explain: { layers: [layer], steps: [0, 2] } });
    assert.equal(r.explain!.length, 2);
    const f = r.explain![0]!;
    assert.equal(f.layer, layer);
    assert.deepEqual([f.step, f.h, f.w], [0, 8, 6]);
    assert.equal(f.flow.length, 8 * 6 * 2);
    assert.ok(f.flow.every((v) => v >= -1 - 1e-6 && v <= 1 + 1e-6), 'a flow is an average of coordinates in [-1, 1]');
    const warped = warpByFlow(x.refImage, f);
    assert.deepEqual(warped.shape, [1, 64, 48, 3]);
    warped.dispose();
    assert.equal(flowToColourWheel(f).data.length, 8 * 6 * 3);
    const without = await leffaSample(m, makeScheduler(m, 'ddpm'), x, { steps: 3, noise: seededNoise(2) });
    // recording attention must not change the image
    assert.deepEqual(without.decoded.dataSync(), r.decoded.dataSync());
    assert.equal(without.explain, undefined);
    tf.dispose([r.latent, r.decoded, without.latent, without.decoded]);
  });
  tf.dispose(Object.values(x));
});

test('reference K/V cache under ref acceleration gives the same image as recomputing it, without leaks', async () => {
  await expectNoLeak(async () => {
    const a = await sample(4, { refAcceleration: true });
    const b = await sample(4, { refAcceleration: true, cacheReferenceKV: false });
    let err = 0;
    for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
    assert.ok(err <= 1e-5, `max difference ${err}`);
  });
});
