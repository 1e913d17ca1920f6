// Shared types of the checkpoint readers. A TensorSource reads named tensors lazily from disk
// (never the whole file at once), so a 7.2 GB checkpoint loads in bounded extra memory.

export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export type TypedData =
  | Float64Array
  | Float32Array
  | Uint16Array // raw bits of F16 / BF16
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

export interface TensorInfo {
  name: string;
  dtype: DType;
  /** PyTorch order (NCHW / OIHW / [out, in]), exactly as stored. */
  shape: number[];
}

export interface RawTensor extends TensorInfo {
  data: TypedData;
}

export interface TensorSource {
  /** File or folder this source reads. */
  readonly path: string;
  /** Free-form string metadata (safetensors `__metadata__`); empty when the format has none. */
  readonly metadata: Record<string, string>;
  /** Tensor names in file order. */
  keys(): string[];
  has(name: string): boolean;
  /** Throws an error naming the file and the key when absent. */
  info(name: string): TensorInfo;
  /** Reads one tensor from disk in its stored dtype (F16/BF16 as raw Uint16 bits). */
  read(name: string): RawTensor;
  /** Reads one floating-point tensor converted to float32; throws for integer dtypes. */
  readFloat32(name: string): Float32Array;
  close(): void;
}
