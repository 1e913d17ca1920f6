// Strided gathers against a naive reference: every element (i0, i1, ...) of a view is storage element
// offset + Σ ik·stridek. Both the in-memory path and the sliding-window path (thin views of large spans).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contiguousStride, isContiguous, maxElementOffset, readStrided } from '../../../models/io/strided.ts';

function naive(storage: Float32Array, offset: number, shape: number[], stride: number[]): number[] {
  const out: number[] = [];
  const rec = (d: number, off: number): void => {
    if (d === shape.length) { out.push(storage[off]!); return; }
    for (let i = 0; i < shape[d]!; i++) rec(d + 1, off + i * stride[d]!);
  };
  rec(0, offset);
  return out;
}

function viaReadStrided(storage: Float32Array, offset: number, shape: number[], stride: number[], window?: number): { values: number[]; reads: number } {
  const bytes = new Uint8Array(storage.buffer);
  let reads = 0;
  const out = readStrided((off, n) => { reads++; return bytes.slice((offset + off) * 4, (offset + off + n) * 4); }, shape, stride, 4, window);
  return { values: Array.from(new Float32Array(out.buffer)), reads };
}

const storage = Float32Array.from({ length: 400 }, (_, i) => i);
const CASES: [string, number, number[], number[]][] = [
  ['contiguous 2x3', 0, [2, 3], [3, 1]],
  ['transpose 3x2 of 2x3', 5, [3, 2], [1, 3]],
  ['every other element', 1, [10], [2]],
  ['column slice of 20x20', 3, [20], [20]],
  ['expand (stride 0)', 7, [4, 3], [0, 1]],
  ['4-d permuted', 11, [2, 3, 4, 2], [1, 48, 2, 24]],
  ['size-1 dims with odd strides', 2, [1, 5, 1], [999, 1, 77]],
  ['scalar', 9, [], []],
  ['empty', 0, [3, 0, 2], [0, 2, 1]],
];

test('readStrided matches the naive gather (in-memory path)', () => {
  for (const [what, off, shape, stride] of CASES) {
    assert.deepEqual(viaReadStrided(storage, off, shape, stride).values, naive(storage, off, shape, stride), what);
  }
});

test('readStrided matches the naive gather through a small sliding window', () => {
  for (const [what, off, shape, stride] of CASES) {
    assert.deepEqual(viaReadStrided(storage, off, shape, stride, 16).values, naive(storage, off, shape, stride), what);
  }
  // A thin column of a wide span is read window by window, not as one span.
  const r = viaReadStrided(storage, 0, [20], [20], 40);
  assert.deepEqual(r.values, naive(storage, 0, [20], [20]));
  assert.ok(r.reads > 1);
});

test('contiguity and extent helpers', () => {
  assert.deepEqual(contiguousStride([2, 3, 4]), [12, 4, 1]);
  assert.equal(isContiguous([2, 3], [3, 1]), true);
  assert.equal(isContiguous([2, 1, 3], [3, 100, 1]), true);
  assert.equal(isContiguous([3, 2], [1, 3]), false);
  assert.equal(maxElementOffset([2, 3], [1, 2]), 5);
  assert.equal(maxElementOffset([0, 3], [3, 1]), -1);
});
