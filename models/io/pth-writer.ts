// Writes a state dict in the torch.save zip format (what `torch.save(model.state_dict(), path)` produces
// and what torch.load / the Python Leffa app read): `<stem>/data.pkl` (protocol 2: an OrderedDict of
// torch._utils._rebuild_tensor_v2(persistent storage id, offset, size, stride, False, OrderedDict())),
// `<stem>/data/<k>` raw little-endian storages at 64-byte-aligned offsets, and `<stem>/version`.
// Used to export fine-tuned checkpoints, and by tests to build shared / offset / strided / ZIP64 cases.
import { basename } from 'node:path';
import type { DType, TypedData } from './types.ts';
import { DTYPE_BYTES, HOST_IS_LITTLE_ENDIAN, bytesOf, dataMatchesDType, expectedArrayName, isDType, numelOf } from './dtype.ts';
import { CheckpointError, describeValue } from './errors.ts';
import { PickleWriter } from './pickle-writer.ts';
import { contiguousStride, maxElementOffset } from './strided.ts';
import { STORAGE_CLASS } from './torch-pickle.ts';
import { writeStoredZip, type ZipInputEntry } from './zip-writer.ts';

/** A tensor with its own contiguous storage. */
export interface PthTensor { name: string; dtype: DType; shape: number[]; data: TypedData }

/** A view into one of `sharedStorages`: several views may share a storage, at offsets, with any strides. */
export interface PthView {
  name: string;
  shape: number[];
  /** `id` of an entry of `sharedStorages`. */
  storage: string;
  /** In elements (default 0). */
  storageOffset?: number;
  /** In elements (default: contiguous for `shape`). */
  stride?: number[];
}

export interface PthSharedStorage { id: string; dtype: DType; data: TypedData }

export interface PthWriteOptions {
  sharedStorages?: PthSharedStorage[];
  /** Write ZIP64 records even for a small file (tests the path real 7-20 GB checkpoints take). */
  forceZip64?: boolean;
  /** Top folder inside the zip (default: the file name without its extension, as torch.save does). */
  archiveName?: string;
}

/** A storage as it goes into the archive. */
interface Storage { key: string; dtype: DType; data: TypedData }

const isView = (t: PthTensor | PthView): t is PthView => typeof (t as PthView).storage === 'string';

export function writePth(path: string, tensors: (PthTensor | PthView)[], opts: PthWriteOptions = {}): void {
  writeStoredZip(path, buildPthEntries(path, tensors, opts), { forceZip64: opts.forceZip64, label: 'pth' });
}

/** The zip entries of a .pth file (separate from writing so tests can place them beyond 4 GiB). */
export function buildPthEntries(path: string, tensors: (PthTensor | PthView)[], opts: PthWriteOptions = {}): ZipInputEntry[] {
  const fail = (msg: string, key?: string): never => { throw new CheckpointError(path, `pth ${path}: ${msg}`, key); };
  if (!HOST_IS_LITTLE_ENDIAN) fail('this host is big-endian; .pth storages are written little-endian and no byte swapping is implemented');
  const top = opts.archiveName ?? (basename(path).replace(/\.[^.]*$/, '') || 'archive');
  if (top === '' || /[/\\]/.test(top)) fail(`archive name ${describeValue(top)} is invalid, expected a non-empty name without slashes`);

  const checkData = (what: string, dtype: unknown, data: unknown, key?: string): void => {
    if (!isDType(dtype)) fail(`${what}: dtype ${describeValue(dtype)}, expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`, key);
    if (!dataMatchesDType(dtype as DType, data)) fail(`${what}: data is ${describeValue(data)}, expected a ${expectedArrayName(dtype as DType)} for ${String(dtype)}`, key);
  };
  const checkCounts = (what: string, v: unknown, key: string): number[] => {
    if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${JSON.stringify(key)}: ${what} ${describeValue(v)}, expected an array of non-negative integers`, key);
    return v as number[];
  };

  const shared = new Map<string, PthSharedStorage>();
  for (const s of opts.sharedStorages ?? []) {
    if (shared.has(s.id)) fail(`shared storage ${JSON.stringify(s.id)} is given twice`);
    checkData(`shared storage ${JSON.stringify(s.id)}`, s.dtype, s.data);
    shared.set(s.id, s);
  }

  // Storage keys "0", "1", ... in order of first use, as torch.save numbers them.
  const storages: Storage[] = [];
  const keyOfShared = new Map<string, Storage>();
  const names = new Set<string>();
  const pk = new PickleWriter().proto(2);
  pk.global('collections', 'OrderedDict').emptyTuple().reduce();
  const BATCH = 1000; // SETITEMS in batches, as pickle does
  tensors.forEach((t, i) => {
    if (typeof t.name !== 'string' || t.name === '') fail(`tensor #${i} has name ${describeValue(t.name)}, expected a non-empty string`);
    if (names.has(t.name)) fail(`tensor ${JSON.stringify(t.name)} is given twice`, t.name);
    names.add(t.name);
    const shape = checkCounts('shape', t.shape, t.name);
    let storage: Storage;
    let offset = 0;
    let stride: number[];
    if (isView(t)) {
      const s = shared.get(t.storage);
      if (!s) return fail(`tensor ${JSON.stringify(t.name)} uses shared storage ${JSON.stringify(t.storage)}, which is not in sharedStorages`, t.name);
      storage = keyOfShared.get(s.id) ?? { key: String(storages.length), dtype: s.dtype, data: s.data };
      if (!keyOfShared.has(s.id)) { keyOfShared.set(s.id, storage); storages.push(storage); }
      offset = t.storageOffset ?? 0;
      if (!Number.isSafeInteger(offset) || offset < 0) fail(`tensor ${JSON.stringify(t.name)}: storageOffset ${describeValue(offset)}, expected a non-negative integer`, t.name);
      stride = t.stride ? checkCounts('stride', t.stride, t.name) : contiguousStride(shape);
      if (stride.length !== shape.length) fail(`tensor ${JSON.stringify(t.name)}: stride ${JSON.stringify(stride)} has ${stride.length} entries, shape ${JSON.stringify(shape)} has ${shape.length}`, t.name);
      const last = offset + maxElementOffset(shape, stride);
      if (numelOf(shape) > 0 && last >= s.data.length) {
        fail(`tensor ${JSON.stringify(t.name)} (shape ${JSON.stringify(shape)}, stride ${JSON.stringify(stride)}, offset ${offset}) reaches element ${last}, but storage ${JSON.stringify(s.id)} has ${s.data.length}`, t.name);
      }
    } else {
      checkData(`tensor ${JSON.stringify(t.name)}`, t.dtype, t.data, t.name);
      if (t.data.length !== numelOf(shape)) fail(`tensor ${JSON.stringify(t.name)}: data has ${t.data.length} elements, expected ${numelOf(shape)} for shape ${JSON.stringify(shape)}`, t.name);
      storage = { key: String(storages.length), dtype: t.dtype, data: t.data };
      storages.push(storage);
      stride = contiguousStride(shape);
    }

    if (i % BATCH === 0) pk.mark();
    pk.str(t.name);
    pk.global('torch._utils', '_rebuild_tensor_v2').mark();
    // Persistent id ('storage', torch.<X>Storage, key, 'cpu', numel).
    pk.mark().str('storage').global('torch', STORAGE_CLASS[storage.dtype]).str(storage.key).str('cpu').int(storage.data.length).tuple().binpersid();
    pk.int(offset).intTuple(shape).intTuple(stride).bool(false);
    pk.global('collections', 'OrderedDict').emptyTuple().reduce(); // backward_hooks
    pk.tuple().reduce();
    if (i % BATCH === BATCH - 1 || i === tensors.length - 1) pk.setitems();
  });
  pk.stop();

  return [
    { name: `${top}/data.pkl`, data: pk.bytes() },
    ...storages.map((s) => ({ name: `${top}/data/${s.key}`, data: bytesOf(s.data) })),
    { name: `${top}/version`, data: Buffer.from('3\n') },
  ];
}
