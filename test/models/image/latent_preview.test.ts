import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { SD15_LATENT_RGB_FACTORS, latentPreview } from '../../../models/image/latent_preview.ts';
import { openSafetensors } from '../../../models/io/safetensors.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';

before(async () => {
  await useTestBackend();
});

test('latentPreview maps each latent pixel through the 4×3 factors to uint8 RGB', async () => {
  await expectNoLeak(() => {
    // 1×2×2×4 latent: pixel 0 = zeros → mid-grey; pixel 1 = one-hot channel 0 scaled by 2;
    // pixel 2 = big positive → clamps; pixel 3 = channel 3 = −1.
    const latent = tf.tensor4d([0, 0, 0, 0, 2, 0, 0, 0, 9, 9, 9, 0, 0, 0, 0, -1], [1, 2, 2, 4]);
    const img = latentPreview(latent);
    latent.dispose();
    assert.deepEqual([img.width, img.height], [2, 2]);
    const expect = (rgb: number[]) => rgb.map((v) => Math.round(Math.min(255, Math.max(0, (v + 1) * 127.5))));
    const [r0, r1, r2, r3] = SD15_LATENT_RGB_FACTORS;
    const got = [...img.data];
    assert.deepEqual(got.slice(0, 3), [128, 128, 128]); // 127.5 rounds up
    got.slice(3, 6).forEach((v, c) => assert.ok(Math.abs(v - expect([2 * r0[c]])[0]) <= 1));
    got.slice(9, 12).forEach((v, c) => assert.ok(Math.abs(v - expect([-r3[c]])[0]) <= 1));
    assert.ok(got.slice(6, 9).every((v, c) => v === expect([9 * (r0[c] + r1[c] + r2[c])])[0]));
  });
});

test('latentPreview picks a batch item, enlarges, and validates its input', async () => {
  const src = openSafetensors(`${fixturesDir}/leffa-tiny/tensors.safetensors`);
  const nchw = src.readFloat32('pipeline/b2_noaccel/final_latent'); // [2, 4, 8, 6]
  src.close();
  await expectNoLeak(() => {
    const latent = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [2, 4, 8, 6]), [0, 2, 3, 1])); // [2, 8, 6, 4]
    const small = latentPreview(latent, { index: 1 });
    const big = latentPreview(latent, { index: 1, upscale: 4 });
    assert.deepEqual([small.width, small.height, big.width, big.height], [6, 8, 24, 32]);
    // Nearest enlargement: big pixel (4x+i, 4y+j) = small pixel (x, y).
    for (const [x, y] of [[0, 0], [5, 7], [2, 3]]) {
      const s = (y * 6 + x) * 3;
      const b = ((4 * y + 3) * 24 + 4 * x + 1) * 3;
      assert.deepEqual([...big.data.subarray(b, b + 3)], [...small.data.subarray(s, s + 3)]);
    }
    assert.throws(() => latentPreview(latent, { index: 2 }), /index must be in \[0, 2\)/);
    assert.throws(() => latentPreview(latent, { upscale: 0 }), /upscale must be an integer 1…16/);
    const wrong = tf.zeros([1, 8, 6, 3]);
    assert.throws(() => latentPreview(wrong), /expected an NHWC latent of shape \[B, h, w, 4\], got \[1, 8, 6, 3\]/);
    tf.dispose([latent, wrong]);
  });
});
