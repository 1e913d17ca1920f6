// The reference fixtures hold the same state dict twice: weights.pth (torch.save) and
// weights.safetensors. The .pth reader must give the same keys in the same order and bit-identical data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPth } from '../../../models/io/pth.ts';
import { openSafetensors } from '../../../models/io/safetensors.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { bytesOf } from './helpers.ts';

for (const set of ['leffa-tiny', 'leffa-tiny-xl']) {
  test(`${set}: weights.pth and weights.safetensors have identical keys, shapes and float32 bits`, () => {
    const pth = openPth(`${fixturesDir}/${set}/weights.pth`);
    const st = openSafetensors(`${fixturesDir}/${set}/weights.safetensors`);
    try {
      assert.deepEqual(pth.keys(), st.keys());
      assert.ok(pth.keys().length > 500);
      assert.deepEqual(pth.metadata, {});
      for (const k of pth.keys()) {
        assert.deepEqual(pth.info(k), st.info(k), k);
        const a = pth.readFloat32(k);
        const b = st.readFloat32(k);
        assert.ok(bytesOf(a).equals(bytesOf(b)), `${k}: data differs`);
      }
    } finally {
      pth.close();
      st.close();
    }
  });
}
