// The VAE's scale factor (pixels per latent pixel) comes from its config, as diffusers' vae_scale_factor =
// 2^(len(block_out_channels) − 1): 8 for SD's VAE, 4 for a three-level one (the Leffa benchmark's VAE, whose
// finer latent carries the synthetic prints). The training inputs, the trainer's size check and the sampler
// all follow it. Random weights (randomLeffa) on the leffa-tiny UNet config.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { benchBaseFolder } from '../../../models/train/leffa-bench.ts';
import { randomLeffa } from '../../../models/train/setup.ts';
import { disposeInputs, prepareTrainingInputs, type TrainingBatch } from '../../../models/train/objective.ts';
import { leffaSample } from '../../../models/pipelines/leffa-pipeline.ts';
import { seededNoise } from '../../../models/pipelines/noise.ts';
import { DDPMScheduler } from '../../../models/schedulers/ddpm.ts';
import { parseTrainConfig } from '../../../models/train/config.ts';
import { SyntheticDataset } from '../../../models/train/synthetic.ts';
import { Trainer } from '../../../models/train/trainer.ts';

const fixtureBase = join(fixturesDir, 'leffa-tiny', 'base', 'tiny-stable-diffusion-inpainting');
let work: string;
let base4: string;

before(async () => {
  await useTestBackend();
  work = mkdtempSync(join(tmpdir(), 'vae-scale-'));
  base4 = benchBaseFolder(fixtureBase, join(work, 'f4'), [8, 8, 8]);
});
after(() => rmSync(work, { recursive: true, force: true }));

test('scaleFactor: 2^(levels − 1) of the VAE config', () => {
  const m4 = randomLeffa(base4, 1);
  const m8 = randomLeffa(benchBaseFolder(fixtureBase, join(work, 'f8'), [8, 8, 8, 8]), 1);
  try {
    assert.equal(m4.model.vae.scaleFactor, 4);
    assert.equal(m8.model.vae.scaleFactor, 8);
  } finally {
    m4.dispose();
    m8.dispose();
  }
});

test('training inputs of a 4× VAE: latents at H/4 × W/4, mask and DensePose sampled at every 4th pixel', async () => {
  const m = randomLeffa(base4, 2);
  try {
    await expectNoLeak(() => {
      const [B, H, W] = [1, 32, 16];
      const batch = tf.tidy(() => {
        const r = (s: number[], seed: number) => tf.randomNormal(s as [number, number, number, number], 0, 1, 'float32', seed) as tf.Tensor4D;
        // mask pixel (y, x) = 1 where (y + 2x) mod 3 == 0: a pattern whose every-4th-pixel samples are known
        const mask = tf.tensor4d(Array.from({ length: H * W }, (_, i) => ((Math.floor(i / W) + 2 * (i % W)) % 3 === 0 ? 1 : 0)), [B, H, W, 1]);
        return {
          image: tf.tanh(r([B, H, W, 3], 1)), cloth: tf.tanh(r([B, H, W, 3], 2)), inpaintMask: mask, densepose: tf.tanh(r([B, H, W, 3], 3)),
          warpedMask: mask.clone(), timesteps: [250],
          noise: { vaeImage: r([B, 8, 4, 4], 4), vaeMasked: r([B, 8, 4, 4], 5), vaeCloth: r([B, 8, 4, 4], 6), diffusion: r([B, 8, 4, 4], 7) },
        } as unknown as tf.TensorContainerObject;
      }) as unknown as TrainingBatch;
      const inputs = prepareTrainingInputs(m.model, m.params, batch);
      try {
        assert.deepEqual(inputs.x0.shape, [1, 8, 4, 4]);
        assert.deepEqual(inputs.genInput.shape, [1, 8, 4, 12]); // noisy 4 + mask 1 + masked latent 4 + DensePose 3
        const got = Array.from(inputs.maskLatent.dataSync());
        const want = Array.from({ length: 8 * 4 }, (_, i) => ((4 * Math.floor(i / 4) + 2 * 4 * (i % 4)) % 3 === 0 ? 1 : 0));
        assert.deepEqual(got, want);
        // 8-multiple noise is refused, naming the tensor and the expected shape
        const wrong = { ...batch, noise: { ...batch.noise, diffusion: tf.zeros([1, 4, 2, 4]) as tf.Tensor4D } };
        assert.throws(() => prepareTrainingInputs(m.model, m.params, wrong), /noise\.diffusion has shape \[1,4,2,4\], expected \[1, 8, 4, 4\]/);
        wrong.noise.diffusion.dispose();
      } finally {
        disposeInputs(inputs);
        tf.dispose([batch.image, batch.cloth, batch.inpaintMask, batch.densepose, batch.warpedMask, ...Object.values(batch.noise)]);
      }
    });
  } finally {
    m.dispose();
  }
});

test('sampling with a 4× VAE: latent H/4 × W/4, decoded at the input size', async () => {
  const m = randomLeffa(base4, 3);
  try {
    await expectNoLeak(async () => {
      const [src, ref, mask, dp] = tf.tidy(() => [
        tf.randomUniform([1, 32, 16, 3], -1, 1, 'float32', 1), tf.randomUniform([1, 32, 16, 3], -1, 1, 'float32', 2),
        tf.ones([1, 32, 16, 1]), tf.randomUniform([1, 32, 16, 3], -1, 1, 'float32', 3),
      ] as tf.Tensor4D[]);
      const res = await leffaSample(m, DDPMScheduler.fromConfig(m.model.configs.scheduler), { srcImage: src!, refImage: ref!, mask: mask!, densepose: dp! }, { steps: 2, noise: seededNoise(5) });
      try {
        assert.deepEqual(res.latent.shape, [1, 8, 4, 4]);
        assert.deepEqual(res.decoded.shape, [1, 32, 16, 3]);
        assert.ok(res.decoded.dataSync().every(Number.isFinite));
      } finally {
        tf.dispose([src!, ref!, mask!, dp!, res.latent, res.decoded]);
      }
    });
  } finally {
    m.dispose();
  }
});

test('trainer: canvas sizes must be multiples of scaleFactor · 2^(UNet levels − 1): 24×40 suits a 4× VAE, not an 8× one', () => {
  const base8 = benchBaseFolder(fixtureBase, join(work, 'f8'), [8, 8, 8, 8]);
  const make = (base: string) => {
    const loaded = randomLeffa(base, 4);
    try {
      return new Trainer({
        config: parseTrainConfig({
          model: { init: 'random', base }, dataset: { type: 'synthetic', seed: 1, size: 8, holdout: 2 }, output: join(work, 'run'),
          stages: [{ name: 's', steps: 1, width: 24, height: 40, batchSize: 1 }], samples: { every: 0 },
        }),
        loaded, source: new SyntheticDataset({ seed: 1, size: 8, holdout: 2 }),
      });
    } catch (e) {
      loaded.dispose();
      throw e;
    }
  };
  assert.throws(() => make(base8), /stages\[0\] \(s\): 24×40; this model needs multiples of 16/);
  make(base4).dispose();
});
