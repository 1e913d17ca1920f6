// Inference timesteps: the fixture's leading schedules exactly, the other spacings against values
// worked out by hand from diffusers' formulas, and setTimesteps' argument checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DDPMScheduler } from '../../../models/schedulers/ddpm.ts';
import { DDIMScheduler } from '../../../models/schedulers/ddim.ts';
import { readBaseSchedulerConfig } from '../../../models/parity/handlers/scheduler.ts';
import { FIXTURE_SETS, openFixtureSet } from './fixture-helpers.ts';

for (const set of FIXTURE_SETS) {
  test(`${set}: timesteps_4/30/50 equal the fixture exactly (leading, steps_offset 1)`, () => {
    const { ctx, close } = openFixtureSet(set);
    try {
      const s = new DDPMScheduler(readBaseSchedulerConfig(ctx.baseFolder));
      for (const n of [4, 30, 50]) {
        s.setTimesteps(n);
        const ref = Array.from(ctx.tensor(`scheduler/timesteps_${n}`).data as BigInt64Array, Number);
        assert.deepEqual(Array.from(s.timesteps), ref, `timesteps_${n}`);
      }
    } finally {
      close();
    }
  });
}

test('leading spacing: spec §1.7 values and previousTimestep', () => {
  const s = new DDPMScheduler({ steps_offset: 1 });
  s.setTimesteps(4);
  assert.deepEqual(Array.from(s.timesteps), [751, 501, 251, 1]);
  s.setTimesteps(30);
  const ts = s.timesteps;
  assert.equal(ts.length, 30);
  assert.deepEqual([ts[0], ts[1], ts[28], ts[29]], [958, 925, 34, 1]);
  assert.equal(s.previousTimestep(958), 925);
  assert.equal(s.previousTimestep(1), -32);
  s.setTimesteps(50);
  assert.deepEqual([s.timesteps[0], s.timesteps[49], s.timesteps[50 / 2]], [981, 1, 481]);
});

test('trailing and linspace spacings (diffusers formulas, NumPy half-even rounding)', () => {
  const trailing = new DDPMScheduler({ timestep_spacing: 'trailing', steps_offset: 1 });
  trailing.setTimesteps(4);
  assert.deepEqual(Array.from(trailing.timesteps), [999, 749, 499, 249]);
  trailing.setTimesteps(3); // round(1000, 666.67, 333.33) − 1
  assert.deepEqual(Array.from(trailing.timesteps), [999, 666, 332]);
  trailing.setTimesteps(61); // NumPy's arange would give 62 values ending in −1 here
  assert.equal(trailing.timesteps.length, 61);
  assert.ok(trailing.timesteps.every((t) => t >= 0 && t <= 999));
  const lin = new DDIMScheduler({ timestep_spacing: 'linspace' });
  lin.setTimesteps(4);
  assert.deepEqual(Array.from(lin.timesteps), [999, 666, 333, 0]);
  lin.setTimesteps(7); // 0, 166.5, 333, 499.5, 666, 832.5, 999 rounded half to even
  assert.deepEqual(Array.from(lin.timesteps), [999, 832, 666, 500, 333, 166, 0]);
  lin.setTimesteps(1);
  assert.deepEqual(Array.from(lin.timesteps), [0]);
});

test('before setTimesteps: all training timesteps, no inference step count', () => {
  const s = new DDPMScheduler();
  assert.equal(s.numInferenceSteps, null);
  assert.equal(s.timesteps.length, 1000);
  assert.equal(s.timesteps[0], 999);
  assert.equal(s.previousTimestep(500), 499);
});

test('setTimesteps rejects n < 1, n > num_train_timesteps, non-integers and offsets past the end', () => {
  const s = new DDPMScheduler({ steps_offset: 1 });
  assert.throws(() => s.setTimesteps(0), /numInferenceSteps = 0; expected an integer in \[1, 1000\]/);
  assert.throws(() => s.setTimesteps(1001), /numInferenceSteps = 1001/);
  assert.throws(() => s.setTimesteps(2.5), /numInferenceSteps = 2.5/);
  assert.throws(() => s.setTimesteps(1000), /timestep 1000 is outside \[0, 999\]/);
  assert.equal(s.numInferenceSteps, null, 'a failed setTimesteps leaves the scheduler unchanged');
  const ok = new DDPMScheduler();
  ok.setTimesteps(1000);
  assert.equal(ok.timesteps[0], 999);
});

test('timesteps getter returns a copy', () => {
  const s = new DDPMScheduler();
  s.setTimesteps(10);
  s.timesteps[0] = -5;
  assert.equal(s.timesteps[0], 900);
});
