// Engine layout -> PyTorch layout, the inverse of models/nn/params.ts `toEngineTensorData`, for writing
// trained weights back as state-dict tensors (checkpoints, LoRA files, .pth / safetensors exports).
// Explicit index arithmetic per kind, like the forward conversion, so the two are exact inverses.
import type { ParamSpec } from '../nn/params.ts';

export function toTorchData(spec: ParamSpec, data: Float32Array): Float32Array {
  const s = spec.shape;
  const numel = s.reduce((a, b) => a * b, 1);
  if (data.length !== numel) throw new Error(`parameter ${spec.name}: got ${data.length} values, expected ${numel} for shape [${s.join(', ')}]`);
  switch (spec.kind) {
    case 'vector':
      return Float32Array.from(data);
    case 'linear': {
      // engine [in, out] -> PyTorch [out, in]
      const [o, i] = [s[0]!, s[1]!];
      const out = new Float32Array(numel);
      for (let c = 0; c < i; c++) for (let r = 0; r < o; r++) out[r * i + c] = data[c * o + r]!;
      return out;
    }
    case 'conv': {
      // HWIO [kh, kw, i, o] -> OIHW [o, i, kh, kw]
      const [o, i, kh, kw] = [s[0]!, s[1]!, s[2]!, s[3]!];
      const out = new Float32Array(numel);
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          for (let b = 0; b < i; b++)
            for (let a = 0; a < o; a++) out[((a * i + b) * kh + y) * kw + x] = data[((y * kw + x) * i + b) * o + a]!;
      return out;
    }
  }
}
