// The synthetic try-on set: deterministic from (seed, index), mask = where the ground-truth flow is
// defined, and the flow really is the correspondence: warping the flat garment with it (grid_sample,
// align_corners=False) reproduces the garment on the person far better than a shifted flow does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { imageToTensor } from '../../../models/image/index.ts';
import { gridSampleForward } from '../../../models/ops/index.ts';
import { renderPair, SyntheticDataset } from '../../../models/train/synthetic.ts';

test('pairs are a pure function of (seed, index); the mask is exactly where the flow is defined', async () => {
  const a = renderPair(3, 5, 48, 64), b = renderPair(3, 5, 48, 64), c = renderPair(3, 6, 48, 64);
  assert.deepEqual(a.person.data, b.person.data);
  assert.deepEqual(a.flow, b.flow);
  assert.notDeepEqual(a.garment.data, c.garment.data);
  const flow = a.flow!;
  let inside = 0;
  for (let i = 0; i < a.mask.data.length; i++) {
    const on = a.mask.data[i] === 255;
    assert.equal(Number.isNaN(flow[2 * i]!), !on, `pixel ${i}`);
    if (on) { inside++; assert.ok(Math.abs(flow[2 * i]!) <= 1 && Math.abs(flow[2 * i + 1]!) <= 1); }
  }
  assert.ok(inside > 0.1 * a.mask.data.length, `torso covers ${inside} pixels`);
  assert.equal(a.warpedMask, a.mask);
  const ds = new SyntheticDataset({ seed: 3, size: 4, holdout: 2 });
  assert.deepEqual((await ds.load('heldout', 0, { width: 48, height: 64 })).person.data, renderPair(3, 4, 48, 64).person.data); // held-out = indices after training
  await assert.rejects(ds.load('train', 4, { width: 48, height: 64 }), /train pair 4 does not exist/);
});

test('the ground-truth flow warps the garment onto the person (error ≪ a shifted flow)', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    for (const index of [0, 1, 2]) {
      const p = renderPair(11, index, 96, 128);
      const [H, W] = [128, 96];
      const { gt, shifted, m } = tf.tidy(() => {
        const flow = Float32Array.from(p.flow!, (v) => (Number.isNaN(v) ? 0 : v));
        const grid = tf.tensor4d(flow, [1, H, W, 2]);
        const mask = tf.tensor4d(Float32Array.from(p.mask.data, (v) => v / 255), [1, H, W, 1]);
        const garment = imageToTensor(p.garment), person = imageToTensor(p.person);
        const err = (g: tf.Tensor4D) => gridSampleForward(garment, g).sub(person).abs().mul(mask).sum().div(mask.sum().mul(3)).dataSync()[0]!;
        return { gt: err(grid), shifted: err(grid.add(tf.tensor1d([0.25, 0])) as tf.Tensor4D), m: mask.mean().dataSync()[0]! };
      });
      assert.ok(m > 0.1);
      // the person's torso is the garment times a mild shading (≤ 12 %) and anti-aliased: small, not zero
      assert.ok(gt < 0.12, `pair ${index}: mean |warped − person| = ${gt}`);
      assert.ok(gt < 0.35 * shifted, `pair ${index}: ${gt} vs shifted ${shifted}`);
    }
  });
});
