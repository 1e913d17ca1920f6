// Weights kept outside the backend's memory (JS ArrayBuffers, float32 or float16) and uploaded just in time.
//
// Why: a wasm heap ends at 4 GiB; one SD1.5 UNet is 3.44 GB in fp32 and the try-on checkpoint 7.2 GB, the
// SDXL pose checkpoint 20.9 GB. A HostParamStore creates a layer's weight tensor when the layer asks for it
// (`get` inside the layer's tf.tidy) and the tidy frees it when the layer is done, so the heap holds the
// activations plus one layer's weights at a time. The cost is one upload of every weight per forward pass
// (a memcpy at several GB/s, against seconds of convolution); see models/README.md for the measured plan.
// `get` must be called inside tf.tidy (every engine layer does), or the caller must dispose the result.
import * as tf from '../tf.ts';
import type { TensorSource } from '../io/types.ts';
import { f16ToF32 } from '../io/dtype.ts';
import { engineShape, toEngineTensorData, type ParamSpec, type ParamStore } from './params.ts';

export type HostPrecision = 'fp32' | 'fp16';

/** float -> IEEE half bits, round to nearest even (for fp16 storage of weights). */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
export function f32ToF16(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> 0
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++; // may carry into the exponent: still correct
  return sign | h;
}

export class HostParamStore implements ParamStore {
  readonly data = new Map<string, { shape: number[]; values: Float32Array | Uint16Array }>();
  constructor(readonly precision: HostPrecision = 'fp32', private readonly label = 'model') {}

  /** Engine-layout float32 data in; stored as given precision. */
  set(name: string, shape: number[], values: Float32Array): void {
    if (this.precision === 'fp32') { this.data.set(name, { shape, values }); return; }
    const h = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) h[i] = f32ToF16(values[i]!);
    this.data.set(name, { shape, values: h });
  }

  get(name: string): tf.Tensor {
    const e = this.data.get(name);
    if (!e) throw new Error(`${this.label}: parameter ${name} is not loaded`);
    if (e.values instanceof Float32Array) return tf.tensor(e.values, e.shape, 'float32');
    const out = new Float32Array(e.values.length);
    const h = e.values;
    for (let i = 0; i < h.length; i++) out[i] = f16ToF32(h[i]!);
    return tf.tensor(out, e.shape, 'float32');
  }

  /** Bytes held in JS memory. */
  get bytes(): number {
    let b = 0;
    for (const e of this.data.values()) b += e.values.byteLength;
    return b;
  }

  dispose(): void { this.data.clear(); }
}

/** Reads the specs' tensors from a checkpoint into host memory (engine layout). */
export function loadHostParams(specs: ParamSpec[], src: TensorSource, precision: HostPrecision = 'fp32', onProgress?: (done: number, total: number) => void): HostParamStore {
  const store = new HostParamStore(precision, src.path);
  specs.forEach((s, i) => {
    store.set(s.name, engineShape(s), toEngineTensorData(s, src.readFloat32(s.name)));
    onProgress?.(i + 1, specs.length);
  });
  return store;
}

/**
 * Seeded random weights in host memory, for full-size tests and benchmarks (never for output). Values are
 * windows of one seeded pool of uniform deviates (offset per tensor), scaled to the variance of N(0, 1/fan_in)
 * (norm weights around 1): 1.8 B values take seconds instead of a minute of per-value generation.
 */
export function randomHostParams(specs: ParamSpec[], seed = 0, precision: HostPrecision = 'fp32'): HostParamStore {
  const store = new HostParamStore(precision, 'random');
  let s = (seed >>> 0) || 1;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296 - 0.5; }; // xorshift32, [-0.5, 0.5)
  const POOL = (1 << 22) + 7; // odd length so that windows of different tensors do not line up
  const pool = new Float32Array(POOL);
  for (let i = 0; i < POOL; i++) pool[i] = next();
  for (const spec of specs) {
    const shape = engineShape(spec);
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    const fanIn = spec.shape.length > 1 ? spec.shape.slice(1).reduce((a, b) => a * b, 1) : 0;
    const isNormWeight = spec.kind === 'vector' && spec.name.endsWith('.weight');
    const scale = spec.kind === 'vector' ? 0.2 * Math.sqrt(3) : 2 * Math.sqrt(3 / fanIn); // uniform(-a, a) has variance a^2/3
    let off = Math.floor((next() + 0.5) * POOL);
    for (let i = 0; i < n; ) {
      const len = Math.min(n - i, POOL - off);
      v.set(pool.subarray(off, off + len), i);
      i += len;
      off = 0;
    }
    for (let i = 0; i < n; i++) v[i] = (isNormWeight ? 1 : 0) + scale * v[i]!;
    store.set(spec.name, shape, v);
  }
  return store;
}
