// Noise-schedule tables against the fixtures (bit for bit) and their invariants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DDPMScheduler } from '../../../models/schedulers/ddpm.ts';
import { linspaceF32 } from '../../../models/schedulers/linspace.ts';
import { cumprodF32, makeBetas } from '../../../models/schedulers/betas.ts';
import { fmaF32, roundHalfEven } from '../../../models/schedulers/float32.ts';
import { readBaseSchedulerConfig } from '../../../models/parity/handlers/scheduler.ts';
import { FIXTURE_SETS, countMismatches, openFixtureSet } from './fixture-helpers.ts';

for (const set of FIXTURE_SETS) {
  test(`${set}: betas / alphas_cumprod tables equal the fixture bit for bit (sd15 and zero_snr)`, (t) => {
    const { ctx, close } = openFixtureSet(set);
    try {
      const base = readBaseSchedulerConfig(ctx.baseFolder);
      for (const [name, zeroSnr] of [['sd15', false], ['zero_snr', true]] as const) {
        const s = DDPMScheduler.fromConfig(base, { rescale_betas_zero_snr: zeroSnr });
        const betas = countMismatches(s.betas, ctx.float(`scheduler/${name}/betas`));
        const ac = countMismatches(s.alphasCumprod, ctx.float(`scheduler/${name}/alphas_cumprod`));
        t.diagnostic(`${name}: ${betas} betas and ${ac} alphas_cumprod entries differ from PyTorch`);
        assert.equal(betas, 0, `${name} betas`);
        assert.equal(ac, 0, `${name} alphas_cumprod`);
      }
    } finally {
      close();
    }
  });
}

test('alphas_cumprod is strictly decreasing in (0, 1] for both schedules; zero-SNR ends at ᾱ = 0, β = 1', () => {
  for (const zeroSnr of [false, true]) {
    const s = new DDPMScheduler({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, rescale_betas_zero_snr: zeroSnr });
    const ac = s.alphasCumprod;
    for (let i = 1; i < ac.length; i++) assert.ok(ac[i]! < ac[i - 1]!, `ᾱ[${i}] = ${ac[i]} is not below ᾱ[${i - 1}] = ${ac[i - 1]}`);
    assert.ok(ac[0]! <= 1 && ac[0]! > 0.999);
    if (zeroSnr) {
      assert.equal(ac[ac.length - 1], 0);
      assert.equal(s.betas[s.betas.length - 1], 1);
    } else {
      assert.ok(ac[ac.length - 1]! > 0.004);
    }
  }
});

test('zero-SNR rescale keeps ᾱ_0 (up to float32 rounding) and the beta range is sane', () => {
  const plain = new DDPMScheduler({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 });
  const zsnr = new DDPMScheduler({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, rescale_betas_zero_snr: true });
  assert.ok(Math.abs(plain.alphasCumprod[0]! - zsnr.alphasCumprod[0]!) < 1e-6);
  for (const b of zsnr.betas) assert.ok(b > 0 && b <= 1);
});

test('linear and trained_betas schedules', () => {
  const lin = makeBetas({ num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', trained_betas: null, rescale_betas_zero_snr: false });
  assert.equal(lin[0], Math.fround(0.0001));
  assert.equal(lin[999], Math.fround(0.02));
  // Float32 rounding of the exact linspace (step rounding grows with i): within 3e-7 relative.
  for (let i = 0; i < 1000; i++) {
    const exact = 0.0001 + (i * (0.02 - 0.0001)) / 999;
    assert.ok(Math.abs(lin[i]! - exact) <= 3e-7 * exact, `linear beta[${i}] = ${lin[i]}, exact ${exact}`);
  }
  const trained = [0.1, 0.2, 0.3];
  const s = new DDPMScheduler({ num_train_timesteps: 3, trained_betas: trained });
  assert.deepEqual(Array.from(s.betas), trained.map(Math.fround));
  // ᾱ: float32 α = 1 − β, product kept in float64, each entry rounded to float32 (torch.cumprod on CPU).
  const [a0, a1, a2] = trained.map((b) => Math.fround(1 - Math.fround(b))) as [number, number, number];
  assert.deepEqual(Array.from(s.alphasCumprod), [a0, a0 * a1, a0 * a1 * a2].map(Math.fround));
});

test('float32 helpers: linspace end points, fma single rounding, cumprod, half-even rounding', () => {
  const l = linspaceF32(0, 1, 5);
  assert.deepEqual(Array.from(l), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(Array.from(linspaceF32(3, 7, 1)), [3]);
  // (1 + 2^-23)(1 − 2^-23) − 1 = −2^-46: exact with a fused multiply-add, 0 when rounded twice in float32.
  const a = Math.fround(1 + 2 ** -23);
  const b = Math.fround(1 - 2 ** -23);
  assert.equal(fmaF32(a, b, -1), -(2 ** -46));
  assert.deepEqual(Array.from(cumprodF32(Float32Array.from([0.5, 0.5, 0.5]))), [0.5, 0.25, 0.125]);
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, -0, -2, 2, 3]);
});
