// The training kernels of models/train/kernels: every kernel registered for wasm gives the cpu backend's
// result (same inputs, run on both backends in this process by switching tf.setBackend), and the cpu
// ResizeNearestNeighborGrad replacement fixes tfjs-backend-cpu's batch > 1 bug.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, expectNoLeak } from '../../helpers/tf.ts';
import {
  registerCpuKernelFixes, registerTrainingKernels, registerWasmGradientKernels, WASM_GRADIENT_KERNELS,
} from '../../../models/train/kernels/register.ts';

type Case = () => tf.Tensor[];

/** Runs `fn` on a backend (kernels registered) and reads its outputs back. */
async function on(backend: string, fn: Case): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  registerTrainingKernels();
  return expectNoLeak(() => {
    const outs = tf.tidy(fn);
    const data = outs.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(outs);
    return data;
  });
}

/** max |a − b| / max |b| per output. */
function relErrors(a: Float32Array[], b: Float32Array[]): number[] {
  return a.map((x, k) => {
    const y = b[k]!;
    assert.equal(x.length, y.length);
    let e = 0, m = 0;
    for (let i = 0; i < x.length; i++) { e = Math.max(e, Math.abs(x[i]! - y[i]!)); m = Math.max(m, Math.abs(y[i]!)); }
    return m > 0 ? e / m : e;
  });
}

async function expectSameOnWasmAndCpu(label: string, fn: Case, tol = 1e-5): Promise<void> {
  const w = await on('wasm', fn);
  const c = await on('cpu', fn);
  const rel = relErrors(w, c);
  assert.ok(rel.every((r) => r <= tol), `${label}: wasm vs cpu relative errors ${rel.map((r) => r.toExponential(2)).join(', ')}`);
}

const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed); // same values on every backend

test('registration: wasm kernels only where missing, idempotent, no-op on other backends', async () => {
  await tf.setBackend('cpu');
  assert.deepEqual(registerWasmGradientKernels(), []);
  await tf.setBackend('wasm');
  assert.deepEqual(registerCpuKernelFixes(), []);
  registerWasmGradientKernels();
  for (const name of Object.keys(WASM_GRADIENT_KERNELS)) assert.ok(tf.getKernel(name, 'wasm'), name);
  assert.deepEqual(registerWasmGradientKernels(), [], 'second call registers nothing');
  await tf.setBackend('cpu');
  registerCpuKernelFixes();
  assert.deepEqual(registerCpuKernelFixes(), []);
});

// The convolutions the engine differentiates: UNet 3x3 pad 1 (stride 1, and stride 2 in downsamplers),
// 1x1 (shortcuts, proj_in/out), the VAE's pad-then-'valid' stride 2, plus 'same' and explicit padding.
const CONVS: [string, number[], number[], number, 'same' | 'valid' | number | tf.backend_util.ExplicitPadding][] = [
  ['3x3 stride 1 pad 1', [2, 8, 6, 5], [3, 3, 5, 7], 1, 1],
  ['3x3 stride 2 pad 1', [2, 8, 6, 5], [3, 3, 5, 7], 2, 1],
  ['3x3 stride 2 valid (odd input)', [2, 9, 7, 5], [3, 3, 5, 7], 2, 'valid'],
  ['3x3 stride 2 same', [2, 8, 6, 5], [3, 3, 5, 7], 2, 'same'],
  ['1x1 stride 1', [2, 8, 6, 5], [1, 1, 5, 7], 1, 0],
  ['1x1 stride 2', [2, 8, 6, 5], [1, 1, 5, 7], 2, 0],
  ['5x5 stride 2 explicit', [2, 11, 9, 3], [5, 5, 3, 4], 2, [[0, 0], [2, 1], [1, 2], [0, 0]]],
];

test('Conv2DBackpropFilter (and the whole conv2d / fused conv2d gradient) on wasm equals cpu', async () => {
  for (const [label, xs, fs, stride, pad] of CONVS) {
    await expectSameOnWasmAndCpu(label, () => {
      const x = rnd(xs, 1), f = rnd(fs, 2), b = rnd([fs[3]!], 3);
      const fused = (a: tf.Tensor, w: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.square(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: w as tf.Tensor4D, strides: stride, pad, bias: bb })));
      const plain = (a: tf.Tensor, w: tf.Tensor) => tf.sum(tf.sin(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, stride, pad)));
      return [...tf.grads(fused)([x, f, b]), ...tf.grads(plain)([x, f])];
    });
  }
});

test('Conv2DBackpropFilter accepts NCHW inputs', async () => {
  await tf.setBackend('wasm');
  registerWasmGradientKernels();
  await expectNoLeak(() => tf.tidy(() => {
    const x = rnd([2, 8, 6, 5], 1), dy = rnd([2, 4, 3, 7], 2);
    const attrs = { strides: 2, pad: 1, filterShape: [3, 3, 5, 7] };
    const nhwc = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const nchw = tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.transpose(x, [0, 3, 1, 2]), dy: tf.transpose(dy, [0, 3, 1, 2]) }, { ...attrs, dataFormat: 'NCHW' } as unknown as tf.NamedAttrMap) as tf.Tensor;
    assert.ok(tf.max(tf.abs(tf.sub(nhwc, nchw))).dataSync()[0]! < 1e-5);
  }));
});

test('depthwise conv2d gradients on wasm equal cpu (dilation 1)', async () => {
  for (const [label, xs, fs, stride, pad] of [
    ['3x3 stride 1 same, multiplier 2', [2, 7, 6, 3], [3, 3, 3, 2], 1, 'same'],
    ['3x3 stride 2 pad 1', [2, 8, 6, 3], [3, 3, 3, 1], 2, 1],
  ] as const) {
    await expectSameOnWasmAndCpu(`depthwise ${label}`, () => {
      const x = rnd([...xs], 1), f = rnd([...fs], 2);
      return tf.grads((a: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, w as tf.Tensor4D, stride, pad))))([x, f]);
    });
  }
});

test('depthwise backprop kernels with dilation 2 are the adjoints of the forward (cpu ignores dilation there)', async () => {
  await tf.setBackend('wasm');
  registerWasmGradientKernels();
  await expectNoLeak(() => tf.tidy(() => {
    const x = rnd([1, 9, 8, 2], 1), f = rnd([3, 3, 2, 2], 2), dy = rnd([1, 5, 4, 4], 3);
    const attrs = { strides: [1, 1], pad: 'valid', dilations: [2, 2] };
    const y = tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid', 'NHWC', 2);
    const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { ...attrs, inputShape: [1, 9, 8, 2] } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const df = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, 2, 2] } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dot = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b)).dataSync()[0]!;
    const ref = dot(y, dy); // <dy, conv(x, f)> = <dx, x> = <df, f>
    assert.ok(Math.abs(dot(dx, x) - ref) < 1e-4 * Math.abs(ref) + 1e-5, `input adjoint ${dot(dx, x)} vs ${ref}`);
    assert.ok(Math.abs(dot(df, f) - ref) < 1e-4 * Math.abs(ref) + 1e-5, `filter adjoint ${dot(df, f)} vs ${ref}`);
  }));
});

test('UnsortedSegmentSum on wasm equals cpu: gather gradients with repeated indices, ids out of range, int32', async () => {
  await expectSameOnWasmAndCpu('gather gradients', () => {
    const x = rnd([6, 4, 3], 1);
    const idx = tf.tensor1d([0, 2, 2, 5, 0, 1], 'int32');
    return [
      ...tf.grads((a: tf.Tensor) => tf.sum(tf.square(tf.gather(a, idx, 0))))([x]),
      ...tf.grads((a: tf.Tensor) => tf.sum(tf.sin(tf.gather(a, tf.tensor1d([3, 3, 0], 'int32'), 1))))([x]),
    ];
  }, 1e-6);
  await expectSameOnWasmAndCpu('unsortedSegmentSum', () => [
    tf.unsortedSegmentSum(rnd([3, 4, 2], 1), tf.tensor1d([0, 5, -1], 'int32'), 4),
    tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([0, 0, 1, 3], 'int32'), 3),
  ], 0);
});

test('ResizeNearestNeighborGrad: the cpu replacement equals wasm and the block sums, for batch 2', async () => {
  const fn: Case = () => {
    const x = tf.zeros([2, 2, 3, 2]);
    const dy = tf.reshape(tf.range(0, 2 * 4 * 6 * 2), [2, 4, 6, 2]);
    return tf.grads((a: tf.Tensor) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [4, 6]))([x], dy);
  };
  const w = await on('wasm', fn);
  const c = await on('cpu', fn);
  // Brute force: input pixel (b, i, j, ch) collects the 2x2 block of outputs copied from it.
  const want = new Float32Array(2 * 2 * 3 * 2);
  for (let b = 0; b < 2; b++) for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) for (let ch = 0; ch < 2; ch++) {
    want[((b * 2 + (y >> 1)) * 3 + (x >> 1)) * 2 + ch]! += ((b * 4 + y) * 6 + x) * 2 + ch;
  }
  assert.deepEqual(Array.from(c[0]!), Array.from(want));
  assert.deepEqual(Array.from(w[0]!), Array.from(want));
});

test('wrapped wasm kernels: transposed matMul operands, conv2d input gradient and clone give the cpu results', async () => {
  await expectSameOnWasmAndCpu('matMul with transposes (plain, batched, fused with bias)', () => {
    const a = rnd([5, 7], 1), b = rnd([7, 3], 2), at = tf.transpose(a), bt = tf.transpose(b);
    const a3 = rnd([2, 5, 7], 3), b3t = rnd([2, 3, 7], 4), bias = rnd([3], 5);
    return [
      tf.matMul(a, b), tf.matMul(at, b, true, false), tf.matMul(a, bt, false, true), tf.matMul(at, bt, true, true),
      tf.matMul(a3, b3t, false, true), tf.fused.matMul({ a: at, b: bt, transposeA: true, transposeB: true, bias }),
      ...tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, w))))([a, b]),
    ];
  });
  await tf.setBackend('wasm');
  registerWasmGradientKernels();
  await expectNoLeak(() => tf.tidy(() => {
    const x = rnd([3, 4], 1);
    const y = tf.clone(x);
    assert.equal(y.dataId, x.dataId, 'clone shares the buffer');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()).length, 12, 'still readable after the original is disposed');
  }));
});

test('other gradients the training step uses agree on wasm and cpu (erf, softmax, moments, pad, split, clip)', async () => {
  await expectSameOnWasmAndCpu('elementwise / reductions', () => {
    const x = rnd([4, 6, 8], 1);
    return tf.grads((a: tf.Tensor) => {
      const m = tf.moments(a, [1, 2], true);
      const n = tf.mul(tf.sub(a, m.mean), tf.rsqrt(tf.add(m.variance, 1e-5)));
      const [u, v] = tf.split(tf.pad(n, [[0, 0], [1, 0], [0, 0]]), 2, 2);
      const g = tf.mul(u!, tf.erf(tf.mul(v!, Math.SQRT1_2)));
      return tf.sum(tf.mul(tf.softmax(g), tf.clipByValue(g, -0.5, 0.5)));
    })([x]);
  });
});
