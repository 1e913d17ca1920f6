// DDPMScheduler.step / addNoise against the fixture records, plus misuse errors, layout independence
// and tensor bookkeeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { DDPMScheduler } from '../../../models/schedulers/ddpm.ts';
import { readBaseSchedulerConfig } from '../../../models/parity/handlers/scheduler.ts';
import type { ParityContext } from '../../../models/parity/types.ts';
import { FIXTURE_SETS, assertClose, openFixtureSet } from './fixture-helpers.ts';

interface StepCase { index: number; schedule: 'sd15' | 'zero_snr'; num_inference_steps: number; timestep: number; prev_timestep: number }

const stored = (ctx: ParityContext, name: string) => tf.tensor(ctx.float(name), ctx.manifest.tensors[name]!.shape);

for (const set of FIXTURE_SETS) {
  test(`${set}: every DDPM step case matches the fixture (≤ 1e-4 · max|ref|)`, async (t) => {
    await useTestBackend();
    const { ctx, close } = openFixtureSet(set);
    try {
      await expectNoLeak(() => {
        const base = readBaseSchedulerConfig(ctx.baseFolder);
        const record = ctx.manifest.records.find((r) => r.id === 'scheduler')!;
        for (const c of record.params!.step_cases as StepCase[]) {
          const s = DDPMScheduler.fromConfig(base, { rescale_betas_zero_snr: c.schedule === 'zero_snr' });
          s.setTimesteps(c.num_inference_steps);
          assert.equal(s.previousTimestep(c.timestep), c.prev_timestep);
          const p = `scheduler/step/${c.index}`;
          const [eps, x, z] = [stored(ctx, `${p}/model_output`), stored(ctx, `${p}/sample`), stored(ctx, `${p}/variance_noise`)];
          const r = s.step(eps, c.timestep, x, { varianceNoise: z });
          const e1 = assertClose(`${p}/prev_sample`, r.prevSample.dataSync() as Float32Array, ctx.float(`${p}/prev_sample`));
          const e2 = assertClose(`${p}/pred_original_sample`, r.predOriginalSample.dataSync() as Float32Array, ctx.float(`${p}/pred_original_sample`));
          t.diagnostic(`step ${c.index} (${c.schedule}, S=${c.num_inference_steps}, t=${c.timestep}): max rel err prev_sample ${e1.toExponential(2)}, pred_original_sample ${e2.toExponential(2)}`);
          tf.dispose([eps, x, z, r.prevSample, r.predOriginalSample]);
        }
      });
    } finally {
      close();
    }
  });

  test(`${set}: add_noise matches the fixture for both schedules (zero-SNR t=999 row is pure noise)`, async (t) => {
    await useTestBackend();
    const { ctx, close } = openFixtureSet(set);
    try {
      await expectNoLeak(() => {
        const base = readBaseSchedulerConfig(ctx.baseFolder);
        const ts = Array.from(ctx.tensor('scheduler/add_noise/timesteps').data as BigInt64Array, Number);
        assert.deepEqual(ts, [0, 37, 500, 999]);
        const [x0, noise] = [stored(ctx, 'scheduler/add_noise/original'), stored(ctx, 'scheduler/add_noise/noise')];
        for (const name of ['sd15', 'zero_snr']) {
          const s = DDPMScheduler.fromConfig(base, { rescale_betas_zero_snr: name === 'zero_snr' });
          const y = s.addNoise(x0, noise, ts);
          const e = assertClose(name, y.dataSync() as Float32Array, ctx.float(`scheduler/add_noise/${name}/noisy`));
          t.diagnostic(`add_noise ${name}: max rel err ${e.toExponential(2)}`);
          if (name === 'zero_snr') {
            const last = tf.tidy(() => tf.max(tf.abs(tf.sub(y.slice([3], [1]), noise.slice([3], [1])))).dataSync()[0]!);
            assert.equal(last, 0, 'ᾱ_999 = 0: x_999 = noise exactly');
          }
          y.dispose();
        }
        tf.dispose([x0, noise]);
      });
    } finally {
      close();
    }
  });
}

const sd15 = () => new DDPMScheduler({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, clip_sample: false, steps_offset: 1 });

test('step before setTimesteps, bad timesteps, mismatched shapes and missing noise are errors', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const s = sd15();
    const x = tf.zeros([1, 2, 2, 4]);
    const z = tf.zeros([1, 2, 2, 4]);
    assert.throws(() => s.step(x, 501, x, { varianceNoise: z }), /DDPMScheduler.step: call setTimesteps\(numInferenceSteps\) before step/);
    s.setTimesteps(4);
    assert.throws(() => s.step(x, 1000, x, { varianceNoise: z }), /timestep 1000 is not a training timestep; expected an integer in \[0, 999\]/);
    assert.throws(() => s.step(x, 2.5, x, { varianceNoise: z }), /timestep 2.5/);
    const wrong = tf.zeros([1, 4, 2, 2]);
    assert.throws(() => s.step(wrong, 501, x, { varianceNoise: z }), /modelOutput has shape \[1,4,2,2\] but sample has shape \[1,2,2,4\]/);
    assert.throws(() => s.step(x, 501, x, { varianceNoise: wrong }), /variance noise has shape \[1,4,2,2\]/);
    assert.throws(() => s.step(x, 501, x), /adds variance noise; pass varianceNoise/);
    assert.throws(() => s.step(x, 501, x, { varianceNoise: z, generator: (sh) => tf.zeros(sh) }), /either varianceNoise or generator, not both/);
    assert.throws(() => s.step(x, 501, x, z as never), /step options must be an object/);
    tf.dispose([x, z, wrong]);
  });
});

test('t = 0 needs no noise; a generator gives the same result as the injected tensor and its draw is freed', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const s = new DDPMScheduler({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, clip_sample: false });
    s.setTimesteps(1000); // every training step: previousTimestep(t) = t − 1
    const eps = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 1);
    const x = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 2);
    const z = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 3);
    const final = s.step(eps, 0, x); // t = 0: deterministic, x_{−1} = μ̃ = x̂_0 (ᾱ_prev = 1)
    const d0 = tf.tidy(() => tf.max(tf.abs(tf.sub(final.prevSample, final.predOriginalSample))).dataSync()[0]!);
    assert.ok(d0 < 1e-6, `at t=0 prev_sample equals pred_original_sample (diff ${d0})`);
    const a = s.step(eps, 700, x, { varianceNoise: z });
    let calls = 0;
    const b = s.step(eps, 700, x, { generator: (shape) => { calls++; assert.deepEqual(shape, [2, 3, 3, 4]); return tf.clone(z); } });
    assert.equal(calls, 1);
    assert.deepEqual(Array.from(a.prevSample.dataSync()), Array.from(b.prevSample.dataSync()));
    tf.dispose([eps, x, z, final.prevSample, final.predOriginalSample, a.prevSample, a.predOriginalSample, b.prevSample, b.predOriginalSample]);
  });
});

test('layout-agnostic: NHWC inputs give the NCHW results transposed', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const s = sd15();
    s.setTimesteps(30);
    const [eps, x, z] = [1, 2, 3].map((seed) => tf.randomNormal([2, 4, 5, 3], 0, 1, 'float32', seed)); // NCHW
    const nchw = s.step(eps, 463, x, { varianceNoise: z });
    const toNhwc = (a: tf.Tensor) => tf.transpose(a, [0, 2, 3, 1]);
    const [e2, x2, z2] = [eps, x, z].map(toNhwc);
    const nhwc = s.step(e2!, 463, x2!, { varianceNoise: z2 });
    const back = toNhwc(nchw.prevSample);
    assert.deepEqual(Array.from(nhwc.prevSample.dataSync()), Array.from(back.dataSync()));
    const noisyA = s.addNoise(x, eps, [10, 900]);
    const noisyB = s.addNoise(x2!, e2!, [10, 900]);
    const noisyBack = toNhwc(noisyA);
    assert.deepEqual(Array.from(noisyB.dataSync()), Array.from(noisyBack.dataSync()));
    tf.dispose([eps!, x!, z!, e2!, x2!, z2!, nchw.prevSample, nchw.predOriginalSample, nhwc.prevSample, nhwc.predOriginalSample, back, noisyA, noisyB, noisyBack]);
  });
});

test('step reproduces the DDPM posterior by hand (eqs. 7, 15) and clip_sample clamps x̂_0', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const s = new DDPMScheduler({ num_train_timesteps: 4, trained_betas: [0.1, 0.2, 0.3, 0.4], clip_sample: true, clip_sample_range: 1 });
    s.setTimesteps(4);
    const ab = [0.9, 0.72, 0.504, 0.3024];
    const [t, eps, xt, z] = [2, 0.5, 3, -1];
    const x0 = (xt - Math.sqrt(1 - ab[t]!) * eps) / Math.sqrt(ab[t]!); // eq. 15: ≈ 3.82, clipped to 1
    assert.ok(x0 > 1);
    const mean = (Math.sqrt(ab[t - 1]!) * 0.3 / (1 - ab[t]!)) * 1 + (Math.sqrt(0.7) * (1 - ab[t - 1]!) / (1 - ab[t]!)) * xt; // eq. 7
    const sigma = Math.sqrt(((1 - ab[t - 1]!) / (1 - ab[t]!)) * 0.3);
    const [e, x, n] = [eps, xt, z].map((v) => tf.fill([1, 1], v));
    const r = s.step(e!, t, x!, { varianceNoise: n });
    assert.equal(r.predOriginalSample.dataSync()[0], 1);
    assert.ok(Math.abs(r.prevSample.dataSync()[0]! - (mean + sigma * z)) < 1e-5);
    tf.dispose([e!, x!, n!, r.prevSample, r.predOriginalSample]);
  });
});
