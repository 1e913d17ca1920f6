// Chunked multi-head attention equals a direct float64 computation, for any chunk size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { multiHeadAttention, queryChunkSize } from '../../../models/nn/attention.ts';

function reference(q: Float32Array, k: Float32Array, v: Float32Array, B: number, Nq: number, Nk: number, h: number, d: number): Float64Array {
  const C = h * d;
  const out = new Float64Array(B * Nq * C);
  for (let b = 0; b < B; b++) for (let hh = 0; hh < h; hh++) for (let i = 0; i < Nq; i++) {
    const s = new Float64Array(Nk);
    let m = -Infinity;
    for (let j = 0; j < Nk; j++) {
      let acc = 0;
      for (let c = 0; c < d; c++) acc += q[(b * Nq + i) * C + hh * d + c]! * k[(b * Nk + j) * C + hh * d + c]!;
      s[j] = acc / Math.sqrt(d);
      m = Math.max(m, s[j]!);
    }
    let z = 0;
    for (let j = 0; j < Nk; j++) { s[j] = Math.exp(s[j]! - m); z += s[j]!; }
    for (let c = 0; c < d; c++) {
      let acc = 0;
      for (let j = 0; j < Nk; j++) acc += (s[j]! / z) * v[(b * Nk + j) * C + hh * d + c]!;
      out[(b * Nq + i) * C + hh * d + c] = acc;
    }
  }
  return out;
}

test('attention [B=2, Nq=13, Nk=26, heads=3, d=5] matches float64 for chunk sizes 1, 4 and all', async () => {
  await useTestBackend();
  const [B, Nq, Nk, h, d] = [2, 13, 26, 3, 5];
  const q = tf.randomNormal([B, Nq, h * d], 0, 1, 'float32', 1) as tf.Tensor3D;
  const k = tf.randomNormal([B, Nk, h * d], 0, 1, 'float32', 2) as tf.Tensor3D;
  const v = tf.randomNormal([B, Nk, h * d], 0, 1, 'float32', 3) as tf.Tensor3D;
  const want = reference(q.dataSync() as Float32Array, k.dataSync() as Float32Array, v.dataSync() as Float32Array, B, Nq, Nk, h, d);
  for (const maxScoreElements of [Nk, 4 * Nk, 1e9]) {
    await expectNoLeak(() => {
      const got = tf.tidy(() => multiHeadAttention(q, k, v, { heads: h, maxScoreElements }).dataSync());
      let err = 0;
      for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
      assert.ok(err < 1e-5, `chunk budget ${maxScoreElements}: max error ${err}`);
    });
  }
  tf.dispose([q, k, v]);
});

test('chunk size bounds the per-head score matrix', () => {
  assert.equal(queryChunkSize(1, 12288, 24576, 2 ** 24), 682);
  assert.equal(queryChunkSize(1, 100, 100, 2 ** 24), 100);
  assert.equal(queryChunkSize(1, 100, 1e9, 10), 1);
});
