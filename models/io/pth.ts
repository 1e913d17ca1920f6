// PyTorch zip checkpoints (`torch.save` default format since 1.6; .pth / .bin / .ckpt): a stored zip with
// `<top>/data.pkl` (the state dict pickle) and one raw little-endian storage per `<top>/data/<key>`.
// The pickle is read with an allowlisting unpickler (no code runs); tensor bytes are read lazily with
// positioned reads when a tensor is requested, so memory stays bounded by one tensor.
import type { TensorInfo, TensorSource } from './types.ts';
import { DTYPE_BYTES, numelOf, viewBytes } from './dtype.ts';
import { CheckpointError } from './errors.ts';
import { RandomAccessFile } from './file-reader.ts';
import { createTensorSource } from './source.ts';
import { isContiguous, maxElementOffset, readStrided } from './strided.ts';
import { readTorchStateDict, type TensorRef } from './torch-pickle.ts';
import { ZipArchive, type ZipEntry } from './zip-reader.ts';

const LABEL = 'pth';
/** data.pkl of the 20.9 GB SDXL checkpoint is a few MB; refuse absurd sizes instead of allocating them. */
const MAX_PICKLE_BYTES = 512 * 1024 * 1024;

export interface PthOptions {
  /** Window for strided reads of thin views into large storages (tests make it small). */
  stridedWindowBytes?: number;
}

export function openPth(path: string, opts: PthOptions = {}): TensorSource {
  const file = new RandomAccessFile(path, LABEL);
  try {
    return openArchive(path, file, opts);
  } catch (e) {
    file.close();
    throw e;
  }
}

function openArchive(path: string, file: RandomAccessFile, opts: PthOptions): TensorSource {
  const fail = (msg: string, key?: string): never => { throw new CheckpointError(path, `${LABEL} ${path}: ${msg}`, key); };
  const zip = new ZipArchive(file, LABEL);

  // 1. Find `<top>/data.pkl`. The top folder is the stem of the file torch.save wrote ("archive",
  //    "virtual_tryon", ...), so it is discovered rather than assumed.
  const pkls = zip.entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pkls.length === 0) {
    const some = zip.entries.slice(0, 5).map((e) => e.name).join(', ');
    fail(`no <folder>/data.pkl entry among ${zip.entries.length} zip entries (${some}${zip.entries.length > 5 ? ', ...' : ''}); expected a checkpoint written by torch.save`);
  }
  if (pkls.length > 1) fail(`${pkls.length} data.pkl entries (${pkls.map((e) => e.name).join(', ')}), expected one`);
  const pklEntry = pkls[0]!;
  const top = pklEntry.name.slice(0, pklEntry.name.indexOf('/'));

  // 2. Byte order: torch >= 2.1 records it; big-endian storages would need swapping, which is not implemented.
  const bo = zip.get(`${top}/byteorder`);
  if (bo) {
    const order = new TextDecoder().decode(zip.readAll(bo, 64)).trim();
    if (order !== 'little') fail(`${bo.name} is ${JSON.stringify(order)}, expected "little" (big-endian checkpoints are not supported)`, bo.name);
  }

  // 3. The state dict.
  const state = readTorchStateDict(zip.readAll(pklEntry, MAX_PICKLE_BYTES), { file: path, where: `${LABEL} ${path}: ${pklEntry.name}` });

  // 4. Check every tensor against its storage entry now, so a damaged file fails at open, not mid-load.
  const entryOf = new Map<string, ZipEntry>();
  const infos: TensorInfo[] = [];
  for (const key of state.keys) {
    const t = state.tensors.get(key)!;
    const s = t.storage;
    const name = `${top}/data/${s.key}`;
    const entry = zip.get(name);
    if (!entry) fail(`tensor ${JSON.stringify(key)} uses storage ${JSON.stringify(s.key)}, but the archive has no entry ${name}`, key);
    const elem = DTYPE_BYTES[s.dtype];
    const need = s.numel * elem;
    if (entry!.uncompressedSize < need) {
      fail(`storage entry ${name} is ${entry!.uncompressedSize} bytes, expected at least ${need} (${s.className} of ${s.numel} elements); truncated or corrupt file`, key);
    }
    const last = t.offset + maxElementOffset(t.shape, t.stride);
    if (numelOf(t.shape) > 0 && last >= s.numel) {
      fail(`tensor ${JSON.stringify(key)} (size ${JSON.stringify(t.shape)}, stride ${JSON.stringify(t.stride)}, storage offset ${t.offset}) reaches element ${last} of storage ${JSON.stringify(s.key)}, which holds only ${s.numel} elements`, key);
    }
    entryOf.set(s.key, entry!);
    infos.push({ name: key, dtype: s.dtype, shape: t.shape.slice() });
  }

  const tensors = state.tensors;
  return createTensorSource({
    path,
    label: LABEL,
    metadata: {},
    infos,
    read(info) {
      const t: TensorRef = tensors.get(info.name)!;
      const entry = entryOf.get(t.storage.key)!;
      const elem = DTYPE_BYTES[t.storage.dtype];
      const what = `tensor ${JSON.stringify(info.name)} (storage ${entry.name})`;
      const numel = numelOf(t.shape);
      const bytes = numel === 0 ? new Uint8Array(0) : isContiguous(t.shape, t.stride)
        ? zip.read(entry, t.offset * elem, numel * elem, what, info.name) // the usual case: one read
        : readStrided((off, n) => zip.read(entry, (t.offset + off) * elem, n * elem, what, info.name), t.shape, t.stride, elem, opts.stridedWindowBytes);
      return { name: info.name, dtype: info.dtype, shape: t.shape.slice(), data: viewBytes(info.dtype, bytes) };
    },
    close: () => file.close(),
  });
}
