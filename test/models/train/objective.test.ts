// The training objective (models/train/objective.ts): the fixtures' `train_step` record (losses, UNet
// input/output, gradients of loss_total and of attn_loss) for both tiny architectures, the trainable
// store, the timestep gate, garment dropout and input checks. Every test leaves numTensors unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { openCheckpoint } from '../../../models/io/index.ts';
import { loadLeffa, type LoadedLeffa } from '../../../models/leffa/loaded.ts';
import { runParity } from '../../../models/parity/runner.ts';
import { trainStepHandler } from '../../../models/parity/handlers/train-step.ts';
import {
  VariableParamStore, disposeGradients, disposeInputs, prepareTrainingInputs, tokenMap, trainingGradients,
  type TrainingBatch,
} from '../../../models/train/objective.ts';

const dir = join(fixturesDir, 'leffa-tiny');
let m: LoadedLeffa;

before(async () => {
  await useTestBackend();
  const man = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as { config: { base_folder: string } };
  m = loadLeffa(join(dir, man.config.base_folder), openCheckpoint(join(dir, 'weights.safetensors')));
});
after(() => m.dispose());

/** A random batch of the tiny model's size (64x48, latent 8x6). */
function makeBatch(timesteps: number[], extra: Partial<TrainingBatch> = {}): TrainingBatch {
  const B = timesteps.length, H = 64, W = 48;
  return tf.tidy(() => {
    const r = (s: number[], seed: number) => tf.randomNormal(s as [number, number, number, number], 0, 1, 'float32', seed) as tf.Tensor4D;
    const bin = (s: number[], seed: number) => tf.cast(tf.greater(r(s, seed), 0), 'float32') as tf.Tensor4D;
    return {
      image: tf.tanh(r([B, H, W, 3], 1)), cloth: tf.tanh(r([B, H, W, 3], 2)), inpaintMask: bin([B, H, W, 1], 3),
      densepose: tf.tanh(r([B, H, W, 3], 4)), warpedMask: bin([B, H, W, 1], 5), timesteps,
      noise: { vaeImage: r([B, 8, 6, 4], 6), vaeMasked: r([B, 8, 6, 4], 7), vaeCloth: r([B, 8, 6, 4], 8), diffusion: r([B, 8, 6, 4], 9) },
      ...extra,
    } as unknown as tf.TensorContainerObject;
  }) as unknown as TrainingBatch;
}
const disposeBatch = (b: TrainingBatch) => tf.dispose([b.image, b.cloth, b.inpaintMask, b.densepose, b.warpedMask, ...Object.values(b.noise)]);

for (const set of ['leffa-tiny', 'leffa-tiny-xl']) {
  test(`${set}: train_step record at parity (rel 1e-4): losses, UNet input/output, gradients of loss_total and attn_loss`, async () => {
    await useTestBackend();
    const s = await runParity(join(fixturesDir, set), [trainStepHandler], { weights: ['safetensors'], only: ['train_step'] });
    const r = s.results[0]!;
    assert.equal(r.error, undefined);
    const bad = r.comparisons.filter((c) => !c.ok).map((c) => `${c.name} rel ${c.relErr.toExponential(2)}`);
    assert.deepEqual(bad, []);
    assert.ok(r.comparisons.length >= 25, `${r.comparisons.length} outputs compared`);
  });
}

test('VariableParamStore: variables for both UNets only, base fallback, dispose frees them', async () => {
  await expectNoLeak(() => {
    const store = VariableParamStore.fromLoaded(m);
    const names = [...store.variables.keys()];
    assert.ok(names.length > 0 && names.every((n) => n.startsWith('unet.') || n.startsWith('unet_encoder.')));
    assert.ok(names.some((n) => n.startsWith('unet_encoder.')) && !names.some((n) => n.includes('.attn2.')));
    assert.ok(store.get('unet.conv_in.weight') instanceof tf.Variable);
    assert.ok(!(store.get('vae.encoder.conv_in.weight') instanceof tf.Variable));
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(store.get('unet.conv_in.weight'), m.params.get('unet.conv_in.weight')))).dataSync()[0]);
    assert.equal(d, 0);
    store.dispose();
  });
});

test('gradients w.r.t. every UNet variable: finite, no leak; the pruned tail of the reference UNet gets none', async () => {
  const batch = makeBatch([100, 300]);
  const store = VariableParamStore.fromLoaded(m);
  try {
    await expectNoLeak(() => {
      const g = trainingGradients(m.model, store, m.params, batch, store.variables);
      try {
        assert.equal(g.outputs.perLayer.length, 3);
        assert.ok(Number.isFinite(g.outputs.lossTotal.dataSync()[0]!));
        const missing = [...store.variables.keys()].filter((n) => !g.grads.has(n));
        // After the last captured LayerNorm1 the reference UNet is never run (spec §1.4).
        assert.ok(missing.length > 0 && missing.every((n) => n.startsWith('unet_encoder.up_blocks.1.attentions.1.')), missing.join(', '));
        for (const [n, t] of g.grads) assert.ok(tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0]) === 1, n);
      } finally {
        disposeGradients(g);
      }
    });
  } finally {
    store.dispose();
    disposeBatch(batch);
  }
});

test('timestep gate: with every t >= 500 the Leffa term is skipped (or computed and gated to zero)', async () => {
  const batch = makeBatch([500, 900]);
  const store = new VariableParamStore(m.params, ['unet.conv_in.weight']);
  try {
    await expectNoLeak(() => {
      const skip = trainingGradients(m.model, store, m.params, batch, store.variables);
      const gated = trainingGradients(m.model, store, m.params, batch, store.variables, { leffaWhenGated: true });
      try {
        assert.equal(skip.outputs.perLayer.length, 0);
        assert.equal(skip.outputs.attnLoss.dataSync()[0], 0);
        assert.equal(skip.outputs.lossTotal.dataSync()[0], skip.outputs.lossDiffusion.dataSync()[0]);
        assert.equal(gated.outputs.perLayer.length, 3);
        assert.deepEqual(Array.from(gated.outputs.gated!.dataSync()), [0, 0]);
        assert.ok(gated.outputs.layerMean!.dataSync()[0]! > 0);
        const d = tf.tidy(() => tf.max(tf.abs(tf.sub(skip.grads.get('unet.conv_in.weight')!, gated.grads.get('unet.conv_in.weight')!))).dataSync()[0]!);
        assert.ok(d < 1e-7, `gated-out Leffa term changed the gradient by ${d}`);
      } finally {
        disposeGradients(skip);
        disposeGradients(gated);
      }
    });
  } finally {
    store.dispose();
    disposeBatch(batch);
  }
});

test('garment dropout gives a zero reference latent; inputs are [x_t | mask | masked | densepose]', async () => {
  const batch = makeBatch([100, 300], { dropReference: true } as Partial<TrainingBatch>);
  try {
    await expectNoLeak(() => {
      const x = prepareTrainingInputs(m.model, m.params, batch);
      try {
        assert.equal(tf.tidy(() => tf.max(tf.abs(x.refLatent)).dataSync()[0]), 0);
        assert.deepEqual(x.genInput.shape, [2, 8, 6, 12]);
        const mask = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(x.genInput, [0, 0, 0, 4], [-1, -1, -1, 1]), x.maskLatent))).dataSync()[0]);
        assert.equal(mask, 0);
        // nearest downsampling takes pixel (8i, 8j)
        const px = tf.tidy(() => tf.slice(batch.densepose, [1, 8, 16, 0], [1, 1, 1, 3]).dataSync());
        const lat = tf.tidy(() => tf.slice(x.denseposeLatent, [1, 1, 2, 0], [1, 1, 1, 3]).dataSync());
        assert.deepEqual(Array.from(lat), Array.from(px));
      } finally {
        disposeInputs(x);
      }
    });
  } finally {
    disposeBatch(batch);
  }
});

test('input checks and the token map', async () => {
  assert.deepEqual(tokenMap(8, 6, 48), [8, 6]);
  assert.deepEqual(tokenMap(128, 96, 768), [32, 24]);
  assert.throws(() => tokenMap(8, 6, 10), /not a 8x6 latent/);
  const batch = makeBatch([100, 300]);
  try {
    const bad = { ...batch, timesteps: [100] };
    assert.throws(() => prepareTrainingInputs(m.model, m.params, bad), /timesteps/);
    const badMask = { ...batch, warpedMask: batch.image };
    assert.throws(() => prepareTrainingInputs(m.model, m.params, badMask), /warpedMask has shape/);
  } finally {
    disposeBatch(batch);
  }
});
