// What a torch.save state dict pickle may reference, and how it becomes tensor descriptions.
// The allowlist is the whole security model of the .pth reader: anything not listed here (os.system,
// builtins.eval, ...) is refused when the pickle names it, before any REDUCE could apply it.
import type { DType } from './types.ts';
import { CheckpointError, describeValue } from './errors.ts';
import { unpickle, type PyCallable, type UnpickleContext } from './pickle.ts';

/** torch storage classes (the `torch.<X>Storage` in a persistent id) and the element type they hold. */
export const STORAGE_DTYPE: Readonly<Record<string, DType>> = {
  FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16', DoubleStorage: 'F64', LongStorage: 'I64',
  IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8', ByteStorage: 'U8', BoolStorage: 'BOOL',
};

export const STORAGE_CLASS: Readonly<Record<DType, string>> = {
  F32: 'FloatStorage', F16: 'HalfStorage', BF16: 'BFloat16Storage', F64: 'DoubleStorage', I64: 'LongStorage',
  I32: 'IntStorage', I16: 'ShortStorage', I8: 'CharStorage', U8: 'ByteStorage', BOOL: 'BoolStorage',
};

const ALLOWED = ['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter',
  ...Object.keys(STORAGE_DTYPE).map((s) => `torch.${s}`)];

/** The value of a `torch.<X>Storage` global. */
class StorageType {
  readonly className: string;
  readonly dtype: DType;
  constructor(className: string, dtype: DType) { this.className = className; this.dtype = dtype; }
  toJSON(): string { return `torch.${this.className}`; }
}

/** One storage = one archive entry `<top>/data/<key>` of `numel` elements. */
export class StorageRef {
  readonly key: string;
  readonly dtype: DType;
  readonly numel: number;
  readonly className: string;
  constructor(key: string, dtype: DType, numel: number, className: string) {
    this.key = key; this.dtype = dtype; this.numel = numel; this.className = className;
  }
  toJSON(): string { return `${this.className}(key ${this.key}, ${this.numel} elements)`; }
}

/** A tensor view: `shape`/`stride` in elements, starting `offset` elements into its storage. */
export class TensorRef {
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: number[];
  readonly stride: number[];
  constructor(storage: StorageRef, offset: number, shape: number[], stride: number[]) {
    this.storage = storage; this.offset = offset; this.shape = shape; this.stride = stride;
  }
  toJSON(): string { return `tensor(size ${JSON.stringify(this.shape)})`; }
}

export interface TorchStateDict {
  /** Keys in pickle (= state dict) order. */
  keys: string[];
  tensors: Map<string, TensorRef>;
}

/** Unpickles `data.pkl` with the allowlist and returns the flat state dict it describes. */
export function readTorchStateDict(pickle: Uint8Array, ctx: UnpickleContext): TorchStateDict {
  // `at` is "byte <n>" from the unpickler; messages read "<file>: <entry> byte <n>: ...".
  const failAt = (at: string, msg: string): never => { throw new CheckpointError(ctx.file, `${ctx.where} ${at}: ${msg}`); };
  const fail = (msg: string, key?: string): never => { throw new CheckpointError(ctx.file, `${ctx.where}: ${msg}`, key); };
  const count = (v: unknown, what: string, at: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) failAt(at, `${what} is ${describeValue(v)}, expected a non-negative integer`);
    return v as number;
  };
  const counts = (v: unknown, what: string, at: string): number[] => {
    if (!Array.isArray(v)) failAt(at, `${what} is ${describeValue(v)}, expected a tuple of non-negative integers`);
    return (v as unknown[]).map((x) => count(x, what, at));
  };

  const orderedDict: PyCallable = {
    kind: 'callable',
    qualname: 'collections.OrderedDict',
    call(args, at) {
      const d = new Map<unknown, unknown>();
      // OrderedDict() as torch writes it; OrderedDict([(k, v), ...]) costs nothing to accept.
      if (args.length === 1 && Array.isArray(args[0])) {
        for (const kv of args[0] as unknown[]) {
          if (!Array.isArray(kv) || kv.length !== 2 || typeof kv[0] !== 'string') failAt(at, `OrderedDict item ${describeValue(kv)}, expected a (str, value) pair`);
          d.set((kv as unknown[])[0], (kv as unknown[])[1]);
        }
      } else if (args.length !== 0) failAt(at, `OrderedDict${describeValue(args)}, expected no arguments`);
      return d;
    },
  };
  const rebuildTensorV2: PyCallable = {
    kind: 'callable',
    qualname: 'torch._utils._rebuild_tensor_v2',
    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    call(args, at) {
      const f = '_rebuild_tensor_v2';
      if (args.length < 6 || args.length > 7) failAt(at, `${f} got ${args.length} arguments, expected 6 or 7`);
      const storage = args[0];
      if (!(storage instanceof StorageRef)) return failAt(at, `${f}: storage is ${describeValue(storage)}, expected a persistent-id storage`);
      const offset = count(args[1], `${f} storage_offset`, at);
      const shape = counts(args[2], `${f} size`, at);
      const stride = counts(args[3], `${f} stride`, at);
      if (stride.length !== shape.length) failAt(at, `${f}: stride ${describeValue(stride)} has ${stride.length} entries, size ${describeValue(shape)} has ${shape.length}`);
      if (typeof args[4] !== 'boolean') failAt(at, `${f}: requires_grad is ${describeValue(args[4])}, expected a bool`);
      return new TensorRef(storage, offset, shape, stride);
    },
  };
  const rebuildParameter: PyCallable = {
    kind: 'callable',
    qualname: 'torch._utils._rebuild_parameter',
    // _rebuild_parameter(data, requires_grad, backward_hooks): an nn.Parameter around a tensor.
    call(args, at) {
      if (args.length !== 3 || !(args[0] instanceof TensorRef)) failAt(at, `_rebuild_parameter${describeValue(args)}, expected (tensor, requires_grad, backward_hooks)`);
      return args[0];
    },
  };

  const findClass = (module: string, name: string, at: string): unknown => {
    const q = `${module}.${name}`;
    if (q === 'collections.OrderedDict') return orderedDict;
    if (q === 'torch._utils._rebuild_tensor_v2') return rebuildTensorV2;
    if (q === 'torch._utils._rebuild_parameter') return rebuildParameter;
    if (module === 'torch' && Object.prototype.hasOwnProperty.call(STORAGE_DTYPE, name)) return new StorageType(name, STORAGE_DTYPE[name]!);
    const shown = /^[\w.]+$/.test(q) ? q : describeValue(q);
    return failAt(at, `refusing global ${shown}: a checkpoint may only reference ${ALLOWED.join(', ')}. ` +
      'Loading anything else could execute code, so this file is not loaded (it is not a plain PyTorch state dict)');
  };

  // Persistent ids: ('storage', torch.<X>Storage, '<key>', '<location>', <numel>). Several tensors may
  // share one storage, so the same key must always describe the same storage.
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown, at: string): unknown => {
    const p = pid as unknown[];
    if (!Array.isArray(pid) || p.length !== 5 || p[0] !== 'storage') {
      failAt(at, `persistent id ${describeValue(pid)}, expected ('storage', StorageClass, key, location, numel)`);
    }
    const type = p[1];
    if (!(type instanceof StorageType)) return failAt(at, `persistent id storage class is ${describeValue(type)}, expected one of torch.${Object.keys(STORAGE_DTYPE).join(', torch.')}`);
    if (typeof p[2] !== 'string' || p[2] === '') failAt(at, `persistent id key is ${describeValue(p[2])}, expected a non-empty string`);
    if (typeof p[3] !== 'string') failAt(at, `persistent id location is ${describeValue(p[3])}, expected a device string such as "cpu"`);
    const key = p[2] as string;
    const numel = count(p[4], `numel of storage ${JSON.stringify(key)}`, at);
    const known = storages.get(key);
    if (known) {
      if (known.dtype !== type.dtype || known.numel !== numel) {
        failAt(at, `storage ${JSON.stringify(key)} is ${type.className}(${numel}) here but ${known.className}(${known.numel}) earlier`);
      }
      return known;
    }
    const s = new StorageRef(key, type.dtype, numel, type.className);
    storages.set(key, s);
    return s;
  };

  const root = unpickle(pickle, { findClass, persistentLoad }, ctx);
  if (!(root instanceof Map)) {
    return fail(`the pickle holds ${describeValue(root)}, expected an OrderedDict state dict of tensors`);
  }
  const keys: string[] = [];
  const tensors = new Map<string, TensorRef>();
  for (const [k, v] of root) {
    if (typeof k !== 'string') fail(`state dict key ${describeValue(k)} is not a string`);
    const key = k as string;
    if (!(v instanceof TensorRef)) {
      fail(`state dict entry ${JSON.stringify(key)} is ${describeValue(v)}, expected a tensor; nested checkpoints such as {"state_dict": ...} are not supported, save model.state_dict() itself`, key);
    }
    keys.push(key);
    tensors.set(key, v as TensorRef);
  }
  return { keys, tensors };
}
