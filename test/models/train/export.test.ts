// Export of a finetuned model as a complete state dict (.pth through writePth, or .safetensors): every key
// of the base checkpoint in its order, trained tensors from the checkpoint (EMA by default), the rest copied
// bit for bit, loadable by the strict loader; LoRA runs merged into the base or exported as an adapter that
// merges at load time to the same weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { openCheckpoint, openSafetensors } from '../../../models/io/index.ts';
import { openLeffa } from '../../../models/leffa/open.ts';
import { parseTrainConfig } from '../../../models/train/config.ts';
import { createTrainer } from '../../../models/train/setup.ts';
import { exportLoraAdapter, exportModel } from '../../../models/train/export.ts';
import { openLeffaWithLora } from '../../../models/train/lora.ts';
import type { ObjectiveFn } from '../../../models/train/trainer.ts';

const WEIGHTS = resolve(fixturesDir, 'leffa-tiny', 'weights.safetensors');
const BASE = resolve(fixturesDir, 'leffa-tiny', 'base', 'tiny-stable-diffusion-inpainting');

const cfg = (output: string, over: Record<string, unknown>) => parseTrainConfig({
  model: { weights: WEIGHTS, base: BASE }, dataset: { type: 'synthetic', seed: 2, size: 4, holdout: 0 },
  output, seed: 9, optimizer: { lr: 1e-2 }, ema: { decay: 0.5 },
  stages: [{ name: 's', steps: 2, width: 48, height: 64, batchSize: 1 }], checkpoint: { every: 2 }, ...over,
});

/** Gradient 0.1 on every conv/linear weight of the gen UNet's conv_in and first attn1 (cheap, no model run). */
const nudge: ObjectiveFn = (trainable) => {
  const names = [...trainable.vars.keys()].filter((n) => n === 'unet.conv_in.weight' || n.endsWith('down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight'));
  return { grads: new Map(names.map((n) => [n, tf.tidy(() => tf.onesLike(trainable.vars.get(n)!).mul(0.1))])), loss: { total: 1, diffusion: 1, leffa: null } };
};

test('full fine-tune → .pth and .safetensors with every base key; EMA tensors replaced, the rest copied bit for bit', async () => {
  await useTestBackend();
  const root = mkdtempSync(join(tmpdir(), 'export-'));
  try {
    await expectNoLeak(async () => {
      const t = await createTrainer(cfg(root, {}), nudge);
      const r = await t.run();
      t.dispose();
      const base = openCheckpoint(WEIGHTS);
      const ema = openSafetensors(join(r.checkpoint!, 'ema.safetensors'));
      for (const out of ['model.pth', 'model.safetensors']) {
        const res = exportModel({ checkpoint: r.checkpoint!, out: join(root, out) });
        assert.equal(res.weights, 'ema');
        const got = openCheckpoint(join(root, out));
        assert.deepEqual(got.keys(), base.keys());
        assert.equal(res.trained, ema.keys().length);
        let changed = 0;
        for (const k of base.keys()) {
          const b = base.readFloat32(k), g = got.readFloat32(k);
          const raw = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
          assert.ok(raw(ema.has(k) ? ema.readFloat32(k) : b).equals(raw(g)), k);
          if (ema.has(k) && g.some((v, i) => v !== b[i])) changed++;
        }
        assert.equal(changed, 3); // the nudged tensors moved: unet.conv_in and attn1.to_q of both UNets' first block
        got.close();
      }
      ema.close(); base.close();
      // the strict loader takes the export; its engine tensors equal the trainer's layout round trip
      const m = openLeffa(join(root, 'model.pth'), { base: BASE });
      const orig = openLeffa(WEIGHTS, { base: BASE });
      const d = tf.tidy(() => m.params.get('unet.conv_in.weight').sub(orig.params.get('unet.conv_in.weight')).dataSync());
      assert.ok(d.every((v) => v < 0), 'conv_in moved against the positive gradient everywhere');
      m.dispose(); orig.dispose();
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('LoRA run: the real objective moves B off zero; merged export = base + adapter merged at load', async () => {
  await useTestBackend();
  const root = mkdtempSync(join(tmpdir(), 'export-lora-'));
  try {
    await expectNoLeak(async () => {
      const t = await createTrainer(cfg(root, { mode: 'lora', lora: { rank: 2, alpha: 4 }, ema: { enabled: false }, stages: [{ name: 's', steps: 1, width: 48, height: 64, batchSize: 1 }], checkpoint: { every: 1 } }));
      assert.equal(t.trainable.mode, 'lora');
      const r = await t.run();
      const bSum = tf.tidy(() => tf.addN([...t.trainable.vars].filter(([k]) => k.endsWith('lora_B.weight')).map(([, v]) => v.abs().sum())).dataSync()[0]!);
      assert.ok(bSum > 0, 'LoRA B factors were trained');
      t.dispose();
      exportModel({ checkpoint: r.checkpoint!, out: join(root, 'merged.safetensors') });
      exportLoraAdapter(r.checkpoint!, join(root, 'adapter.safetensors'));
      assert.equal(JSON.parse(readFileSync(join(root, 'adapter_config.json'), 'utf8')).r, 2);
      const merged = openLeffa(join(root, 'merged.safetensors'), { base: BASE });
      const atLoad = openLeffaWithLora(WEIGHTS, join(root, 'adapter.safetensors'), { base: BASE });
      const name = 'unet.up_blocks.1.attentions.0.transformer_blocks.0.attn1.to_v.weight';
      const err = tf.tidy(() => merged.params.get(name).sub(atLoad.params.get(name)).abs().max().dataSync()[0]!);
      const moved = tf.tidy(() => merged.params.get(name).sub(openLeffa(WEIGHTS, { base: BASE, needed: (s) => s.name === name }).params.get(name)).abs().max().dataSync()[0]!);
      assert.ok(err < 1e-6, `merged vs merged-at-load: ${err}`);
      assert.ok(moved > 0, 'the adapted weight differs from the base');
      merged.dispose(); atLoad.dispose();
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
