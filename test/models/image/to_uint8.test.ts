import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { openSafetensors } from '../../../models/io/safetensors.ts';
import { batchItem, floatToUint8, roundHalfEven, tensorToImageUint8 } from '../../../models/image/to_uint8.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';

before(async () => {
  await useTestBackend();
});

test('roundHalfEven and floatToUint8 follow NumPy rounding and the clamp', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 254.5, 3.4999, -0.5].map(roundHalfEven), [0, 2, 2, 254, 3, -0]);
  // x = −1 → 0, x = 1 → 255, outside [-1, 1] clamps, NaN → 0.
  assert.deepEqual([-1, 1, -3, 2.8, Number.NaN, 0].map(floatToUint8), [0, 255, 0, 255, 0, 128]);
  // 0.5/255 above zero: a = fl(x/2)+0.5 → ·255 = 127.5 exactly → half to even = 128; 126.5 → 126.
  const x = Math.fround((126.5 / 255 - 0.5) * 2);
  assert.equal(floatToUint8(x), roundHalfEven(Math.fround(Math.fround(Math.fround(x * 0.5) + 0.5) * 255)));
});

test('tensorToImageUint8 on the fixture decoded_raw equals the reference image_uint8', async () => {
  const src = openSafetensors(`${fixturesDir}/leffa-tiny/tensors.safetensors`);
  try {
    const raw = src.readFloat32('pipeline/b1_noaccel/decoded_raw'); // [1, 3, 64, 48] NCHW
    const expected = src.read('pipeline/b1_noaccel/image_uint8'); // [1, 64, 48, 3] NHWC, U8
    assert.deepEqual(expected.shape, [1, 64, 48, 3]);
    await expectNoLeak(() => {
      const nhwc = tf.tidy(() => tf.transpose(tf.tensor4d(raw, [1, 3, 64, 48]), [0, 2, 3, 1])); // [1, 64, 48, 3]
      const out = tensorToImageUint8(nhwc);
      nhwc.dispose();
      assert.deepEqual([out.batch, out.height, out.width], [1, 64, 48]);
      const exp = expected.data as Uint8Array;
      let differ = 0;
      for (let i = 0; i < exp.length; i++) {
        const d = Math.abs(out.data[i] - exp[i]);
        assert.ok(d <= 1, `value ${i}: ${out.data[i]} vs ${exp[i]}`);
        if (d) differ++;
      }
      assert.ok(differ <= 3, `${differ} values differ by one level`);
      assert.equal(differ, 0, 'expected an exact match with float32 arithmetic');
      assert.equal(batchItem(out, 0).data.length, 64 * 48 * 3);
    });
  } finally {
    src.close();
  }
});

test('tensorToImageUint8 accepts [H, W, 3] and validates shape and dtype', async () => {
  await expectNoLeak(() => {
    const t = tf.tensor3d([-1, 0, 1, 0.5, -0.5, 2], [1, 2, 3]);
    const out = tensorToImageUint8(t);
    assert.deepEqual([out.batch, out.height, out.width], [1, 1, 2]);
    assert.deepEqual([...out.data], [0, 128, 255, 191, 64, 255]);
    t.dispose();
    const bad = tf.zeros([1, 4, 4, 4]);
    assert.throws(() => tensorToImageUint8(bad), /expected a tensor of shape \[B, H, W, 3\] or \[H, W, 3\] \(NHWC\), got \[1, 4, 4, 4\]/);
    bad.dispose();
  });
  assert.throws(() => batchItem({ data: new Uint8Array(3), batch: 1, height: 1, width: 1 }, 1), /index must be an integer in \[0, 1\)/);
});
