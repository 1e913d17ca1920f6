// The fused WebGPU attention kernel against a float64 reference and against the plain formulation on
// the same backend, on SwiftShader (LEFFA_BACKEND=webgpu sets it up when there is no GPU). Sizes are
// small: SwiftShader runs at ~0.2 GFLOP/s. Shapes are chosen to hit the kernel's edges: query counts
// that are not a multiple of the workgroup (32/64), key counts not a multiple of the key tile (32), several
// heads and batches, and logits large enough to overflow a naive exp(). (SD1.5's widest head, d = 160,
// also matches, to 3.4e-7, but SwiftShader takes ~5 s to compile that shader: see scripts/bench-webgpu.ts.)
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../../models/tf.ts';
import { initBackend } from '../../../models/backend/index.ts';
import { multiHeadAttention } from '../../../models/nn/attention.ts';
import { fusedAttentionSettings } from '../../../models/nn/attention-webgpu.ts';
import { FLASH_ATTENTION_KERNEL } from '../../../models/kernels/webgpu/names.ts';

/** Deterministic values in [-scale, scale). */
function values(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * scale;
  }
  return out;
}

/** softmax(q kᵀ/√d) v per head in float64; q [B,Nq,C], k/v [B,Nk,C]. */
function reference(q: Float32Array, k: Float32Array, v: Float32Array, B: number, Nq: number, Nk: number, heads: number, d: number): Float64Array {
  const C = heads * d;
  const out = new Float64Array(B * Nq * C);
  const s = new Float64Array(Nk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < Nq; i++) {
        let max = -Infinity;
        for (let j = 0; j < Nk; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[(b * Nq + i) * C + h * d + c]! * k[(b * Nk + j) * C + h * d + c]!;
          s[j] = dot / Math.sqrt(d);
          max = Math.max(max, s[j]!);
        }
        let sum = 0;
        for (let j = 0; j < Nk; j++) sum += (s[j] = Math.exp(s[j]! - max));
        for (let c = 0; c < d; c++) {
          let acc = 0;
          for (let j = 0; j < Nk; j++) acc += s[j]! * v[(b * Nk + j) * C + h * d + c]!;
          out[(b * Nq + i) * C + h * d + c] = acc / sum;
        }
      }
    }
  }
  return out;
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / scale;
}

function run(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, heads: number, fused: boolean): Float32Array {
  fusedAttentionSettings.enabled = fused;
  try {
    return tf.tidy(() => multiHeadAttention(q, k, v, { heads }).dataSync() as Float32Array);
  } finally {
    fusedAttentionSettings.enabled = true;
  }
}

before(async () => {
  const info = await initBackend({ backend: 'webgpu', log: () => {} });
  assert.equal(info.name, 'webgpu');
});

const CASES = [
  { B: 1, Nq: 5, Nk: 7, heads: 1, d: 8, scale: 1 },
  { B: 2, Nq: 70, Nk: 45, heads: 2, d: 8, scale: 1 },
  { B: 1, Nq: 48, Nk: 96, heads: 8, d: 40, scale: 1 },
  { B: 1, Nq: 20, Nk: 50, heads: 2, d: 16, scale: 12 }, // logits up to ~500: exp() overflows without the running max
];

for (const c of CASES) {
  test(`fused = float64 reference = plain path: B${c.B} Nq${c.Nq} Nk${c.Nk} heads${c.heads} d${c.d} x${c.scale}`, (t) => {
    const C = c.heads * c.d;
    const qv = values(c.B * c.Nq * C, 1, c.scale);
    const kv = values(c.B * c.Nk * C, 2, c.scale);
    const vv = values(c.B * c.Nk * C, 3);
    const [q, k, v] = [tf.tensor3d(qv, [c.B, c.Nq, C]), tf.tensor3d(kv, [c.B, c.Nk, C]), tf.tensor3d(vv, [c.B, c.Nk, C])];
    try {
      const want = reference(qv, kv, vv, c.B, c.Nq, c.Nk, c.heads, c.d);
      const fused = run(q, k, v, c.heads, true);
      const plain = run(q, k, v, c.heads, false);
      const eFused = relErr(fused, want);
      const ePlain = relErr(plain, want);
      const eBetween = relErr(fused, plain);
      t.diagnostic(`relative error vs float64: fused ${eFused.toExponential(2)}, plain ${ePlain.toExponential(2)}; fused vs plain ${eBetween.toExponential(2)}`);
      assert.ok(eFused <= 1e-5, `fused ${eFused}`);
      assert.ok(eBetween <= 1e-5, `fused vs plain ${eBetween}`);
    } finally {
      tf.dispose([q, k, v]);
    }
  });
}

test('multiHeadAttention runs the fused kernel on WebGPU, one output tensor, no softmax', async () => {
  const [q, k, v] = [tf.randomNormal([1, 16, 32]), tf.randomNormal([1, 24, 32]), tf.randomNormal([1, 24, 32])] as tf.Tensor3D[];
  const before = tf.memory().numTensors;
  const prof = await tf.profile(() => multiHeadAttention(q!, k!, v!, { heads: 4 }).dispose());
  assert.deepEqual(prof.kernelNames, [FLASH_ATTENTION_KERNEL]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([q!, k!, v!]);
});

test('the score matrix is never materialised: peak memory stays below one Nq x Nk matrix', async (t) => {
  const [Nq, Nk, C] = [512, 512, 8];
  const [q, k, v] = [tf.randomNormal([1, Nq, C]), tf.randomNormal([1, Nk, C]), tf.randomNormal([1, Nk, C])] as tf.Tensor3D[];
  const peak = async (fused: boolean) => {
    fusedAttentionSettings.enabled = fused;
    try {
      const prof = await tf.profile(() => {
        const o = multiHeadAttention(q!, k!, v!, { heads: 1 });
        o.dataSync();
        o.dispose();
      });
      return prof.peakBytes - prof.newBytes - 3 * Nq * C * 4; // above the inputs
    } finally {
      fusedAttentionSettings.enabled = true;
    }
  };
  const fused = await peak(true);
  const plain = await peak(false);
  t.diagnostic(`extra peak bytes: fused ${fused}, plain ${plain}; one score matrix is ${Nq * Nk * 4}`);
  assert.ok(fused <= Nq * C * 4, `fused kept ${fused} bytes beyond its output`);
  assert.ok(plain >= Nq * Nk * 4, 'the plain path does build the score matrix (sanity check of the measure)');
  tf.dispose([q!, k!, v!]);
});

test('under a gradient tape the plain path runs (the fused kernel has no gradient)', () => {
  const [q, k, v] = [tf.randomNormal([1, 6, 8]), tf.randomNormal([1, 5, 8]), tf.randomNormal([1, 5, 8])] as tf.Tensor3D[];
  const g = tf.grad((x: tf.Tensor) => multiHeadAttention(x as tf.Tensor3D, k!, v!, { heads: 2 }).square().sum())(q!);
  const data = g.dataSync();
  assert.equal(data.length, 48);
  assert.ok(data.every(Number.isFinite) && data.some((x) => x !== 0));
  tf.dispose([q!, k!, v!, g]);
});
