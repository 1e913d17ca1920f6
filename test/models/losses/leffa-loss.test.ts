// The Leffa loss building blocks on random inputs: the chunked attention flow against a plain
// (unchunked, autodiff) formulation, chunked = unchunked for the whole layer loss and its gradients,
// the timestep gate and λ, the L2 option, option/shape validation, and tensor bookkeeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attentionFlow, attentionMap, combineLeffaLayers, flowCoords, leffaLayerForward, leffaLayerLoss, leffaLoss,
  type LeffaImages, type LeffaLossOptions,
} from '../../../models/losses/leffa-loss.ts';
import { expectNoLeak, tf, useTestBackend } from '../../helpers/tf.ts';

const [B, HEADS, h, w, D, H, W] = [2, 3, 6, 5, 8, 24, 20];
const N = h * w;

function inputs(seed: number): { query: tf.Tensor4D; key: tf.Tensor4D; images: LeffaImages } {
  return {
    query: tf.randomNormal([B, HEADS, 2 * N, D], 0, 1.5, 'float32', seed) as tf.Tensor4D,
    key: tf.randomNormal([B, HEADS, 2 * N, D], 0, 1.5, 'float32', seed + 1) as tf.Tensor4D,
    images: {
      reference: tf.randomUniform([B, H, W, 3], -1, 1, 'float32', seed + 2) as tf.Tensor4D,
      target: tf.randomUniform([B, H, W, 3], -1, 1, 'float32', seed + 3) as tf.Tensor4D,
      mask: tf.cast(tf.greater(tf.randomUniform([B, H, W, 1], 0, 1, 'float32', seed + 4), 0.3), 'float32') as tf.Tensor4D,
    },
  };
}

/** max |a − b| / max |b|. */
function relErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / Math.max(tf.max(tf.abs(b)).dataSync()[0]!, 1e-30));
}

/** The flow written plainly: all heads at once, softmax over the reference tokens, mean, ·coords. */
function plainFlow(q: tf.Tensor4D, k: tf.Tensor4D, temperature = 2.0): tf.Tensor {
  const d = q.shape[3];
  const s = tf.div(tf.matMul(q, k, false, true), Math.sqrt(d) * temperature); // [B, heads, N, N]
  const a = tf.mean(tf.softmax(s), 1); //                                       [B, N, N]
  return tf.reshape(tf.matMul(a, tf.tensor2d(flowCoords(h, w), [N, 2])), [q.shape[0], h, w, 2]); // [B, h, w, 2]
}

for (const backend of ['wasm', 'cpu']) {
  test(`${backend}: attentionFlow (chunked, custom gradient) equals the plain formulation and its autodiff gradients`, async (t) => {
    await useTestBackend(backend);
    await expectNoLeak(() => tf.tidy(() => {
      const q = tf.randomNormal([B, HEADS, N, D], 0, 1.5, 'float32', 21) as tf.Tensor4D;
      const k = tf.randomNormal([B, HEADS, N, D], 0, 1.5, 'float32', 22) as tf.Tensor4D;
      const dy = tf.randomNormal([B, h, w, 2], 0, 1, 'float32', 23);
      const ref = plainFlow(q, k);
      const refGrads = tf.grads((a: tf.Tensor, b: tf.Tensor) => plainFlow(a as tf.Tensor4D, b as tf.Tensor4D))([q, k], dy);
      for (const opts of [{}, { query_chunk: 4 }, { softmax: 'exact' as const, query_chunk: 7 }]) {
        const got = attentionFlow(q, k, h, w, opts);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => attentionFlow(a as tf.Tensor4D, b as tf.Tensor4D, h, w, opts))([q, k], dy);
        const errs = [relErr(got, ref), relErr(grads[0]!, refGrads[0]!), relErr(grads[1]!, refGrads[1]!)];
        t.diagnostic(`${JSON.stringify(opts)}: flow ${errs[0]!.toExponential(2)}, dQ ${errs[1]!.toExponential(2)}, dK ${errs[2]!.toExponential(2)}`);
        assert.ok(errs.every((e) => e < 1e-4), JSON.stringify(errs));
      }
      // The explicit attention map: rows are probability distributions whose coordinate mean is the flow.
      const map = attentionMap(q, k);
      assert.ok(tf.max(tf.abs(tf.sub(tf.sum(map, 2), 1))).dataSync()[0]! < 1e-5);
      assert.ok(relErr(tf.reshape(tf.matMul(map, tf.tensor2d(flowCoords(h, w), [N, 2])), [B, h, w, 2]), ref) < 1e-5);
    }));
  });
}

test('a chunked layer loss equals the unchunked one, values and gradients', async (t) => {
  await useTestBackend();
  await expectNoLeak(() => tf.tidy(() => {
    const { query, key, images } = inputs(31);
    const run = (opts: LeffaLossOptions) => {
      const loss = leffaLayerLoss(query, key, h, w, images, opts);
      const grads = tf.grads((q: tf.Tensor, k: tf.Tensor) => leffaLayerLoss(q as tf.Tensor4D, k as tf.Tensor4D, h, w, images, opts))([query, key]);
      return [loss, ...grads];
    };
    const whole = run({ query_chunk: N });
    for (const chunk of [1, 4, 7]) {
      const part = run({ query_chunk: chunk });
      const errs = whole.map((v, i) => relErr(part[i]!, v));
      t.diagnostic(`query_chunk ${chunk}: loss ${errs[0]!.toExponential(2)}, dQ ${errs[1]!.toExponential(2)}, dK ${errs[2]!.toExponential(2)}`);
      assert.ok(errs.every((e) => e < 1e-5), JSON.stringify(errs));
    }
    // The unused halves get exactly zero gradient: ref-token queries and gen-token keys.
    const [dq, dk] = [whole[1]!, whole[2]!];
    assert.equal(tf.max(tf.abs(tf.slice(dq, [0, 0, N, 0], [B, HEADS, N, D]))).dataSync()[0], 0);
    assert.equal(tf.max(tf.abs(tf.slice(dk, [0, 0, 0, 0], [B, HEADS, N, D]))).dataSync()[0], 0);
    assert.ok(tf.max(tf.abs(dq)).dataSync()[0]! > 0 && tf.max(tf.abs(dk)).dataSync()[0]! > 0);
  }));
});

test('timestep gate, layer mean and λ: samples with t ≥ θ contribute nothing, gradients included', async () => {
  await useTestBackend();
  await expectNoLeak(() => tf.tidy(() => {
    const a = inputs(41), b = inputs(51);
    const layers = [{ query: a.query, key: a.key, h, w }, { query: b.query, key: b.key, h, w }];
    const timesteps = [499, 500]; // 500 is not < 500
    const r = leffaLoss(layers, a.images, timesteps);
    const [l0, l1] = [r.perLayer[0]!.arraySync() as number[], r.perLayer[1]!.arraySync() as number[]];
    const mean = [(l0[0]! + l1[0]!) / 2, (l0[1]! + l1[1]!) / 2];
    const layerMean = r.layerMean.arraySync() as number[];
    assert.ok(Math.abs(layerMean[0]! - mean[0]!) < 1e-6 && Math.abs(layerMean[1]! - mean[1]!) < 1e-6);
    assert.deepEqual(r.gated.arraySync(), [layerMean[0], 0]);
    const attn = r.attnLoss.dataSync()[0]!;
    assert.ok(Math.abs(attn - mean[0]! / 2) < 1e-6, `attn_loss ${attn} vs ${mean[0]! / 2}`);
    assert.ok(Math.abs(r.weightedLoss.dataSync()[0]! - 1e-3 * attn) < 1e-9);
    const grads = tf.grads((q0: tf.Tensor, k0: tf.Tensor) => leffaLoss(
      [{ query: q0 as tf.Tensor4D, key: k0 as tf.Tensor4D, h, w }, layers[1]!], a.images, timesteps).attnLoss)([a.query, a.key]);
    for (const g of grads) {
      assert.equal(tf.max(tf.abs(tf.slice(g, [1, 0, 0, 0], [1, HEADS, 2 * N, D]))).dataSync()[0], 0, 'gated sample has zero gradient');
      assert.ok(tf.max(tf.abs(tf.slice(g, [0, 0, 0, 0], [1, HEADS, 2 * N, D]))).dataSync()[0]! > 0);
    }
    // combineLeffaLayers takes a timesteps tensor too.
    const c = combineLeffaLayers(r.perLayer, tf.tensor1d([0, 1000], 'int32'), { weight: 0.5 });
    assert.ok(Math.abs(c.weightedLoss.dataSync()[0]! - 0.5 * c.attnLoss.dataSync()[0]!) < 1e-9);
  }));
});

test("loss_type 'l2' is the masked mean squared error; 'smooth_l1' the β = 1 Smooth-L1", async () => {
  await useTestBackend();
  await expectNoLeak(() => tf.tidy(() => {
    const { query, key, images } = inputs(61);
    const expect = (type: 'l2' | 'smooth_l1') => {
      const f = leffaLayerForward(query, key, h, w, images, { loss_type: type });
      const d = tf.sub(tf.mul(f.warped, images.mask), tf.mul(images.target, images.mask));
      const a = tf.abs(d);
      const rho = type === 'l2' ? tf.square(d) : tf.where(tf.less(a, 1), tf.mul(tf.square(d), 0.5), tf.sub(a, 0.5));
      return [f.lossPerSample, tf.mean(rho, [1, 2, 3])];
    };
    for (const type of ['l2', 'smooth_l1'] as const) {
      const [got, want] = expect(type);
      assert.ok(relErr(got!, want!) < 1e-6, type);
      // The value the differentiable op returns is the forward's.
      assert.ok(relErr(leffaLayerLoss(query, key, h, w, images, { loss_type: type }), want!) < 1e-6);
    }
  }));
});

test('bad options and shapes are rejected with the value in the message', async () => {
  await useTestBackend();
  const { query, key, images } = inputs(71);
  try {
    assert.throws(() => leffaLayerLoss(query, key, h, w, images, { temperature: 0 }), /temperature must be > 0, got 0/);
    assert.throws(() => leffaLayerLoss(query, key, h, w, images, { loss_type: 'l1' as never }), /loss_type must be 'smooth_l1' or 'l2', got "l1"/);
    assert.throws(() => leffaLayerLoss(query, key, h, w, images, { query_chunk: 0 }), /query_chunk must be a positive integer, got 0/);
    assert.throws(() => leffaLayerLoss(query, key, h + 1, w, images), /2·h·w = 70.*\[2,3,60,8\]/);
    assert.throws(() => leffaLayerLoss(query, key, h, w, { ...images, mask: images.target }), /mask must be NHWC \[2, H, W, 1\]/);
    assert.throws(() => combineLeffaLayers([], [1, 2]), /no layers given/);
  } finally {
    tf.dispose([query, key, images.reference, images.target, images.mask]);
  }
});
