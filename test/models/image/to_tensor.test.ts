import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { denseposeToTensor, imageToTensor, maskToTensor } from '../../../models/image/to_tensor.ts';
import type { RgbImage } from '../../../models/image/types.ts';

before(async () => {
  await useTestBackend();
});

/** A w×h RGB image whose samples run through 0…255 cyclically. */
function ramp(w: number, h: number, offset = 0): RgbImage {
  return { data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i + offset) % 256), width: w, height: h };
}

test('imageToTensor: NHWC float32 in [-1, 1], identical to x/255·2−1, x/127.5−1 and (x/255−0.5)/0.5 in float32', async () => {
  await expectNoLeak(() => {
    const img = ramp(16, 16); // 768 samples: every value 0…255 three times
    const t = imageToTensor(img);
    assert.deepEqual(t.shape, [1, 16, 16, 3]);
    assert.equal(t.dtype, 'float32');
    const got = t.dataSync();
    // The three spellings computed with float32 ops on the backend.
    const ref = tf.tidy(() => {
      const x = tf.tensor1d(Array.from(img.data), 'float32');
      return [
        tf.sub(tf.mul(tf.div(x, 255), 2), 1),
        tf.sub(tf.div(x, 127.5), 1),
        tf.div(tf.sub(tf.div(x, 255), 0.5), 0.5),
      ].map((r) => r.dataSync());
    });
    for (const r of ref) assert.deepEqual(Array.from(got), Array.from(r));
    assert.equal(got[0], -1);
    assert.equal(got[255], 1);
    assert.equal(got[128], Math.fround(Math.fround(128 / 255) * 2 - 1));
    t.dispose();
  });
});

test('imageToTensor stacks a batch and rejects mismatched sizes', async () => {
  await expectNoLeak(() => {
    const t = imageToTensor([ramp(6, 8), ramp(6, 8, 7)]);
    assert.deepEqual(t.shape, [2, 8, 6, 3]);
    t.dispose();
  });
  assert.throws(() => imageToTensor([ramp(6, 8), ramp(8, 6)]), /batch item 1 is 8×6, expected 6×8/);
  assert.throws(() => imageToTensor({ data: new Uint8Array(5), width: 2, height: 2 }), /data has 5 bytes, expected width·height·3 = 12/);
});

test('maskToTensor binarises at 0.5 (grey ≥ 128 → 1) and reads RGB masks through PIL L', async () => {
  await expectNoLeak(() => {
    const grey = { data: Uint8Array.from([0, 1, 127, 128, 200, 255]), width: 3, height: 2 };
    const t = maskToTensor(grey);
    assert.deepEqual(t.shape, [1, 2, 3, 1]);
    assert.deepEqual(Array.from(t.dataSync()), [0, 0, 0, 1, 1, 1]);
    t.dispose();
    // RGB: (255, 0, 0) → L = 76 → 0; (0, 255, 0) → 150 → 1; (128,128,128) → 128 → 1; (127,127,127) → 0.
    const rgb: RgbImage = { data: Uint8Array.from([255, 0, 0, 0, 255, 0, 128, 128, 128, 127, 127, 127]), width: 2, height: 2 };
    const u = maskToTensor(rgb);
    assert.deepEqual(Array.from(u.dataSync()), [0, 1, 1, 0]);
    u.dispose();
  });
});

test("denseposeToTensor: 'image' is the photo path; 'iuv-training' maps U,V /255 and I /24 to [-1, 1]", async () => {
  await expectNoLeak(() => {
    const img = ramp(4, 4);
    const a = denseposeToTensor(img);
    const b = imageToTensor(img);
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    tf.dispose([a, b]);

    // Pixels [U, V, I]: (0, 255, 0), (255, 0, 24), (51, 204, 12).
    const iuv: RgbImage = { data: Uint8Array.from([0, 255, 0, 255, 0, 24, 51, 204, 12, 0, 0, 6]), width: 2, height: 2 };
    const t = denseposeToTensor(iuv, 'iuv-training');
    const v = Array.from(t.dataSync());
    assert.deepEqual(v.slice(0, 9), [-1, 1, -1, 1, -1, 1, Math.fround(Math.fround(51 / 255) * 2 - 1), Math.fround(Math.fround(204 / 255) * 2 - 1), 0]);
    assert.equal(v[11], -0.5); // I = 6 → 6/24·2 − 1
    t.dispose();
  });
  const bad: RgbImage = { data: Uint8Array.from([0, 0, 25]), width: 1, height: 1 };
  assert.throws(() => denseposeToTensor(bad, 'iuv-training'), /part index 25 .* expected 0…24/);
  assert.throws(() => denseposeToTensor(bad, 'uvi' as 'image'), /format must be 'image' or 'iuv-training'/);
});
