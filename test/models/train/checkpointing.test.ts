// Gradient checkpointing (models/train/checkpointing.ts): the same gradients with and without it on the
// tiny model (Leffa loss included, so captured features and query/key side outputs go through the
// recompute), less peak tensor memory at a moderate size, and blocks restored when it is turned off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { openCheckpoint } from '../../../models/io/index.ts';
import { loadLeffa, type LoadedLeffa } from '../../../models/leffa/loaded.ts';
import {
  enableCheckpointing, isCheckpointed, measurePeakBuffers, recompute, unetBlocks, withCheckpointing,
} from '../../../models/train/checkpointing.ts';
import {
  VariableParamStore, disposeGradients, disposeInputs, objectiveGradients, prepareTrainingInputs,
  type TrainingBatch,
} from '../../../models/train/objective.ts';
import { registerTrainingKernels } from '../../../models/train/kernels/register.ts';

let m: LoadedLeffa;
let store: VariableParamStore;

before(async () => {
  await useTestBackend();
  const dir = join(fixturesDir, 'leffa-tiny');
  const man = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as { config: { base_folder: string } };
  m = loadLeffa(join(dir, man.config.base_folder), openCheckpoint(join(dir, 'weights.safetensors')));
  store = VariableParamStore.fromLoaded(m);
});
after(() => { store.dispose(); m.dispose(); });

function makeBatch(H: number, W: number): TrainingBatch {
  const B = 2;
  return tf.tidy(() => {
    const r = (s: number[], seed: number) => tf.randomNormal(s as [number, number, number, number], 0, 1, 'float32', seed) as tf.Tensor4D;
    const bin = (s: number[], seed: number) => tf.cast(tf.greater(r(s, seed), 0), 'float32') as tf.Tensor4D;
    const l = [B, H / 8, W / 8, 4];
    return {
      image: tf.tanh(r([B, H, W, 3], 1)), cloth: tf.tanh(r([B, H, W, 3], 2)), inpaintMask: bin([B, H, W, 1], 3),
      densepose: tf.tanh(r([B, H, W, 3], 4)), warpedMask: bin([B, H, W, 1], 5), timesteps: [100, 300],
      noise: { vaeImage: r(l, 6), vaeMasked: r(l, 7), vaeCloth: r(l, 8), diffusion: r(l, 9) },
    } as unknown as tf.TensorContainerObject;
  }) as unknown as TrainingBatch;
}
const disposeBatch = (b: TrainingBatch) => tf.dispose([b.image, b.cloth, b.inpaintMask, b.densepose, b.warpedMask, ...Object.values(b.noise)]);

test('recompute: the same gradients as the direct computation, also nested inside an outer gradient', async () => {
  await expectNoLeak(() => tf.tidy(() => {
    const x = tf.tensor1d([0.3, -1.2, 2]);
    const w = tf.tensor1d([1.5, 0.5, -2]);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sin(tf.mul(tf.square(a), b));
    const direct = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.exp(f(a, b))))([x, w]);
    // recompute's backward calls tf.grads while the outer tf.grads is running its backward pass.
    const viaRecompute = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.exp(recompute(([p, q]) => f(p!, q!), [a, b]))))([x, w]);
    for (let i = 0; i < 2; i++) assert.ok(tf.max(tf.abs(tf.sub(direct[i]!, viaRecompute[i]!))).dataSync()[0]! < 1e-6);
  }));
});

test('gradients w.r.t. every UNet parameter are the same with and without checkpointing (tiny model)', async () => {
  const batch = makeBatch(64, 48);
  const inputs = prepareTrainingInputs(m.model, m.params, batch);
  try {
    await expectNoLeak(() => {
      const plain = objectiveGradients(m.model, store, inputs, batch, store.variables);
      const ck = objectiveGradients(m.model, store, inputs, batch, store.variables, { checkpoint: true });
      try {
        assert.equal(ck.outputs.lossTotal.dataSync()[0], plain.outputs.lossTotal.dataSync()[0]);
        assert.equal(ck.grads.size, plain.grads.size);
        let worst = 0, where = '';
        for (const [n, g] of plain.grads) {
          const h = ck.grads.get(n);
          assert.ok(h, `${n}: no gradient with checkpointing`);
          const rel = tf.tidy(() => tf.max(tf.abs(tf.sub(g, h))).dataSync()[0]! / Math.max(1e-30, tf.max(tf.abs(g)).dataSync()[0]!));
          if (rel > worst) { worst = rel; where = n; }
        }
        assert.ok(worst < 1e-5, `worst relative difference ${worst} at ${where}`);
      } finally {
        disposeGradients(plain);
        disposeGradients(ck);
      }
    });
    for (const u of [m.model.unet, m.model.unetEncoder]) {
      const { resnets, transformers } = unetBlocks(u);
      assert.ok([...resnets, ...transformers].every((b) => !isCheckpointed(b)), 'blocks restored after the call');
    }
  } finally {
    disposeInputs(inputs);
    disposeBatch(batch);
  }
});

test('checkpointing lowers the peak tensor memory of a training step (tiny model at 128x96; 64x48 on cpu)', async () => {
  const batch = tf.getBackend() === 'cpu' ? makeBatch(64, 48) : makeBatch(128, 96); // the cpu backend is ~30x slower
  const inputs = prepareTrainingInputs(m.model, m.params, batch);
  try {
    // Distinct buffers alive at once (tf.memory() would count every view of a shared buffer again).
    const peak = (checkpoint: boolean) =>
      measurePeakBuffers(() => disposeGradients(objectiveGradients(m.model, store, inputs, batch, store.variables, { checkpoint }))).peakBytes;
    const plain = peak(false);
    const ck = peak(true);
    assert.ok(ck < 0.5 * plain, `peak ${(ck / 2 ** 20).toFixed(1)} MiB with checkpointing vs ${(plain / 2 ** 20).toFixed(1)} MiB without`);
  } finally {
    disposeInputs(inputs);
    disposeBatch(batch);
  }
});

test('measurePeakBuffers counts a shared buffer once and sees buffers freed inside', () => {
  registerTrainingKernels(); // on wasm, clone shares its buffer from then on (kernels/identity-shared.ts)
  const { peakBytes } = measurePeakBuffers(() => tf.tidy(() => {
    const a = tf.zeros([256]); //                      1 KiB
    tf.reshape(a, [16, 16]);
    tf.clone(a); //                                    views and clones share a's buffer
    tf.tidy(() => { tf.add(a, 1); }); //               1 KiB, freed at once
    return tf.add(a, 2); //                            1 KiB
  }).dispose());
  assert.ok(peakBytes >= 2048 && peakBytes <= 2048 + 16, `peak ${peakBytes}`); // + the scalar operands
});

test('enable / disable: only while recording gradients; inference output unchanged; restored on error', async () => {
  const u = m.model.unetEncoder;
  const { resnets, transformers } = unetBlocks(u);
  const run = () => tf.tidy(() => {
    const f = m.model.referenceFeatures(m.params, tf.randomNormal([1, 8, 6, 4], 0, 1, 'float32', 3) as tf.Tensor4D, [250]);
    const out = tf.concat(Object.values(f).map((t) => tf.reshape(t, [-1])));
    return out;
  });
  const before = run();
  const off = enableCheckpointing(u);
  try {
    assert.ok([...resnets, ...transformers].every(isCheckpointed));
    const during = run();
    assert.equal(tf.tidy(() => tf.max(tf.abs(tf.sub(before, during))).dataSync()[0]), 0);
    during.dispose();
  } finally {
    off();
  }
  before.dispose();
  assert.ok(![...resnets, ...transformers].some(isCheckpointed));
  assert.throws(() => withCheckpointing([u], () => { throw new Error('boom'); }), /boom/);
  assert.ok(![...resnets, ...transformers].some(isCheckpointed));
});
