// Element sizes and conversions of the stored dtypes.
import type { DType, TypedData } from './types.ts';

export const DTYPE_BYTES: Record<DType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** Views little-endian bytes as the typed array of `dtype` (copies to get alignment). */
export function typedFromBytes(dtype: DType, bytes: Uint8Array): TypedData {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const b = copy.buffer;
  switch (dtype) {
    case 'F64': return new Float64Array(b);
    case 'F32': return new Float32Array(b);
    case 'F16': case 'BF16': return new Uint16Array(b);
    case 'I64': return new BigInt64Array(b);
    case 'I32': return new Int32Array(b);
    case 'I16': return new Int16Array(b);
    case 'I8': return new Int8Array(b);
    case 'U8': case 'BOOL': return copy;
  }
}

/** IEEE half -> float. */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** bfloat16 bits -> float (the upper half of a float32). */
export function bf16ToF32(h: number): number {
  u32Scratch[0] = h << 16;
  return f32Scratch[0]!;
}

/** Converts any floating-point stored tensor to float32. */
export function toFloat32(dtype: DType, data: TypedData, what: string): Float32Array {
  switch (dtype) {
    case 'F32': return data as Float32Array;
    case 'F64': return Float32Array.from(data as Float64Array);
    case 'F16': { const u = data as Uint16Array; const o = new Float32Array(u.length); for (let i = 0; i < u.length; i++) o[i] = f16ToF32(u[i]!); return o; }
    case 'BF16': { const u = data as Uint16Array; const o = new Float32Array(u.length); for (let i = 0; i < u.length; i++) o[i] = bf16ToF32(u[i]!); return o; }
    default:
      throw new TypeError(`${what}: dtype ${dtype} is not a floating-point type (expected F32, F64, F16 or BF16)`);
  }
}
