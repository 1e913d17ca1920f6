// Timestep embeddings: diffusers `Timesteps` (sinusoidal, no weights) and `TimestepEmbedding` (MLP).
import * as tf from '../tf.ts';
import { SpecList, type ParamSpec, type ParamStore } from '../nn/params.ts';
import { linear, silu } from '../nn/layers.ts';

const f32 = Math.fround;

/**
 * Sinusoidal embedding of integer timesteps, [B] -> [B, dim] (DDPM / "Attention is all you need" style),
 * computed with float32 rounding at each step as PyTorch does in float32, so that sin/cos of large
 * arguments (t up to 999) agree with the reference to float32 precision.
 * freq_i = exp(-ln(10000) * i / (dim/2 - freqShift)); emb = [sin(t*freq), cos(t*freq)], or cos first
 * when flipSinToCos.
 */
export function timestepSinusoid(timesteps: ArrayLike<number>, dim: number, flipSinToCos: boolean, freqShift: number): tf.Tensor2D {
  const half = Math.floor(dim / 2);
  const c = f32(-Math.log(10000));
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) freqs[i] = f32(Math.exp(f32(f32(c * i) / (half - freqShift))));
  const B = timesteps.length;
  const out = new Float32Array(B * dim); // [B, dim]; odd dims keep a zero last column, as diffusers pads
  for (let b = 0; b < B; b++) {
    const t = f32(timesteps[b]!);
    for (let i = 0; i < half; i++) {
      const arg = f32(t * freqs[i]!);
      const s = f32(Math.sin(arg));
      const co = f32(Math.cos(arg));
      out[b * dim + i] = flipSinToCos ? co : s;
      out[b * dim + half + i] = flipSinToCos ? s : co;
    }
  }
  return tf.tensor2d(out, [B, dim]);
}

/** diffusers TimestepEmbedding: linear_1 -> SiLU -> linear_2. */
export class TimestepEmbedding {
  constructor(readonly path: string, readonly inDim: number, readonly outDim: number) {}
  params(): ParamSpec[] {
    const s = new SpecList(this.path);
    s.linear('linear_1', this.outDim, this.inDim);
    s.linear('linear_2', this.outDim, this.outDim);
    return s.specs;
  }
  forward(p: ParamStore, x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => linear(p, `${this.path}.linear_2`, silu(linear(p, `${this.path}.linear_1`, x))) as tf.Tensor2D); // [B, outDim]
  }
}
