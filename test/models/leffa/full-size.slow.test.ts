// SLOW (run with LEFFA_SLOW_TESTS=1; CI runs it after the main suite, `npm run test:slow`): the real SD1.5
// configuration at full width with seeded random weights (generated here, never committed), on wasm, with
// weights kept in JS memory and uploaded per layer (the 7.2 GB checkpoint cannot live in a 4 GiB wasm heap).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { LeffaModel } from '../../../models/leffa/model.ts';
import { parseUNetConfig } from '../../../models/config/unet-config.ts';
import { parseVAEConfig } from '../../../models/config/vae-config.ts';
import { randomHostParams } from '../../../models/nn/host-params.ts';
import { MapParamStore } from '../../../models/nn/params.ts';
import { leffaSample } from '../../../models/pipelines/leffa-pipeline.ts';
import { seededNoise } from '../../../models/pipelines/noise.ts';
import { makeScheduler } from '../../../models/pipelines/tryon.ts';
import { memoryReport } from '../../../models/backend/index.ts';

const man = JSON.parse(readFileSync(join(fixturesDir, 'sd15-manifest.json'), 'utf8'));
const build = (unet: Record<string, unknown>) =>
  new LeffaModel({ arch: 'sd15', unet: parseUNetConfig(unet), vae: parseVAEConfig(man.configs.vae), scheduler: man.configs.scheduler });

function pair(model: LeffaModel, p: { get(n: string): tf.Tensor }, h: number, w: number): Float32Array {
  return tf.tidy(() => {
    const ref = tf.randomNormal([2, h, w, 4], 0, 1, 'float32', 11) as tf.Tensor4D;
    const x = tf.randomNormal([2, h, w, 12], 0, 1, 'float32', 12) as tf.Tensor4D;
    const feats = model.referenceFeatures(p, ref, [500]);
    const out = model.predictNoise(p, x, [500], feats).dataSync() as Float32Array;
    tf.dispose(Object.values(feats)); // captured features are kept beyond any tidy: the caller frees them
    return out;
  });
}

test('host-placed weights give the same numbers as resident ones (reduced-depth SD1.5-width model)', async () => {
  await useTestBackend('wasm');
  const model = build({ ...man.configs.unet, block_out_channels: [320, 640], down_block_types: ['CrossAttnDownBlock2D', 'DownBlock2D'], up_block_types: ['UpBlock2D', 'CrossAttnUpBlock2D'], layers_per_block: 1 });
  const host = randomHostParams(model.params().filter(LeffaModel.isUsed), 5);
  const resident = new MapParamStore(new Map([...host.data].map(([k, v]) => [k, tf.tensor(v.values as Float32Array, v.shape)])));
  await expectNoLeak(() => {
    const a = pair(model, host, 32, 24);
    const b = pair(model, resident, 32, 24);
    assert.deepEqual(a, b);
  });
  resident.dispose();
});

test('full-size SD1.5 Leffa (1.80 B parameters): a UNet pair and a 2-step try-on at 256x192 on wasm', async (t) => {
  await useTestBackend('wasm');
  const model = build(man.configs.unet);
  assert.equal(model.params().reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0), 1_802_718_831);
  const params = randomHostParams(model.params().filter(LeffaModel.isUsed), 9);
  t.diagnostic(`host weights ${(params.bytes / 2 ** 30).toFixed(2)} GiB`);
  const m = { model, params, placement: 'host' as const, precision: 'fp32' as const, dispose: () => params.dispose() };
  await expectNoLeak(async () => {
    const eps = pair(model, params, 32, 24);
    assert.ok(eps.every(Number.isFinite), 'UNet pair output must be finite');
    const x = tf.tidy(() => ({
      srcImage: tf.randomUniform([1, 256, 192, 3], -1, 1, 'float32', 1) as tf.Tensor4D,
      refImage: tf.randomUniform([1, 256, 192, 3], -1, 1, 'float32', 2) as tf.Tensor4D,
      mask: tf.ones([1, 256, 192, 1]) as tf.Tensor4D,
      densepose: tf.randomUniform([1, 256, 192, 3], -1, 1, 'float32', 4) as tf.Tensor4D,
    }));
    const t0 = performance.now();
    const r = await leffaSample(m, makeScheduler(m, 'ddpm'), x, { steps: 2, noise: seededNoise(1) });
    const img = r.decoded.dataSync();
    t.diagnostic(`2-step try-on ${((performance.now() - t0) / 1000).toFixed(1)} s; wasm heap ${((memoryReport().wasmHeapBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`);
    assert.deepEqual(r.decoded.shape, [1, 256, 192, 3]);
    assert.ok(img.every(Number.isFinite), 'decoded image must be finite');
    tf.dispose([r.latent, r.decoded, ...Object.values(x)]);
  });
  params.dispose();
});

test('full-size SDXL pose model: a generative-UNet forward at 128x96 on wasm, fp16 weights in JS memory', async (t) => {
  await useTestBackend('wasm');
  const sdxl = JSON.parse(readFileSync(join(fixturesDir, 'sdxl-manifest.json'), 'utf8'));
  const model = new LeffaModel({ arch: 'sdxl', unet: parseUNetConfig(sdxl.configs.unet), vae: parseVAEConfig(sdxl.configs.vae), scheduler: sdxl.configs.scheduler });
  assert.equal(model.params().reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0), 5_218_604_271);
  const params = randomHostParams(model.unet.params().filter(LeffaModel.isUsed), 4, 'fp16'); // 2.0 B used parameters, 3.8 GiB as fp16
  const [h, w] = [16, 12];
  await expectNoLeak(() => {
    const reference: Record<string, tf.Tensor3D> = {};
    for (const l of model.unet.attentionLayers()) {
      // SDXL's attention levels: down_blocks.1 / up_blocks.1 at 1/2 of the latent (640 ch), the rest at 1/4 (1280 ch)
      const level = l.startsWith('down_blocks.1') || l.startsWith('up_blocks.1') ? 1 : 2;
      reference[l] = tf.randomNormal([2, (h / 2 ** level) * (w / 2 ** level), level === 1 ? 640 : 1280], 0, 1, 'float32', 3) as tf.Tensor3D;
    }
    const x = tf.randomNormal([2, h, w, 12], 0, 1, 'float32', 5) as tf.Tensor4D;
    const t0 = performance.now();
    const eps = model.predictNoise(params, x, [500], reference);
    const out = eps.dataSync();
    t.diagnostic(`SDXL generative UNet forward (70 fusion layers, batch 2) ${((performance.now() - t0) / 1000).toFixed(1)} s; wasm heap ${((memoryReport().wasmHeapBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`);
    assert.deepEqual(eps.shape, [2, h, w, 4]);
    assert.ok(out.every(Number.isFinite));
    tf.dispose([eps, x, ...Object.values(reference)]);
  });
  params.dispose();
});
