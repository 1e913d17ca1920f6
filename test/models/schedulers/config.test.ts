// Scheduler configs: diffusers defaults, foreign keys ignored, bad values rejected with a precise message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DDPMScheduler } from '../../../models/schedulers/ddpm.ts';
import { DDIMScheduler } from '../../../models/schedulers/ddim.ts';
import { SchedulerConfigError } from '../../../models/schedulers/config.ts';
import { readBaseSchedulerConfig } from '../../../models/parity/handlers/scheduler.ts';
import { FIXTURE_SETS, openFixtureSet } from './fixture-helpers.ts';

test('defaults are diffusers DDPMScheduler / DDIMScheduler defaults', () => {
  const d = new DDPMScheduler().config;
  assert.equal(d.num_train_timesteps, 1000);
  assert.equal(d.beta_schedule, 'linear');
  assert.equal(d.beta_start, 0.0001);
  assert.equal(d.beta_end, 0.02);
  assert.equal(d.clip_sample, true);
  assert.equal(d.variance_type, 'fixed_small');
  assert.equal(d.timestep_spacing, 'leading');
  assert.equal(d.steps_offset, 0);
  assert.equal(new DDIMScheduler().config.set_alpha_to_one, true);
});

for (const set of FIXTURE_SETS) {
  test(`${set}: the base scheduler_config.json (another class's config) loads; its foreign keys are ignored`, () => {
    const { ctx, close } = openFixtureSet(set);
    try {
      const raw = readBaseSchedulerConfig(ctx.baseFolder);
      const s = DDPMScheduler.fromConfig(raw, { rescale_betas_zero_snr: ctx.manifest.config.arch === 'sdxl' });
      const eff = ctx.manifest.config.scheduler_effective as Record<string, unknown>;
      for (const k of ['num_train_timesteps', 'beta_start', 'beta_end', 'beta_schedule', 'variance_type', 'clip_sample', 'prediction_type', 'timestep_spacing', 'steps_offset', 'rescale_betas_zero_snr'] as const) {
        assert.equal(s.config[k], eff[k], `${k} differs from the fixture's scheduler_effective`);
      }
      assert.ok(s.ignoredConfigKeys.includes('_class_name'));
      assert.ok(s.ignoredConfigKeys.includes('skip_prk_steps'));
      assert.ok(s.ignoredConfigKeys.includes('set_alpha_to_one'), 'a DDIM key is foreign to DDPM');
      if (set === 'leffa-tiny-xl') assert.ok(s.ignoredConfigKeys.includes('interpolation_type'));
      const ddim = DDIMScheduler.fromConfig(raw);
      assert.equal(ddim.config.set_alpha_to_one, false);
      assert.equal(ddim.finalAlphaCumprod, ddim.alphasCumprod[0]);
    } finally {
      close();
    }
  });
}

test('unsupported values are errors naming key, value and the allowed values', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ beta_schedule: 'squaredcos_cap_v2' }, /beta_schedule = "squaredcos_cap_v2" is not supported; expected one of "linear", "scaled_linear"/],
    [{ variance_type: 'fixed_large' }, /variance_type = "fixed_large" .* expected one of "fixed_small"/],
    [{ prediction_type: 'v_prediction' }, /prediction_type = "v_prediction" .* expected one of "epsilon"/],
    [{ timestep_spacing: 'uniform' }, /timestep_spacing = "uniform" .* expected one of "leading", "trailing", "linspace"/],
    [{ thresholding: true }, /thresholding = true .* expected one of false/],
    [{ num_train_timesteps: 0 }, /num_train_timesteps = 0 .* an integer with 1 ≤ x/],
    [{ num_train_timesteps: 10.5 }, /num_train_timesteps = 10.5/],
    [{ steps_offset: -1 }, /steps_offset = -1/],
    [{ beta_end: '0.012' }, /beta_end = "0.012" .* a finite number/],
    [{ clip_sample: 'no' }, /clip_sample = "no" .* true or false/],
    [{ rescale_betas_zero_snr: 1 }, /rescale_betas_zero_snr = 1 .* true or false/],
    [{ num_train_timesteps: 4, trained_betas: [0.1, 0.2] }, /trained_betas = "\[array of 2\]" .* array of 4 numbers/],
  ];
  for (const [cfg, re] of cases) {
    assert.throws(() => new DDPMScheduler(cfg), (e: Error) => e instanceof SchedulerConfigError && re.test(e.message), JSON.stringify(cfg));
  }
  assert.throws(() => new DDIMScheduler({ set_alpha_to_one: 'yes' }), /DDIMScheduler config: set_alpha_to_one = "yes"/);
});

test('fromConfig overrides win over the file; the config is frozen', () => {
  const s = DDPMScheduler.fromConfig({ beta_schedule: 'scaled_linear', rescale_betas_zero_snr: true }, { rescale_betas_zero_snr: false });
  assert.equal(s.config.rescale_betas_zero_snr, false);
  assert.ok(Object.isFrozen(s.config));
});
