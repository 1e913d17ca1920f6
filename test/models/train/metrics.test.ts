// Benchmark metrics by hand: flow end-point error in pixels, masked L1, masked SSIM (1 for identical images,
// lower for a shifted copy, blind to pixels outside the mask).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowEpe, maskedL1, maskedSsim } from '../../../models/train/metrics.ts';

test('flowEpe: grid_sample units → pixels, NaN ground truth ignored', () => {
  // W = 4, H = 2: one unit of x is 2 px, one unit of y is 1 px
  const gt = [0, 0, NaN, NaN, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const flow = [1, 0, 9, 9, 0.5, 0.5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
  assert.ok(Math.abs(flowEpe(flow, gt, 4, 2) - (2 + 0 + 1) / 7) < 1e-12);
  assert.throws(() => flowEpe([0, 0], [NaN, NaN], 1, 1), /empty mask/);
});

test('maskedL1 and maskedSsim look only inside the mask; SSIM is 1 for identical images', () => {
  const W = 16, H = 12, n = W * H;
  const a = Float32Array.from({ length: n * 3 }, (_, i) => ((i * 37) % 101) / 100);
  const b = Float32Array.from(a, (v, i) => (Math.floor(i / 3) % W < 8 ? v : 1 - v)); // right half changed
  const left = Float32Array.from({ length: n }, (_, p) => (p % W < 6 ? 1 : 0));
  assert.equal(maskedL1(a, b, left, 3), 0);
  assert.ok(Math.abs(maskedSsim(a, a, Float32Array.from({ length: n }, () => 1), W, H, 3) - 1) < 1e-9);
  const right = Float32Array.from(left, (v) => 1 - v);
  assert.ok(maskedL1(a, b, right, 3) > 0.1);
  assert.ok(maskedSsim(a, b, right, W, H, 3) < 0.5);
});
