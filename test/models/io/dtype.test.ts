import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bf16ToF32, f16ToF32, toFloat32, viewBytes } from '../../../models/io/dtype.ts';

// Expected values computed by hand from the bit layouts:
// F16 = s | eeeee (bias 15) | 10-bit fraction; BF16 = the upper 16 bits of an IEEE float32.
const F16_CASES: [number, number][] = [
  [0x3c00, 1], [0xc000, -2], [0x3800, 0.5], [0x3555, 0.333251953125], [0x7bff, 65504],
  [0x0400, 2 ** -14], // smallest normal
  [0x0001, 2 ** -24], // smallest subnormal
  [0x03ff, 1023 * 2 ** -24], // largest subnormal
  [0x7c00, Infinity], [0xfc00, -Infinity], [0x0000, 0],
];
const BF16_CASES: [number, number][] = [
  [0x3f80, 1], [0xc040, -3], [0x4049, 3.140625], [0x3e80, 0.25], [0x7f7f, 3.3895313892515355e38],
  [0x0001, 2 ** -133], // subnormal
  [0x7f80, Infinity], [0xff80, -Infinity],
];

test('f16ToF32 decodes normals, subnormals, infinities and signed zero', () => {
  for (const [bits, want] of F16_CASES) assert.equal(f16ToF32(bits), want, `0x${bits.toString(16)}`);
  assert.ok(Object.is(f16ToF32(0x8000), -0));
  assert.ok(Number.isNaN(f16ToF32(0x7e00)));
});

test('bf16ToF32 decodes normals, subnormals and infinities', () => {
  for (const [bits, want] of BF16_CASES) assert.equal(bf16ToF32(bits), want, `0x${bits.toString(16)}`);
  assert.ok(Number.isNaN(bf16ToF32(0x7fc0)));
});

test('toFloat32 converts F16 / BF16 / F64 arrays and refuses integer dtypes', () => {
  assert.deepEqual(Array.from(toFloat32('F16', Uint16Array.from(F16_CASES.map((c) => c[0])), 'x')), F16_CASES.map((c) => Math.fround(c[1])));
  assert.deepEqual(Array.from(toFloat32('BF16', Uint16Array.from(BF16_CASES.map((c) => c[0])), 'x')), BF16_CASES.map((c) => c[1]));
  assert.deepEqual(Array.from(toFloat32('F64', Float64Array.from([0.1, -2]), 'x')), [Math.fround(0.1), -2]);
  assert.throws(() => toFloat32('I64', new BigInt64Array(1), 'tensor t'), /tensor t: dtype I64 is not a floating-point type/);
});

test('viewBytes views aligned bytes without copying and copies unaligned ones', () => {
  const buf = new Uint8Array(12);
  new Float32Array(buf.buffer).set([1, 2, 3]);
  const v = viewBytes('F32', buf);
  assert.equal(v.buffer, buf.buffer);
  assert.deepEqual(Array.from(v as Float32Array), [1, 2, 3]);
  const odd = new Uint8Array(13);
  odd.set(buf, 1);
  assert.deepEqual(Array.from(viewBytes('F32', odd.subarray(1)) as Float32Array), [1, 2, 3]);
});
