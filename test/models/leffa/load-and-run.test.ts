// Loading by name with every key/shape/dtype checked, and forward passes that free every tensor they make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { openCheckpoint, writeSafetensors } from '../../../models/io/index.ts';
import { loadLeffa } from '../../../models/leffa/loaded.ts';
import { LeffaModel, readBaseFolder } from '../../../models/leffa/model.ts';
import { checkKeys } from '../../../models/leffa/load-params.ts';
import type { MapParamStore } from '../../../models/nn/params.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';

const dir = join(fixturesDir, 'leffa-tiny');
const base = join(dir, 'base', 'tiny-stable-diffusion-inpainting');

test('safetensors and .pth weights load to identical parameters and nothing leaks on dispose', async () => {
  await useTestBackend();
  await expectNoLeak(() => {
    const a = loadLeffa(base, openCheckpoint(join(dir, 'weights.safetensors')));
    const b = loadLeffa(base, openCheckpoint(join(dir, 'weights.pth')));
    assert.equal(a.placement, 'resident');
    const pa = a.params as MapParamStore;
    assert.equal(pa.tensors.size, (b.params as MapParamStore).tensors.size);
    // attn2 and the reference UNet's conv_out are checked but never materialised
    assert.ok(![...pa.tensors.keys()].some((k) => k.includes('.attn2.') || k.startsWith('unet_encoder.conv_out')));
    for (const [k, t] of pa.tensors) {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(t, b.params.get(k)))).dataSync()[0]);
      assert.equal(d, 0, k);
    }
    a.dispose(); b.dispose();
  });
});

test('missing, unexpected and mis-shaped keys are listed in the error', async () => {
  await useTestBackend();
  const src = openCheckpoint(join(dir, 'weights.safetensors'));
  const model = new LeffaModel(readBaseFolder(base));
  const specs = model.params();
  const tmp = mkdtempSync(join(tmpdir(), 'leffa-load-'));
  try {
    const keep = src.keys().filter((k) => k !== 'unet.conv_in.weight' && k !== 'vae.quant_conv.bias');
    const tensors = keep.map((k) => src.read(k));
    tensors.push({ name: 'unet.extra_layer.weight', dtype: 'F32', shape: [2], data: new Float32Array(2) });
    const p = join(tmp, 'broken.safetensors');
    writeSafetensors(p, tensors);
    const broken = openCheckpoint(p);
    assert.throws(() => checkKeys(specs, broken), (e: Error) =>
      /missing keys \(2\): .*unet\.conv_in\.weight/.test(e.message) && /vae\.quant_conv\.bias/.test(e.message) && /unexpected keys \(1\): unet\.extra_layer\.weight/.test(e.message));
    broken.close();
    // a shape mismatch names the key, the shape found and the shape expected
    const reshaped = src.keys().map((k) => {
      const t = src.read(k);
      return k === 'unet.conv_in.weight' ? { ...t, shape: [t.shape[0]!, 9, 3, 3], data: (t.data as Float32Array).subarray(0, t.shape[0]! * 81) } : t;
    });
    const p2 = join(tmp, 'shape.safetensors');
    writeSafetensors(p2, reshaped);
    const s2 = openCheckpoint(p2);
    assert.throws(() => checkKeys(specs, s2), /unet\.conv_in\.weight has shape \[32, 9, 3, 3\], expected \[32, 12, 3, 3\]/);
    s2.close();
  } finally {
    src.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('wrong input shapes get clear errors and leave no tensors behind', async () => {
  await useTestBackend();
  const m = loadLeffa(base, openCheckpoint(join(dir, 'weights.safetensors')));
  try {
    await expectNoLeak(() => {
      const x9 = tf.zeros([1, 8, 6, 9]) as tf.Tensor4D;
      assert.throws(() => m.model.unet.forward(m.params, x9, [10], { reference: {} }), /unet: sample has 9 channels, expected 12/);
      const odd = tf.zeros([1, 7, 6, 4]) as tf.Tensor4D;
      assert.throws(() => m.model.referenceFeatures(m.params, odd, [10]), /latent size 7x6 must be divisible by 2/);
      const x12 = tf.zeros([1, 8, 6, 12]) as tf.Tensor4D;
      assert.throws(() => m.model.predictNoise(m.params, x12, [10], {}), /no reference feature for layer down_blocks\.0\.attentions\.0\.transformer_blocks\.0\.attn1/);
      const img = tf.zeros([1, 60, 48, 3]) as tf.Tensor4D;
      assert.throws(() => m.model.vae.encode(m.params, img), /image size 60x48 must be divisible by 8/);
      tf.dispose([x9, odd, x12, img]);
    });
  } finally {
    m.dispose();
  }
});

test('a UNet pair forward frees every intermediate tensor', async () => {
  await useTestBackend();
  const m = loadLeffa(base, openCheckpoint(join(dir, 'weights.safetensors')));
  try {
    await expectNoLeak(() => {
      const ref = tf.randomNormal([2, 8, 6, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
      const x = tf.randomNormal([2, 8, 6, 12], 0, 1, 'float32', 2) as tf.Tensor4D;
      const feats = m.model.referenceFeatures(m.params, ref, [500]);
      assert.equal(Object.keys(feats).length, 4);
      const eps = m.model.predictNoise(m.params, x, [500], feats);
      assert.deepEqual(eps.shape, [2, 8, 6, 4]);
      assert.ok(Number.isFinite(tf.tidy(() => tf.sum(eps).dataSync()[0]!)));
      tf.dispose([ref, x, eps, ...Object.values(feats)]);
    });
  } finally {
    m.dispose();
  }
});

test('a truncated checkpoint fails cleanly without crashing the process', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'leffa-trunc-'));
  try {
    const p = join(tmp, 'weights.pth');
    copyFileSync(join(dir, 'weights.pth'), p);
    truncateSync(p, 1_000_000);
    assert.throws(() => loadLeffa(base, openCheckpoint(p)), /weights\.pth/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
