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

export const DTYPES = Object.keys(DTYPE_BYTES) as DType[];

export function isDType(v: unknown): v is DType {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, v);
}

/** Number of elements of `shape` (1 for a scalar `[]`). */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Views bytes as the typed array of `dtype` without copying when they are aligned (buffers from
 * RandomAccessFile.readAt always are); falls back to the copying `typedFromBytes` otherwise.
 */
export function viewBytes(dtype: DType, bytes: Uint8Array): TypedData {
  const size = DTYPE_BYTES[dtype];
  if (bytes.byteOffset % size !== 0 || bytes.byteLength % size !== 0) return typedFromBytes(dtype, bytes);
  const { buffer, byteOffset, byteLength } = bytes;
  const n = byteLength / size;
  switch (dtype) {
    case 'F64': return new Float64Array(buffer, byteOffset, n);
    case 'F32': return new Float32Array(buffer, byteOffset, n);
    case 'F16': case 'BF16': return new Uint16Array(buffer, byteOffset, n);
    case 'I64': return new BigInt64Array(buffer, byteOffset, n);
    case 'I32': return new Int32Array(buffer, byteOffset, n);
    case 'I16': return new Int16Array(buffer, byteOffset, n);
    case 'I8': return new Int8Array(buffer, byteOffset, n);
    case 'U8': case 'BOOL': return bytes;
  }
}

/** The bytes of a typed array (no copy). */
export function bytesOf(data: TypedData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The typed-array class that holds each dtype, to check what a writer is given. */
export function expectedArrayName(dtype: DType): string {
  switch (dtype) {
    case 'F64': return 'Float64Array';
    case 'F32': return 'Float32Array';
    case 'F16': case 'BF16': return 'Uint16Array';
    case 'I64': return 'BigInt64Array';
    case 'I32': return 'Int32Array';
    case 'I16': return 'Int16Array';
    case 'I8': return 'Int8Array';
    case 'U8': case 'BOOL': return 'Uint8Array';
  }
}

/**
 * All formats here store little-endian bytes and the readers/writers view them as host typed arrays;
 * every platform Electron ships on is little-endian, but say so loudly instead of corrupting data.
 */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Whether `data` is the typed array that holds `dtype` (subclasses such as Buffer count). */
export function dataMatchesDType(dtype: DType, data: unknown): boolean {
  switch (dtype) {
    case 'F64': return data instanceof Float64Array;
    case 'F32': return data instanceof Float32Array;
    case 'F16': case 'BF16': return data instanceof Uint16Array;
    case 'I64': return data instanceof BigInt64Array;
    case 'I32': return data instanceof Int32Array;
    case 'I16': return data instanceof Int16Array;
    case 'I8': return data instanceof Int8Array;
    case 'U8': case 'BOOL': return data instanceof Uint8Array;
  }
}
