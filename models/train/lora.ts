// LoRA (Hu et al. 2021, "Low-Rank Adaptation of Large Language Models", eq. 3: h = W₀x + (α/r)·BAx) on the
// linear layers of both UNets, as a ParamStore wrapper: layers ask for `…to_q.weight` by name as always and
// get W + (α/r)·A·B, so no engine code knows about LoRA.
//
// Engine layout (models/nn/params.ts): a linear weight is [in, out] and y = x·W, so A is [in, r] and B is
// [r, out]. A starts as PEFT's kaiming_uniform(a = √5) (uniform in ±1/√in), B at zero: the adapted model
// starts exactly at the base model.
//
// Targets: the self-attention projections attn1.to_q / to_k / to_v / to_out.0 of every transformer block
// of both UNets, optionally the feed-forward ff.net.0.proj / ff.net.2. attn2 (the skipped cross-attention,
// spec §1.4) is never run, so it is never adapted.
//
// Files (documented in models/train/README.md): safetensors with PEFT / diffusers key names,
// `<state-dict module path>.lora_A.weight` [r, in] and `.lora_B.weight` [out, r] in PyTorch layout (so
// `unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight`), and the metadata
// `format`, `r`, `lora_alpha`, `target_modules`.
import * as tf from '../tf.ts';
import { openSafetensors, writeSafetensors, type SafetensorsTensor } from '../io/index.ts';
import { f16ToF32 } from '../io/dtype.ts';
import { HostParamStore } from '../nn/host-params.ts';
import { MapParamStore, engineShape, toEngineTensorData, type ParamSpec, type ParamStore } from '../nn/params.ts';
import { openLeffa, type OpenedLeffa } from '../leffa/open.ts';
import type { LoadLeffaOptions } from '../leffa/loaded.ts';
import { KeyedRng } from './rng-state.ts';
import { toTorchData } from './torch-layout.ts';

export const ATTENTION_TARGETS = ['attn1.to_q', 'attn1.to_k', 'attn1.to_v', 'attn1.to_out.0'] as const;
export const FF_TARGETS = ['ff.net.0.proj', 'ff.net.2'] as const;
export const LORA_FORMAT = 'leffa-studio-lora/v1';

export interface LoraOptions {
  rank: number;
  /** Scale numerator: the update is (alpha / rank)·A·B. Default: rank (scale 1). */
  alpha?: number;
  /** Also adapt the feed-forward layers. */
  feedForward?: boolean;
  /** Which UNets (state-dict prefixes); default both. */
  unets?: ('unet' | 'unet_encoder')[];
}

export function checkLora(o: LoraOptions, where = 'lora'): void {
  if (!(Number.isInteger(o.rank) && o.rank >= 1)) throw new RangeError(`${where}.rank = ${JSON.stringify(o.rank)}; expected a positive integer`);
  if (o.alpha !== undefined && !(typeof o.alpha === 'number' && o.alpha > 0)) throw new RangeError(`${where}.alpha = ${JSON.stringify(o.alpha)}; expected a positive number`);
  for (const u of o.unets ?? []) if (u !== 'unet' && u !== 'unet_encoder') throw new RangeError(`${where}.unets contains ${JSON.stringify(u)}; expected "unet" and/or "unet_encoder"`);
}

/** One adapted linear layer: module path, its weight's spec, the two factors' specs (PyTorch layouts). */
export interface LoraModule {
  module: string; // e.g. unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q
  weight: ParamSpec; // [out, in], kind linear
  a: ParamSpec; // `${module}.lora_A.weight` [r, in], kind linear (engine [in, r])
  b: ParamSpec; // `${module}.lora_B.weight` [out, r], kind linear (engine [r, out])
}

/** The linear weights LoRA adapts, among a model's parameter specs (state-dict order). */
export function loraModules(specs: ParamSpec[], o: LoraOptions): LoraModule[] {
  checkLora(o);
  const unets = o.unets ?? ['unet', 'unet_encoder'];
  const suffixes = loraTargetSuffixes(o);
  const out: LoraModule[] = [];
  for (const s of specs) {
    if (s.kind !== 'linear' || !s.name.endsWith('.weight')) continue;
    const module = s.name.slice(0, -'.weight'.length);
    if (!unets.some((u) => module.startsWith(`${u}.`))) continue;
    if (!suffixes.some((x) => module.endsWith(`.${x}`))) continue;
    const [outF, inF] = s.shape as [number, number];
    out.push({
      module, weight: s,
      a: { name: `${module}.lora_A.weight`, shape: [o.rank, inF], kind: 'linear' },
      b: { name: `${module}.lora_B.weight`, shape: [outF, o.rank], kind: 'linear' },
    });
  }
  if (out.length === 0) throw new Error(`lora: no layer matches the targets ${suffixes.join(', ')} in ${unets.join(', ')}`);
  return out;
}

/** Fresh adapters: A uniform in ±1/√in from the run's seeded stream, B zero. Engine layout, as Variables. */
export function initLora(modules: LoraModule[], seed: number): Map<string, tf.Variable> {
  const rng = new KeyedRng(seed);
  const vars = new Map<string, tf.Variable>();
  for (const m of modules) {
    const [r, inF] = m.a.shape as [number, number];
    const g = rng.stream(`lora/init/${m.module}`);
    const a = new Float32Array(inF * r);
    const bound = 1 / Math.sqrt(inF);
    for (let i = 0; i < a.length; i++) a[i] = (2 * g.uniform() - 1) * bound;
    // tidy frees the initial values' handles; Variables survive it.
    vars.set(m.a.name, tf.tidy(() => tf.variable(tf.tensor(a, engineShape(m.a), 'float32'), true))); //  [in, r]
    vars.set(m.b.name, tf.tidy(() => tf.variable(tf.zeros(engineShape(m.b)), true))); //                 [r, out]
  }
  return vars;
}

/** ParamStore that returns W + (α/r)·A·B for adapted weights and the base tensor otherwise. */
export class LoraParamStore implements ParamStore {
  private readonly byWeight = new Map<string, LoraModule>();
  constructor(
    readonly base: ParamStore,
    readonly modules: LoraModule[],
    readonly factors: ReadonlyMap<string, tf.Tensor>,
    readonly scale: number,
  ) {
    for (const m of modules) this.byWeight.set(m.weight.name, m);
  }
  get(name: string): tf.Tensor {
    const m = this.byWeight.get(name);
    const w = this.base.get(name);
    if (!m) return w;
    const a = this.factors.get(m.a.name);
    const b = this.factors.get(m.b.name);
    if (!a || !b) throw new Error(`lora: factors of ${m.module} are missing`);
    // Created inside the calling layer's tf.tidy, which frees it after the layer ran.
    return tf.add(w, tf.mul(tf.matMul(a, b), this.scale)); // [in, out] + [in, r]·[r, out]
  }
}

export function loraScale(o: LoraOptions): number { return (o.alpha ?? o.rank) / o.rank; }

/** The module-name suffixes adapted under these options. */
export function loraTargetSuffixes(o: LoraOptions): string[] {
  return [...ATTENTION_TARGETS, ...(o.feedForward ? FF_TARGETS : [])];
}

/** Metadata written with every LoRA file (PEFT's adapter_config names where one exists). */
export function loraMetadata(o: LoraOptions): Record<string, string> {
  return {
    format: LORA_FORMAT,
    r: String(o.rank),
    lora_alpha: String(o.alpha ?? o.rank),
    target_modules: JSON.stringify(loraTargetSuffixes(o)),
    unets: JSON.stringify(o.unets ?? ['unet', 'unet_encoder']),
  };
}

/** Writes adapters (engine-layout tensors keyed by factor name) as a PEFT-style safetensors file. */
export function saveLora(path: string, o: LoraOptions, modules: LoraModule[], factors: ReadonlyMap<string, tf.Tensor>): void {
  const tensors: SafetensorsTensor[] = [];
  for (const m of modules) {
    for (const spec of [m.a, m.b]) {
      const t = factors.get(spec.name);
      if (!t) throw new Error(`lora: ${spec.name} is missing`);
      tensors.push({ name: spec.name, dtype: 'F32', shape: spec.shape, data: toTorchData(spec, t.dataSync() as Float32Array) });
    }
  }
  writeSafetensors(path, tensors, loraMetadata(o));
}

/** A LoRA file read into memory: per adapted weight, the factors in engine layout. */
export interface LoraFile {
  path: string;
  rank: number;
  alpha: number;
  /** weight name (`….to_q.weight`) → A [in·r] and B [r·out], engine layout. */
  layers: Map<string, { inF: number; outF: number; a: Float32Array; b: Float32Array }>;
}

export function readLora(path: string): LoraFile {
  const src = openSafetensors(path);
  try {
    const md = src.metadata;
    const layers: LoraFile['layers'] = new Map();
    let rank = Number(md.r ?? NaN);
    for (const key of src.keys()) {
      const mA = /^(.*)\.lora_A\.weight$/.exec(key);
      if (!mA) {
        if (!/\.lora_B\.weight$/.test(key)) throw new Error(`LoRA file ${path}: unexpected key ${key} (expected <module>.lora_A.weight / .lora_B.weight)`);
        continue;
      }
      const module = mA[1]!;
      const bKey = `${module}.lora_B.weight`;
      if (!src.has(bKey)) throw new Error(`LoRA file ${path}: ${key} has no partner ${bKey}`);
      const ai = src.info(key), bi = src.info(bKey);
      const [r, inF] = ai.shape as [number, number];
      const [outF, r2] = bi.shape as [number, number];
      if (ai.shape.length !== 2 || bi.shape.length !== 2 || r !== r2) throw new Error(`LoRA file ${path}: ${key} [${ai.shape}] and ${bKey} [${bi.shape}] do not form [r, in] and [out, r]`);
      if (Number.isNaN(rank)) rank = r;
      if (r !== rank) throw new Error(`LoRA file ${path}: ${key} has rank ${r}, the file says r = ${rank}`);
      const a = toEngineTensorData({ name: key, shape: ai.shape, kind: 'linear' }, src.readFloat32(key));
      const b = toEngineTensorData({ name: bKey, shape: bi.shape, kind: 'linear' }, src.readFloat32(bKey));
      layers.set(`${module}.weight`, { inF, outF, a, b });
    }
    if (layers.size === 0) throw new Error(`LoRA file ${path}: no lora_A / lora_B tensors`);
    const alpha = md.lora_alpha !== undefined ? Number(md.lora_alpha) : rank;
    if (!(alpha > 0)) throw new Error(`LoRA file ${path}: lora_alpha = ${JSON.stringify(md.lora_alpha)}; expected a positive number`);
    return { path, rank, alpha, layers };
  } finally {
    src.close();
  }
}

/** W[in, out] += scale·A[in, r]·B[r, out], in float32 JS arithmetic (engine layout, in place). */
export function addLowRank(w: Float32Array, a: Float32Array, b: Float32Array, inF: number, outF: number, r: number, scale: number): void {
  for (let i = 0; i < inF; i++) {
    for (let k = 0; k < r; k++) {
      const aik = Math.fround(a[i * r + k]! * scale);
      if (aik === 0) continue;
      const row = i * outF, brow = k * outF;
      for (let j = 0; j < outF; j++) w[row + j] = Math.fround(w[row + j]! + aik * b[brow + j]!);
    }
  }
}

/**
 * Merges a LoRA file into loaded base weights (the store of `loadLeffa` / `openLeffa`), so sampling runs at
 * the base model's speed. Every adapted weight must exist in the store with the file's shapes.
 */
export function mergeLora(store: ParamStore, lora: LoraFile, strength = 1): void {
  const scale = (lora.alpha / lora.rank) * strength;
  for (const [name, l] of lora.layers) {
    if (store instanceof MapParamStore) {
      const w = store.tensors.get(name);
      if (!w) throw new Error(`LoRA ${lora.path}: the model has no weight ${name}`);
      checkShape(lora.path, name, w.shape, l);
      const data = Float32Array.from(w.dataSync() as Float32Array);
      addLowRank(data, l.a, l.b, l.inF, l.outF, lora.rank, scale);
      store.tensors.set(name, tf.tensor(data, w.shape, 'float32'));
      w.dispose();
    } else if (store instanceof HostParamStore) {
      const e = store.data.get(name);
      if (!e) throw new Error(`LoRA ${lora.path}: the model has no weight ${name}`);
      checkShape(lora.path, name, e.shape, l);
      const data = e.values instanceof Float32Array ? Float32Array.from(e.values) : Float32Array.from(e.values, f16ToF32);
      addLowRank(data, l.a, l.b, l.inF, l.outF, lora.rank, scale);
      store.set(name, e.shape, data);
    } else {
      throw new Error('mergeLora: expected the params of a loaded Leffa model (resident or host placement)');
    }
  }
}

function checkShape(path: string, name: string, shape: number[], l: { inF: number; outF: number }): void {
  if (shape.length !== 2 || shape[0] !== l.inF || shape[1] !== l.outF) {
    throw new Error(`LoRA ${path}: ${name} is [${shape}] (engine [in, out]) in the model, the adapter is for [${l.inF}, ${l.outF}]`);
  }
}

/** Opens a Leffa checkpoint and merges a LoRA adapter into it at load time (then samples at full speed). */
export function openLeffaWithLora(weightsPath: string, loraPath: string, opts: { base?: string; strength?: number } & LoadLeffaOptions = {}): OpenedLeffa {
  const lora = readLora(loraPath); // read (and validated) before gigabytes of weights are loaded
  const m = openLeffa(weightsPath, opts);
  try {
    mergeLora(m.params, lora, opts.strength ?? 1);
    return m;
  } catch (e) {
    m.dispose();
    throw e;
  }
}
