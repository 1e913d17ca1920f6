// Parameters of the engine's modules.
//
// Every module declares its parameters as ParamSpecs: the PyTorch state-dict name (so checkpoint keys map
// 1:1), the PyTorch shape, and a kind that says how the tensor is laid out in the engine:
//   conv   : PyTorch OIHW [out, in, kh, kw]  -> TF.js HWIO [kh, kw, in, out]
//   linear : PyTorch [out, in]               -> [in, out] (pre-transposed: on wasm a matMul with
//            transposeB runs ~10x slower than a plain one, see docs/tfjs-notes.md)
//   vector : biases and norm affine parameters, unchanged.
// A ParamStore hands out the converted tensors by name.
import * as tf from '../tf.ts';

export type ParamKind = 'conv' | 'linear' | 'vector';

export interface ParamSpec {
  name: string;
  /** PyTorch shape, as stored in checkpoints. */
  shape: number[];
  kind: ParamKind;
}

export interface ParamStore {
  /** The converted (engine-layout) tensor of a parameter; throws naming the key when absent. */
  get(name: string): tf.Tensor;
}

/** Shape in the engine's layout for a spec (see the table above). */
export function engineShape(spec: ParamSpec): number[] {
  const s = spec.shape;
  switch (spec.kind) {
    case 'conv': return [s[2]!, s[3]!, s[1]!, s[0]!]; // OIHW -> HWIO
    case 'linear': return [s[1]!, s[0]!]; // [out, in] -> [in, out]
    case 'vector': return s.slice();
  }
}

/**
 * Converts PyTorch-layout data of one parameter to engine-layout data. Done with explicit index arithmetic
 * in JS (not by guessing from shapes), so the conversion is defined by the spec's kind.
 */
export function toEngineTensorData(spec: ParamSpec, data: Float32Array): Float32Array {
  const s = spec.shape;
  const numel = s.reduce((a, b) => a * b, 1);
  if (data.length !== numel) {
    throw new Error(`parameter ${spec.name}: got ${data.length} values, expected ${numel} for shape [${s.join(', ')}]`);
  }
  switch (spec.kind) {
    case 'vector':
      return data;
    case 'linear': {
      // [out, in] -> [in, out]
      const [o, i] = [s[0]!, s[1]!];
      const out = new Float32Array(numel);
      for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) out[c * o + r] = data[r * i + c]!;
      return out;
    }
    case 'conv': {
      // OIHW [o, i, kh, kw] -> HWIO [kh, kw, i, o]
      const [o, i, kh, kw] = [s[0]!, s[1]!, s[2]!, s[3]!];
      const out = new Float32Array(numel);
      for (let a = 0; a < o; a++)
        for (let b = 0; b < i; b++)
          for (let y = 0; y < kh; y++)
            for (let x = 0; x < kw; x++) out[((y * kw + x) * i + b) * o + a] = data[((a * i + b) * kh + y) * kw + x]!;
      return out;
    }
  }
}

/** PyTorch-layout data of one parameter -> engine-layout tensor. */
export function toEngineTensor(spec: ParamSpec, data: Float32Array): tf.Tensor {
  return tf.tensor(toEngineTensorData(spec, data), engineShape(spec), 'float32');
}

/** Collects ParamSpecs under a dotted prefix (module path). */
export class SpecList {
  constructor(
    private readonly prefix = '',
    readonly specs: ParamSpec[] = [],
  ) {}
  private full(name: string): string { return this.prefix ? `${this.prefix}.${name}` : name; }
  /** A list for a sub-module; it appends to the same array, so the order is registration order. */
  child(name: string): SpecList {
    return new SpecList(this.full(name), this.specs);
  }
  conv(name: string, outC: number, inC: number, k: number, bias = true): void {
    this.specs.push({ name: this.full(`${name}.weight`), shape: [outC, inC, k, k], kind: 'conv' });
    if (bias) this.specs.push({ name: this.full(`${name}.bias`), shape: [outC], kind: 'vector' });
  }
  linear(name: string, outF: number, inF: number, bias = true): void {
    this.specs.push({ name: this.full(`${name}.weight`), shape: [outF, inF], kind: 'linear' });
    if (bias) this.specs.push({ name: this.full(`${name}.bias`), shape: [outF], kind: 'vector' });
  }
  norm(name: string, c: number): void {
    this.specs.push({ name: this.full(`${name}.weight`), shape: [c], kind: 'vector' });
    this.specs.push({ name: this.full(`${name}.bias`), shape: [c], kind: 'vector' });
  }
}

/** A ParamStore over a plain map of resident tensors. */
export class MapParamStore implements ParamStore {
  constructor(readonly tensors: Map<string, tf.Tensor>, private readonly label = 'model') {}
  get(name: string): tf.Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`${this.label}: parameter ${name} is not loaded`);
    return t;
  }
  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }
}
