// The training loop on the tiny dual-UNet fixture with synthetic pairs: a run stopped mid-way (no final
// checkpoint, as after a crash) and resumed ends with the same weights, moments and EMA bit for bit as an
// uninterrupted run; a non-finite loss stops the run and keeps the last good checkpoint; cancel pauses with
// a checkpoint; events; no tensor left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { parseTrainConfig } from '../../../models/train/config.ts';
import { createTrainer } from '../../../models/train/setup.ts';
import { NonFiniteLossError, type ObjectiveFn } from '../../../models/train/trainer.ts';
import type { TrainEvent } from '../../../models/train/events.ts';

const WEIGHTS = resolve(fixturesDir, 'leffa-tiny', 'weights.safetensors');
const BASE = resolve(fixturesDir, 'leffa-tiny', 'base', 'tiny-stable-diffusion-inpainting');

function config(output: string, over: Record<string, unknown> = {}) {
  return parseTrainConfig({
    model: { weights: WEIGHTS, base: BASE },
    dataset: { type: 'synthetic', seed: 1, size: 6, holdout: 1 },
    output, seed: 5, optimizer: { lr: 1e-3 }, ema: { decay: 0.9 },
    stages: [
      { name: 'low', steps: 2, width: 32, height: 48, batchSize: 1, gradAccum: 2 },
      { name: 'leffa', steps: 2, width: 48, height: 64, batchSize: 2, leffaWeight: 0.1 },
    ],
    checkpoint: { every: 2, keep: 5 },
    ...over,
  });
}

const bytes = (dir: string, f: string) => readFileSync(join(dir, f));

/** A stand-in objective (no model run): gradient = 0.01 everywhere it is given, loss from a script. */
function scripted(losses: number[]): ObjectiveFn {
  let i = 0;
  return (trainable) => {
    const name = [...trainable.vars.keys()][0]!;
    return { grads: new Map([[name, tf.tidy(() => tf.onesLike(trainable.vars.get(name)!).mul(0.01))]]), loss: { total: losses[i++] ?? 1, diffusion: 1, leffa: null } };
  };
}

test('a run stopped after step 3 (of 4) and resumed from its step-2 checkpoint ends bit-identical to an uninterrupted run', async () => {
  await useTestBackend();
  const root = mkdtempSync(join(tmpdir(), 'train-'));
  try {
    await expectNoLeak(async () => {
      const a = await createTrainer(config(join(root, 'a')));
      const events: TrainEvent[] = [];
      const ra = await a.run({ onEvent: (e) => events.push(e) });
      a.dispose();
      assert.equal(ra.step, 4);
      const steps = events.filter((e) => e.type === 'step');
      assert.equal(steps.length, 4);
      assert.ok(steps.some((e) => e.loss.leffa !== null), 'the Leffa term was computed in the last stage');
      for (const e of steps) {
        assert.ok(Number.isFinite(e.loss.total) && e.lr === 1e-3 && e.gradNorm > 0 && e.stepMs > 0 && e.etaMs >= 0);
      }
      assert.equal(steps[3]!.stageName, 'leffa');
      assert.deepEqual(events.filter((e) => e.type === 'stage').map((e) => e.type === 'stage' && [e.name, e.width]), [['low', 32], ['leffa', 48]]);
      assert.deepEqual(events.filter((e) => e.type === 'checkpoint').map((e) => e.type === 'checkpoint' && e.step), [2, 4]);

      const b1 = await createTrainer(config(join(root, 'b')));
      const partial = await b1.run({ stopAfter: 3 }); // "crash" after step 3: its state was never saved
      b1.dispose();
      assert.equal(partial.step, 3);
      const b2 = await createTrainer(config(join(root, 'b')));
      const resumedEvents: TrainEvent[] = [];
      const rb = await b2.run({ resume: true, onEvent: (e) => resumedEvents.push(e) });
      b2.dispose();
      const start = resumedEvents[0]!;
      assert.ok(start.type === 'start' && start.step === 2 && start.resumedFrom!.endsWith('step-00000002'));
      assert.deepEqual(resumedEvents.filter((e) => e.type === 'step').map((e) => e.type === 'step' && e.step), [3, 4]);
      for (const f of ['weights.safetensors', 'optimizer.safetensors', 'ema.safetensors']) {
        assert.ok(bytes(ra.checkpoint!, f).equals(bytes(rb.checkpoint!, f)), `${f} differs after resuming`);
      }
      const sa = JSON.parse(bytes(ra.checkpoint!, 'state.json').toString()), sb = JSON.parse(bytes(rb.checkpoint!, 'state.json').toString());
      assert.deepEqual([sb.step, sb.data, sb.optimizer.steps, sb.stage], [sa.step, sa.data, sa.optimizer.steps, sa.stage]);
      assert.equal(JSON.parse(readFileSync(join(root, 'b', 'checkpoints', 'latest.json'), 'utf8')).dir, 'step-00000004');
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a NaN loss stops the run with a clear error, applies nothing and keeps the last good checkpoint', async () => {
  await useTestBackend();
  const root = mkdtempSync(join(tmpdir(), 'train-nan-'));
  try {
    await expectNoLeak(async () => {
      const c = config(root, { checkpoint: { every: 1, keep: 3 }, ema: { enabled: false } });
      const trainer = await createTrainer(c, scripted([1, 1, 1, NaN])); // NaN in step 2's second micro-batch
      await assert.rejects(trainer.run(), (e: unknown) => {
        assert.ok(e instanceof NonFiniteLossError);
        assert.match(e.message, /training stopped at step 2: the loss is not finite/);
        assert.match(e.message, /last good checkpoint is .*step-00000001/);
        return true;
      });
      assert.equal(trainer.step, 1);
      trainer.dispose();
      assert.deepEqual(readdirSync(join(root, 'checkpoints')).filter((n) => n.startsWith('step-')), ['step-00000001']);
      assert.equal(JSON.parse(readFileSync(join(root, 'checkpoints', 'latest.json'), 'utf8')).step, 1);
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('cancelling through the AbortSignal pauses: a checkpoint of the last finished step, then --resume continues', async () => {
  await useTestBackend();
  const root = mkdtempSync(join(tmpdir(), 'train-cancel-'));
  try {
    await expectNoLeak(async () => {
      const c = config(root, { checkpoint: { every: 100, keep: 3 }, samples: { every: 4, count: 1, steps: 2 } });
      const ac = new AbortController();
      const t = await createTrainer(c, scripted([]));
      const r = await t.run({ signal: ac.signal, onEvent: (e) => { if (e.type === 'step' && e.step === 1) ac.abort(); } });
      t.dispose();
      assert.deepEqual([r.step, r.cancelled], [1, true]);
      assert.ok(r.checkpoint!.endsWith('step-00000001'));
      const t2 = await createTrainer(c, scripted([]));
      const r2 = await t2.run({ resume: true });
      t2.dispose();
      assert.equal(r2.step, 4);
      assert.ok(existsSync(join(root, 'samples', 'step-00000004.png')), 'sample grid written at the end');
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('gradientCheckpointing: true (objective.ts recompute) trains to the same weights as without', async () => {
  await useTestBackend();
  const root = mkdtempSync(join(tmpdir(), 'train-ckpt-'));
  try {
    await expectNoLeak(async () => {
      const weights: Float32Array[] = [];
      for (const gradientCheckpointing of [false, true]) {
        const t = await createTrainer(config(join(root, String(gradientCheckpointing)), {
          gradientCheckpointing, ema: { enabled: false },
          stages: [{ name: 'one', steps: 1, width: 48, height: 64, batchSize: 2, leffaWeight: 0.1 }],
        }));
        await t.run();
        weights.push(Float32Array.from(t.trainable.vars.get('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_k.weight')!.dataSync()));
        t.dispose();
      }
      const err = weights[0]!.reduce((m, v, i) => Math.max(m, Math.abs(v - weights[1]![i]!)), 0);
      assert.ok(err < 1e-6, `max |Δw| = ${err}`);
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
