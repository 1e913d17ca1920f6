// The `scheduler` parity handler: every output of the record, for both fixture sets, within the
// fixtures' float tolerance (timesteps exactly), and no tensor left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useTestBackend } from '../../helpers/tf.ts';
import { schedulerHandler } from '../../../models/parity/handlers/scheduler.ts';
import { FIXTURE_SETS, maxRelErr, openFixtureSet } from './fixture-helpers.ts';

test('schedulerHandler declares the scheduler record and needs no model', () => {
  assert.deepEqual(schedulerHandler.ids, ['scheduler']);
  assert.equal(schedulerHandler.needsModel, false);
});

for (const set of FIXTURE_SETS) {
  test(`${set}: schedulerHandler reproduces every scheduler output`, async (t) => {
    await useTestBackend();
    const { ctx, close } = openFixtureSet(set);
    try {
      const record = ctx.manifest.records.find((r) => r.id === 'scheduler')!;
      const before = tf.memory().numTensors;
      const out = await schedulerHandler.run(record, ctx);
      assert.equal(tf.memory().numTensors, before, 'tensor leak: numTensors changed');
      assert.deepEqual([...out.keys()].sort(), [...record.outputs].sort());
      let worst = 0;
      for (const name of record.outputs) {
        const ref = ctx.tensor(name);
        const got = out.get(name)!;
        assert.deepEqual(got.shape, ref.shape, `${name} shape`);
        if (ref.dtype === 'I64') {
          assert.ok(got.data instanceof BigInt64Array, `${name}: timesteps are produced as int64`);
          assert.deepEqual(Array.from(got.data as BigInt64Array), Array.from(ref.data as BigInt64Array), name);
          continue;
        }
        const rel = maxRelErr(got.data as Float32Array, ref.data as Float32Array);
        worst = Math.max(worst, rel);
        assert.ok(rel <= 1e-4, `${name}: max relative error ${rel} > 1e-4`);
      }
      t.diagnostic(`${record.outputs.length} outputs, worst max relative error ${worst.toExponential(2)}`);
    } finally {
      close();
    }
  });
}

test('schedulerHandler rejects outputs and schedules it does not know', async () => {
  await useTestBackend();
  const { ctx, close } = openFixtureSet('leffa-tiny');
  try {
    const record = ctx.manifest.records.find((r) => r.id === 'scheduler')!;
    await assert.rejects(schedulerHandler.run({ ...record, outputs: ['scheduler/foo'] }, ctx), /output scheduler\/foo is not one this handler knows/);
    await assert.rejects(schedulerHandler.run({ ...record, outputs: ['scheduler/cosine/betas'] }, ctx), /unknown schedule "cosine"; expected one of sd15, zero_snr/);
  } finally {
    close();
  }
});
