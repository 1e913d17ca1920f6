// Builds a TensorSource from a format-specific "read one tensor" function, so every reader shares the
// same key lookup, missing-key and use-after-close errors, and float32 conversion.
import type { RawTensor, TensorInfo, TensorSource } from './types.ts';
import { constants } from 'node:buffer';
import { DTYPE_BYTES, numelOf, toFloat32 } from './dtype.ts';
import { CheckpointError } from './errors.ts';

export interface SourceParts {
  path: string;
  /** Reader name used in messages ("safetensors", "pth", "sharded safetensors"). */
  label: string;
  metadata: Record<string, string>;
  /** Tensor infos in file order. */
  infos: TensorInfo[];
  /** Reads one tensor; called only for a known key, only while open. */
  read(info: TensorInfo): RawTensor;
  close(): void;
}

export function createTensorSource(p: SourceParts): TensorSource {
  const byName = new Map<string, TensorInfo>();
  for (const i of p.infos) byName.set(i.name, i);
  let open = true;
  const get = (name: string, op: string): TensorInfo => {
    if (!open) throw new CheckpointError(p.path, `${p.label} ${p.path}: ${op}(${JSON.stringify(name)}) after close()`, name);
    const i = byName.get(name);
    if (!i) {
      throw new CheckpointError(p.path,
        `${p.label} ${p.path}: no tensor named ${JSON.stringify(name)} (the file has ${byName.size} tensors)`, name);
    }
    return i;
  };
  const src: TensorSource = {
    path: p.path,
    metadata: p.metadata,
    keys: () => p.infos.map((i) => i.name),
    has: (name) => byName.has(name),
    info(name) { const i = get(name, 'info'); return { name: i.name, dtype: i.dtype, shape: i.shape.slice() }; },
    read(name) {
      const i = get(name, 'read');
      // A (possibly expanded, stride-0) tensor larger than one JS buffer cannot be returned at all;
      // say so instead of failing with a bare RangeError.
      const bytes = numelOf(i.shape) * DTYPE_BYTES[i.dtype];
      if (bytes > constants.MAX_LENGTH) {
        throw new CheckpointError(p.path, `${p.label} ${p.path}: tensor ${JSON.stringify(name)} ${i.dtype}${JSON.stringify(i.shape)} is ${bytes} bytes, more than the largest buffer this runtime can hold (${constants.MAX_LENGTH})`, name);
      }
      return p.read(i);
    },
    readFloat32(name) {
      const t = src.read(name);
      try { return toFloat32(t.dtype, t.data, `${p.label} ${p.path}: tensor ${JSON.stringify(name)}`); } catch (e) {
        throw new CheckpointError(p.path, (e as Error).message, name);
      }
    },
    close() { if (open) { open = false; p.close(); } },
  };
  return src;
}
