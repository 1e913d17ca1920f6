// DDIMScheduler against hand-computed values and DDIM's defining properties (Song et al. 2021).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { DDIMScheduler } from '../../../models/schedulers/ddim.ts';
import { DDPMScheduler } from '../../../models/schedulers/ddpm.ts';

const SD = { beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, clip_sample: false, steps_offset: 1 } as const;
const maxDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

test('eta = 0 with the true noise: x̂_0 = x_0 and x_{t\'} = addNoise(x_0, ε, t\') (deterministic, eq. 12)', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    for (const zeroSnr of [false, true]) {
      const s = new DDIMScheduler({ ...SD, rescale_betas_zero_snr: zeroSnr, set_alpha_to_one: false });
      s.setTimesteps(10);
      const x0 = tf.randomNormal([2, 4, 3, 4], 0, 1, 'float32', 11);
      const eps = tf.randomNormal([2, 4, 3, 4], 0, 1, 'float32', 12);
      for (const t of s.timesteps) {
        const xt = s.addNoise(x0, eps, t);
        const r = s.step(eps, t, xt);
        const prev = s.previousTimestep(t);
        // x̂_0 loses precision as ᾱ_t → 0 (division by √ᾱ_t): bound relative to 1/√ᾱ_t.
        const tolX0 = 2e-6 / Math.sqrt(s.alphasCumprod[t]!);
        assert.ok(maxDiff(r.predOriginalSample, x0) < tolX0, `t=${t}: x̂_0 off by ${maxDiff(r.predOriginalSample, x0)}`);
        if (prev >= 0) {
          const expected = s.addNoise(x0, eps, prev);
          assert.ok(maxDiff(r.prevSample, expected) < 1e-4, `t=${t}: x_prev off by ${maxDiff(r.prevSample, expected)}`);
          expected.dispose();
        }
        tf.dispose([xt, r.prevSample, r.predOriginalSample]);
      }
      tf.dispose([x0, eps]);
    }
  });
});

test('hand-computed DDIM step on a 4-step schedule (eq. 12 and 16), eta = 0 and eta = 0.5', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const s = new DDIMScheduler({ num_train_timesteps: 4, trained_betas: [0.1, 0.2, 0.3, 0.4], clip_sample: false, set_alpha_to_one: true });
    s.setTimesteps(2); // leading: ratio 2 → timesteps [2, 0]
    assert.deepEqual(Array.from(s.timesteps), [2, 0]);
    const ab = [0.9, 0.72, 0.504, 0.3024];
    const [eps, xt, z] = [0.5, 3, -1];
    // t = 2 → t' = 0.
    const x0 = (xt - Math.sqrt(1 - ab[2]!) * eps) / Math.sqrt(ab[2]!);
    const sigma = (eta: number) => eta * Math.sqrt(((1 - ab[0]!) / (1 - ab[2]!)) * (1 - ab[2]! / ab[0]!));
    const expected = (eta: number) => Math.sqrt(ab[0]!) * x0 + Math.sqrt(1 - ab[0]! - sigma(eta) ** 2) * eps + sigma(eta) * z;
    const [e, x, n] = [eps, xt, z].map((v) => tf.fill([1, 2], v));
    for (const eta of [0, 0.5]) {
      const r = s.step(e!, 2, x!, { eta, varianceNoise: eta > 0 ? n : undefined });
      assert.ok(Math.abs(r.predOriginalSample.dataSync()[0]! - x0) < 1e-5);
      assert.ok(Math.abs(r.prevSample.dataSync()[0]! - expected(eta)) < 1e-5, `eta=${eta}: ${r.prevSample.dataSync()[0]} vs ${expected(eta)}`);
      tf.dispose([r.prevSample, r.predOriginalSample]);
    }
    // Last step t = 0 → t' = −2: ᾱ_prev = 1 (set_alpha_to_one), so x_{t'} = x̂_0.
    const last = s.step(e!, 0, x!);
    assert.ok(maxDiff(last.prevSample, last.predOriginalSample) < 1e-6);
    tf.dispose([e!, x!, n!, last.prevSample, last.predOriginalSample]);
  });
});

test('eta = 1 equals the DDPM ancestral step (same σ_t², same mean)', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const ddim = new DDIMScheduler({ ...SD, set_alpha_to_one: true });
    const ddpm = new DDPMScheduler(SD);
    ddim.setTimesteps(30);
    ddpm.setTimesteps(30);
    const [eps, xt, z] = [21, 22, 23].map((seed) => tf.randomNormal([1, 4, 4, 4], 0, 1, 'float32', seed));
    for (const t of [958, 463, 34]) {
      const a = ddim.step(eps!, t, xt!, { eta: 1, varianceNoise: z });
      const b = ddpm.step(eps!, t, xt!, { varianceNoise: z });
      assert.ok(maxDiff(a.prevSample, b.prevSample) < 1e-5, `t=${t}: ${maxDiff(a.prevSample, b.prevSample)}`);
      tf.dispose([a.prevSample, a.predOriginalSample, b.prevSample, b.predOriginalSample]);
    }
    tf.dispose([eps!, xt!, z!]);
  });
});

test('set_alpha_to_one=false uses ᾱ_0 past the last step', () => {
  const s = new DDIMScheduler({ ...SD, set_alpha_to_one: false });
  assert.equal(s.finalAlphaCumprod, s.alphasCumprod[0]);
  assert.equal(new DDIMScheduler({ ...SD }).finalAlphaCumprod, 1);
});

test('DDIM misuse: step before setTimesteps, negative eta, eta > 0 without noise', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const s = new DDIMScheduler(SD);
    const x = tf.zeros([1, 2, 2, 4]);
    assert.throws(() => s.step(x, 501, x), /DDIMScheduler.step: call setTimesteps/);
    s.setTimesteps(4);
    assert.throws(() => s.step(x, 501, x, { eta: -1 }), /eta = -1; expected a finite number ≥ 0/);
    assert.throws(() => s.step(x, 501, x, { eta: 1 }), /adds variance noise; pass varianceNoise/);
    const ok = s.step(x, 501, x, { eta: 0 });
    tf.dispose([x, ok.prevSample, ok.predOriginalSample]);
  });
});
