// Checkpoint I/O: one entry point, `openCheckpoint`, for every weight format Leffa Studio reads, plus the
// readers and writers themselves. All readers return a lazy TensorSource (see types.ts).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { TensorSource } from './types.ts';
import { CheckpointError } from './errors.ts';
import { openDiffusersFolder } from './diffusers.ts';
import { openPth } from './pth.ts';
import { openSafetensors } from './safetensors.ts';
import { openSharded } from './sharded.ts';

export type { DType, RawTensor, TensorInfo, TensorSource, TypedData } from './types.ts';
export { DTYPE_BYTES, bf16ToF32, f16ToF32, numelOf, toFloat32 } from './dtype.ts';
export { CheckpointError } from './errors.ts';
export { openSafetensors, writeSafetensors, type SafetensorsTensor } from './safetensors.ts';
export { openShardedSafetensors, openSharded } from './sharded.ts';
export { openPth, type PthOptions } from './pth.ts';
export { writePth, type PthTensor, type PthView, type PthSharedStorage, type PthWriteOptions } from './pth-writer.ts';
export { openDiffusersFolder } from './diffusers.ts';

const SUPPORTED = [
  'a diffusers model folder (diffusion_pytorch_model.safetensors / .safetensors.index.json / .bin)',
  '*.safetensors',
  '*.safetensors.index.json / *.bin.index.json (sharded)',
  'a torch.save zip checkpoint (*.pth, *.bin, *.ckpt, *.pt)',
].join('; ');

/** Opens any supported checkpoint, deciding by what the path is and, for files, by their first bytes. */
export function openCheckpoint(path: string): TensorSource {
  let st;
  try { st = statSync(path); } catch (e) {
    throw new CheckpointError(path, `checkpoint ${path}: cannot open (${(e as Error).message}); supported: ${SUPPORTED}`);
  }
  if (st.isDirectory()) return openDiffusersFolder(path);
  const lower = path.toLowerCase();
  if (lower.endsWith('.safetensors.index.json') || lower.endsWith('.safetensors.index.fp16.json')) return openSharded(path, openSafetensors);
  if (lower.endsWith('.index.json')) return openSharded(path, (p) => openPth(p));
  if (lower.endsWith('.safetensors')) return openSafetensors(path);

  // Other extensions: sniff. A zip starts with a local header "PK\3\4"; torch.save's legacy (pre-1.6)
  // format starts with a raw pickle (0x80 0x02) and cannot be read lazily, so it gets its own message.
  const head = Buffer.alloc(16);
  let n: number;
  try {
    const fd = openSync(path, 'r');
    try { n = readSync(fd, head, 0, 16, 0); } finally { closeSync(fd); }
  } catch (e) {
    throw new CheckpointError(path, `checkpoint ${path}: cannot read (${(e as Error).message})`);
  }
  if (n >= 4 && head.readUInt32LE(0) === 0x04034b50) return openPth(path);
  if (n >= 2 && head[0] === 0x80 && head[1]! <= 5) {
    throw new CheckpointError(path, `checkpoint ${path}: legacy (non-zip) torch.save format, which is not supported; re-save it in Python with torch.save(torch.load(path), path) (zip format, the default since PyTorch 1.6)`);
  }
  if (n >= 9 && head[8] === 0x7b /* '{' */ && head.readBigUInt64LE(0) < BigInt(st.size)) return openSafetensors(path);
  throw new CheckpointError(path, `checkpoint ${path}: unrecognised format (first bytes ${head.subarray(0, Math.min(n, 8)).toString('hex') || 'none: empty file'}); supported: ${SUPPORTED}`);
}
