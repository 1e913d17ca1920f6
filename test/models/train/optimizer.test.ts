// AdamW against PyTorch's torch.optim.AdamW algorithm written out in float64, global-norm clipping as
// clip_grad_norm_, the learning-rate schedules, the EMA and the progressive stage lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { AdamW, clipByGlobalNorm, globalNorm } from '../../../models/train/optimizer.ts';
import { Ema } from '../../../models/train/ema.ts';
import { learningRate, checkSchedule } from '../../../models/train/schedule.ts';
import { stageAt, totalSteps, type StageConfig } from '../../../models/train/stages.ts';

/** torch.optim.AdamW.step for one tensor, float64 (the reference the float32 implementation must track). */
function torchAdamW(p: number[], grads: number[][], lr: number, wd = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  const m = p.map(() => 0), v = p.map(() => 0);
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      p[i] = p[i]! * (1 - lr * wd);
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps;
      p[i] = p[i]! - (lr / (1 - b1 ** t)) * (m[i]! / denom);
    }
  });
  return p;
}

test('AdamW follows torch.optim.AdamW (decoupled decay, bias correction) over several steps; untouched parameters stay', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const w0 = [0.5, -1.25, 2, 0.01];
    const a = tf.tidy(() => tf.variable(tf.tensor(w0, [2, 2]), true));
    const frozen = tf.tidy(() => tf.variable(tf.tensor([3, 4]), true));
    const opt = new AdamW(new Map([['a', a], ['b', frozen]]));
    const grads = [[0.1, -0.2, 0.3, 1e-4], [-0.5, 0.25, 0, 2], [0.05, 0.05, -0.05, -3]];
    for (const g of grads) {
      const gt = tf.tensor(g, [2, 2]);
      opt.step(new Map([['a', gt]]), 1e-2);
      gt.dispose();
    }
    const want = torchAdamW([...w0], grads, 1e-2);
    const got = a.dataSync();
    want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 1e-6 * Math.max(1, Math.abs(w)), `a[${i}]: ${got[i]} vs ${w}`));
    assert.deepEqual(Array.from(frozen.dataSync()), [3, 4]);
    assert.equal(opt.slots.get('a')!.step, 3);
    assert.equal(opt.slots.has('b'), false);
    opt.dispose(); a.dispose(); frozen.dispose();
  });
});

test('clipByGlobalNorm scales every gradient by maxNorm/(norm + 1e-6) only above the bound', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const g = new Map<string, tf.Tensor>([['x', tf.tensor([3, 0])], ['y', tf.tensor([[0, 4]])]]);
    assert.ok(Math.abs(globalNorm(g) - 5) < 1e-6);
    const norm = clipByGlobalNorm(g, 1);
    assert.ok(Math.abs(norm - 5) < 1e-6);
    assert.ok(Math.abs(globalNorm(g) - 5 / (5 + 1e-6)) < 1e-6);
    const small = clipByGlobalNorm(g, 10); // already below: untouched
    assert.ok(small < 1.0001);
    tf.dispose([...g.values()]);
  });
});

test('learning-rate schedules: constant, linear warm-up per stage step; bad schedules are refused by name', () => {
  assert.equal(learningRate({ type: 'constant', lr: 1e-5 }, 0), 1e-5);
  const w = { type: 'warmup' as const, lr: 1e-4, warmupSteps: 4 };
  [2.5e-5, 5e-5, 7.5e-5, 1e-4, 1e-4].forEach((want, i) => assert.ok(Math.abs(learningRate(w, [0, 1, 2, 3, 10][i]!) - want) < 1e-15));
  assert.throws(() => checkSchedule({ type: 'warmup', lr: 1e-4 }, 'stages[0].schedule'), /stages\[0\]\.schedule\.warmupSteps/);
  assert.throws(() => checkSchedule({ type: 'constant', lr: -1 }), /lr = -1/);
});

test('stages: global step → stage and stage step; totals', () => {
  const st = (name: string, steps: number): StageConfig => ({ name, steps, width: 48, height: 64, batchSize: 1, gradAccum: 1, leffaWeight: 0, schedule: { type: 'constant', lr: 1 } });
  const stages = [st('low', 3), st('high', 2), st('leffa', 4)];
  assert.equal(totalSteps(stages), 9);
  assert.deepEqual([0, 2, 3, 4, 5, 8].map((k) => { const p = stageAt(stages, k); return [p.index, p.stageStep]; }), [[0, 0], [0, 2], [1, 0], [1, 1], [2, 0], [2, 3]]);
  assert.throws(() => stageAt(stages, 9), /past the last stage/);
});

test('EMA: shadow = d·shadow + (1−d)·param, warm-up decay, swap in and out without a copy left behind', async () => {
  await useTestBackend();
  await expectNoLeak(async () => {
    const p = tf.tidy(() => tf.variable(tf.tensor([1, 2]), true));
    const ema = new Ema(new Map([['p', p]]), { decay: 0.9 });
    tf.tidy(() => p.assign(tf.tensor([3, 4])));
    ema.update();
    const s = ema.shadow.get('p')!.dataSync();
    assert.ok(Math.abs(s[0]! - 1.2) < 1e-6 && Math.abs(s[1]! - 2.2) < 1e-6);
    const seen = await ema.withAveraged(() => Array.from(p.dataSync()));
    assert.ok(Math.abs(seen[0]! - 1.2) < 1e-6);
    assert.deepEqual(Array.from(p.dataSync()), [3, 4]); // restored
    const warm = new Ema(new Map([['p', p]]), { decay: 0.9999, warmup: true });
    assert.equal(warm.currentDecay(), 0.1); // (1 + 0)/(10 + 0)
    warm.dispose(); ema.dispose(); p.dispose();
  });
});
