// Classifier-free guidance and the Leffa rescale quirk, against the `cfg` fixture record and by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { applyGuidance, perSampleStd } from '../../../models/pipelines/guidance.ts';
import { cfgHandler } from '../../../models/parity/handlers/cfg.ts';
import { FIXTURE_SETS, assertClose, openFixtureSet } from '../schedulers/fixture-helpers.ts';

for (const set of FIXTURE_SETS) {
  test(`${set}: cfg/guided and cfg/rescaled (φ = g = 2.5) match the fixture, directly and through cfgHandler`, async (t) => {
    await useTestBackend();
    const { ctx, close } = openFixtureSet(set);
    try {
      const record = ctx.manifest.records.find((r) => r.id === 'cfg')!;
      const scale = record.params!.guidance_scale as number;
      assert.equal(scale, 2.5);
      await expectNoLeak(async () => {
        const shape = ctx.manifest.tensors['cfg/noise_pred_uncond']!.shape;
        const u = tf.tensor(ctx.float('cfg/noise_pred_uncond'), shape);
        const c = tf.tensor(ctx.float('cfg/noise_pred_cond'), shape);
        const guided = applyGuidance(u, c, { scale, rescale: 'off' });
        const rescaled = applyGuidance(u, c, { scale }); // 'reference' is the default
        const eg = assertClose('cfg/guided', guided.dataSync() as Float32Array, ctx.float('cfg/guided'));
        const er = assertClose('cfg/rescaled', rescaled.dataSync() as Float32Array, ctx.float('cfg/rescaled'));
        t.diagnostic(`direct: max rel err guided ${eg.toExponential(2)}, rescaled ${er.toExponential(2)}`);
        tf.dispose([u, c, guided, rescaled]);

        const out = await cfgHandler.run(record, ctx);
        for (const name of record.outputs) {
          const got = out.get(name)!;
          assert.deepEqual(got.shape, shape);
          const e = assertClose(name, got.data as Float32Array, ctx.float(name));
          t.diagnostic(`cfgHandler ${name}: max rel err ${e.toExponential(2)}`);
        }
      });
    } finally {
      close();
    }
  });
}

test('cfgHandler declares the cfg record and needs no model', () => {
  assert.deepEqual(cfgHandler.ids, ['cfg']);
  assert.equal(cfgHandler.needsModel, false);
});

/** Hand computation of guidance + rescale for one batch row given as a flat array. */
function byHand(u: number[], c: number[], g: number, phi: number | null): number[] {
  const guided = u.map((x, i) => x + g * (c[i]! - x));
  if (phi === null) return guided;
  const std = (v: number[]) => { const m = v.reduce((a, b) => a + b, 0) / v.length; return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)); };
  const k = std(c) / std(guided);
  return guided.map((x) => phi * x * k + (1 - phi) * x);
}

test("hand-computed: 'reference' = ε_cfg·(2.5·σ_c/σ_cfg − 1.5), 'standard' with φ = 0.7, 'off'; per-sample std, any layout", async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const u0 = [0.1, -0.4, 0.3, 0.9, -1.2, 0.5];
    const c0 = [0.3, -0.1, 0.2, 1.4, -0.8, 0.0];
    const u1 = u0.map((x) => 2 * x + 1); // second sample: different scale, so per-sample std matters
    const c1 = c0.map((x) => -x);
    const U = tf.tensor([...u0, ...u1], [2, 1, 2, 3]);
    const C = tf.tensor([...c0, ...c1], [2, 1, 2, 3]);
    const check = (got: tf.Tensor, want: number[], what: string) => {
      const g = got.dataSync();
      want.forEach((w, i) => assert.ok(Math.abs(g[i]! - w) < 1e-5, `${what}[${i}]: ${g[i]} vs ${w}`));
      got.dispose();
    };
    check(applyGuidance(U, C, { scale: 2.5 }), [...byHand(u0, c0, 2.5, 2.5), ...byHand(u1, c1, 2.5, 2.5)], 'reference');
    check(applyGuidance(U, C, { scale: 2.5, rescale: 'standard' }), [...byHand(u0, c0, 2.5, 0.7), ...byHand(u1, c1, 2.5, 0.7)], 'standard default φ');
    check(applyGuidance(U, C, { scale: 4, rescale: 'standard', phi: 0.3 }), [...byHand(u0, c0, 4, 0.3), ...byHand(u1, c1, 4, 0.3)], 'standard φ=0.3');
    check(applyGuidance(U, C, { scale: 2.5, rescale: 'off' }), [...byHand(u0, c0, 2.5, null), ...byHand(u1, c1, 2.5, null)], 'off');
    // Same data as [2, 2, 3, 1] (an "NHWC" view): identical result, since only the batch axis is special.
    const U2 = U.reshape([2, 2, 3, 1]);
    const C2 = C.reshape([2, 2, 3, 1]);
    check(applyGuidance(U2, C2, { scale: 2.5 }), [...byHand(u0, c0, 2.5, 2.5), ...byHand(u1, c1, 2.5, 2.5)], 'reference, other layout');
    // g = 0 in reference mode: no rescale (φ = 0), result = ε_u even when ε_u has zero spread.
    const Z = tf.zeros([2, 1, 2, 3]);
    check(applyGuidance(Z, C, { scale: 0 }), new Array(12).fill(0), 'g = 0');
    check(perSampleStd(C), [Math.sqrt(c0.reduce((a, b) => a + (b - c0.reduce((p, q) => p + q, 0) / 6) ** 2, 0) / 5)], 'std row 0');
    tf.dispose([U, C, U2, C2, Z]);
  });
});

test('guidance argument errors', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const a = tf.zeros([1, 4, 2, 2]);
    const b = tf.zeros([1, 2, 2, 4]);
    assert.throws(() => applyGuidance(a, b, { scale: 2.5 }), /uncond has shape \[1,4,2,2\] but cond has shape \[1,2,2,4\]/);
    assert.throws(() => applyGuidance(a, a, { scale: 2.5, rescale: 'cfg++' as never }), /rescale = "cfg\+\+"; expected one of 'reference', 'standard', 'off'/);
    assert.throws(() => applyGuidance(a, a, { scale: 2.5, phi: 0.7 }), /phi = 0.7 is only used with rescale 'standard'/);
    assert.throws(() => applyGuidance(a, a, { scale: 2.5, rescale: 'standard', phi: 2.5 }), /phi = 2.5; expected a number in \[0, 1\]/);
    assert.throws(() => applyGuidance(a, a, { scale: Number.NaN }), /scale = NaN; expected a finite number/);
    const single = tf.zeros([3, 1]);
    assert.throws(() => perSampleStd(single), /needs at least 2/);
    tf.dispose([a, b, single]);
  });
});
