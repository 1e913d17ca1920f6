// LoRA as a ParamStore wrapper: targets, W + (α/r)·A·B, zero start, gradients only into the factors,
// PEFT-named safetensors round trip and merging at load time (resident and host placement).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { openLeffa } from '../../../models/leffa/open.ts';
import { linear } from '../../../models/nn/layers.ts';
import { openSafetensors } from '../../../models/io/index.ts';
import { initLora, LoraParamStore, loraModules, loraScale, mergeLora, openLeffaWithLora, readLora, saveLora } from '../../../models/train/lora.ts';

const WEIGHTS = resolve(fixturesDir, 'leffa-tiny', 'weights.safetensors');
const BASE = resolve(fixturesDir, 'leffa-tiny', 'base', 'tiny-stable-diffusion-inpainting');

test('loraModules: attn1 q/k/v/out of both UNets (optionally the feed-forward), never attn2', () => {
  const m = openLeffa(WEIGHTS, { base: BASE, needed: () => false });
  const specs = m.model.params();
  const att = loraModules(specs, { rank: 2 });
  assert.ok(att.every((x) => /\.attn1\.(to_q|to_k|to_v|to_out\.0)$/.test(x.module)));
  assert.ok(att.some((x) => x.module.startsWith('unet_encoder.')) && att.some((x) => x.module.startsWith('unet.')));
  const blocks = m.model.unet.attentionLayers().length;
  assert.equal(att.length, 2 * 4 * blocks);
  const ff = loraModules(specs, { rank: 2, feedForward: true, unets: ['unet'] });
  assert.equal(ff.length, 6 * blocks);
  const q = att.find((x) => x.module.endsWith('down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q'))!;
  assert.deepEqual(q.a.shape, [2, 32]);
  assert.equal(q.a.name, 'unet_encoder.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight');
  m.dispose();
});

test('LoraParamStore: starts at the base weights exactly; W + (α/r)·A·B; gradients reach only B first', async () => {
  await useTestBackend();
  const m = openLeffa(WEIGHTS, { base: BASE });
  try {
    await expectNoLeak(() => {
      const opts = { rank: 3, alpha: 6 };
      const modules = loraModules(m.model.params(), opts);
      const vars = initLora(modules, 7);
      const store = new LoraParamStore(m.params, modules, vars, loraScale(opts));
      const name = modules[0]!.weight.name;
      tf.tidy(() => assert.deepEqual(Array.from(store.get(name).dataSync()), Array.from(m.params.get(name).dataSync())));
      // gradient of a layer's output: B gets one, A's is zero while B = 0 (LoRA's zero start)
      const mod = modules[0]!;
      const x = tf.randomNormal([5, mod.weight.shape[1]!], 0, 1, 'float32', 1);
      const { grads, value } = tf.variableGrads(() => linear(store, mod.module, x, { bias: false }).square().mean() as tf.Scalar, [vars.get(mod.a.name)!, vars.get(mod.b.name)!]);
      const ga = grads[vars.get(mod.a.name)!.name]!, gb = grads[vars.get(mod.b.name)!.name]!;
      assert.equal(tf.tidy(() => ga.abs().max().dataSync()[0]), 0);
      assert.ok(tf.tidy(() => gb.abs().max().dataSync()[0])! > 0);
      tf.dispose([value, ga, gb, x]);
      // with a non-zero B: W + 2·A·B
      tf.tidy(() => vars.get(mod.b.name)!.assign(tf.randomNormal(vars.get(mod.b.name)!.shape, 0, 1, 'float32', 2)));
      const err = tf.tidy(() => store.get(name).sub(m.params.get(name).add(tf.matMul(vars.get(mod.a.name)!, vars.get(mod.b.name)!).mul(2))).abs().max().dataSync()[0]!);
      assert.ok(err < 1e-6, `max error ${err}`);
      for (const v of vars.values()) v.dispose();
    });
  } finally {
    m.dispose();
  }
});

test('saveLora / readLora: PEFT key names and PyTorch shapes; merging at load equals the wrapper (resident and host)', async () => {
  await useTestBackend();
  const dir = mkdtempSync(join(tmpdir(), 'lora-'));
  const m = openLeffa(WEIGHTS, { base: BASE });
  try {
    await expectNoLeak(async () => {
      const opts = { rank: 2, alpha: 4, feedForward: true };
      const modules = loraModules(m.model.params(), opts);
      const vars = initLora(modules, 3);
      for (const mod of modules) tf.tidy(() => vars.get(mod.b.name)!.assign(tf.randomNormal(vars.get(mod.b.name)!.shape, 0, 0.1, 'float32', 5)));
      const file = join(dir, 'adapter.safetensors');
      saveLora(file, opts, modules, vars);
      const src = openSafetensors(file);
      const key = 'unet.up_blocks.1.attentions.0.transformer_blocks.0.attn1.to_k';
      assert.deepEqual(src.info(`${key}.lora_A.weight`).shape, [2, 32]);
      assert.deepEqual(src.info(`${key}.lora_B.weight`).shape, [32, 2]);
      assert.equal(src.metadata.r, '2');
      assert.equal(src.metadata.lora_alpha, '4');
      assert.deepEqual(JSON.parse(src.metadata.target_modules!), ['attn1.to_q', 'attn1.to_k', 'attn1.to_v', 'attn1.to_out.0', 'ff.net.0.proj', 'ff.net.2']);
      src.close();
      const lora = readLora(file);
      assert.equal(lora.layers.size, modules.length);
      const wrapper = new LoraParamStore(m.params, modules, vars, loraScale(opts));
      const want = new Map(modules.map((mod) => [mod.weight.name, tf.tidy(() => wrapper.get(mod.weight.name))]));
      for (const placement of ['resident', 'host'] as const) {
        const merged = openLeffaWithLora(WEIGHTS, file, { base: BASE, placement });
        for (const [name, w] of want) {
          const err = tf.tidy(() => merged.params.get(name).sub(w).abs().max().dataSync()[0]!);
          assert.ok(err < 1e-5, `${placement} ${name}: ${err}`);
        }
        merged.dispose();
      }
      tf.dispose([...want.values()]);
      assert.throws(() => mergeLora(m.params, { ...lora, layers: new Map([['unet.nope.weight', lora.layers.values().next().value!]]) }), /has no weight unet\.nope\.weight/);
      for (const v of vars.values()) v.dispose();
    });
  } finally {
    m.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
