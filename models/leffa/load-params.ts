// Loads parameters by name (never by order) from a TensorSource into engine-layout tensors.
// Every key, shape and dtype is checked against the model's ParamSpecs; missing and unexpected keys are
// listed in one error. Parameters the model never runs (attn2, the reference UNet's conv_out) are checked
// but not loaded, which saves ~88 M floats on SD1.5 and ~1.1 G on SDXL.
import * as tf from '../tf.ts';
import type { TensorSource } from '../io/types.ts';
import { engineShape, MapParamStore, toEngineTensor, type ParamSpec } from '../nn/params.ts';

export interface LoadParamsOptions {
  /** Which specs to materialise (default all). Skipped ones are still checked for presence and shape. */
  needed?: (spec: ParamSpec) => boolean;
  /** Called after each tensor with (done, total), for progress bars. */
  onProgress?: (done: number, total: number) => void;
}

const FLOAT = new Set(['F32', 'F16', 'BF16', 'F64']);

function listSome(names: string[], max = 12): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, … (${names.length} in all)`;
}

/** Checks the source against the specs without reading tensor data. */
export function checkKeys(specs: ParamSpec[], src: TensorSource): void {
  const want = new Set(specs.map((s) => s.name));
  const have = src.keys();
  const haveSet = new Set(have);
  const missing = specs.filter((s) => !haveSet.has(s.name)).map((s) => s.name);
  const unexpected = have.filter((k) => !want.has(k));
  if (missing.length || unexpected.length) {
    const parts: string[] = [];
    if (missing.length) parts.push(`missing keys (${missing.length}): ${listSome(missing)}`);
    if (unexpected.length) parts.push(`unexpected keys (${unexpected.length}): ${listSome(unexpected)}`);
    throw new Error(`checkpoint ${src.path} does not match the model: ${parts.join('; ')}`);
  }
  for (const s of specs) {
    const info = src.info(s.name);
    if (info.shape.length !== s.shape.length || info.shape.some((d, i) => d !== s.shape[i])) {
      throw new Error(`checkpoint ${src.path}: ${s.name} has shape [${info.shape.join(', ')}], expected [${s.shape.join(', ')}]`);
    }
    if (!FLOAT.has(info.dtype)) {
      throw new Error(`checkpoint ${src.path}: ${s.name} has dtype ${info.dtype}, expected a floating-point type (F32, F16, BF16, F64)`);
    }
  }
}

export function loadParams(specs: ParamSpec[], src: TensorSource, opts: LoadParamsOptions = {}): MapParamStore {
  checkKeys(specs, src);
  const needed = specs.filter(opts.needed ?? (() => true));
  const store = new MapParamStore(new Map(), src.path);
  try {
    needed.forEach((s, i) => {
      const t = toEngineTensor(s, src.readFloat32(s.name)); // PyTorch layout -> engine layout, by kind
      const es = engineShape(s);
      if (t.shape.some((d, j) => d !== es[j])) throw new Error(`internal: ${s.name} converted to [${t.shape}], expected [${es}]`);
      store.tensors.set(s.name, t);
      opts.onProgress?.(i + 1, needed.length);
    });
  } catch (e) {
    store.dispose();
    throw e;
  }
  return store;
}

/** A store of seeded random parameters, for tests and benchmarks of full-size shapes (never for output). */
export function randomParams(specs: ParamSpec[], seed = 0): MapParamStore {
  const store = new MapParamStore(new Map(), 'random');
  specs.forEach((s, i) => {
    const es = engineShape(s);
    const fanIn = s.shape.length > 1 ? s.shape.slice(1).reduce((a, b) => a * b, 1) : 0;
    const t = tf.tidy(() => s.kind === 'vector'
      ? (s.name.endsWith('.weight') ? tf.add(1, tf.randomNormal(es, 0, 0.1, 'float32', seed + i)) : tf.randomNormal(es, 0, 0.1, 'float32', seed + i))
      : tf.randomNormal(es, 0, 1 / Math.sqrt(fanIn), 'float32', seed + i));
    store.tensors.set(s.name, t);
  });
  return store;
}
