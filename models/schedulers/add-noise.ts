// Forward diffusion q(x_t | x_0) = N(√ᾱ_t·x_0, (1 − ᾱ_t)·I) (Ho et al. 2020, eq. 4), sampled with given
// noise: x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε. Used for training targets and img2img-style starts.
import * as tf from '../tf.ts';
import { f32 } from './float32.ts';
import { checkSameShape, checkTimestep } from './step-checks.ts';
import type { BatchTimesteps } from './types.ts';

function timestepList(timesteps: BatchTimesteps): number[] {
  if (typeof timesteps === 'number') return [timesteps];
  if (timesteps instanceof tf.Tensor) return Array.from(timesteps.dataSync());
  return Array.from(timesteps);
}

/**
 * x_t for a batch, one timestep per row of the leading (batch) axis, or one for every row.
 * Elementwise apart from that axis, so any layout (NCHW or NHWC) works.
 */
export function addNoiseWith(
  who: string,
  alphasCumprod: Float32Array,
  original: tf.Tensor,
  noise: tf.Tensor,
  timesteps: BatchTimesteps,
): tf.Tensor {
  checkSameShape(who, 'noise', noise, 'original', original);
  const ts = timestepList(timesteps);
  const batch = original.shape[0] ?? 1;
  if (ts.length !== 1 && ts.length !== batch) {
    throw new RangeError(`${who}: addNoise got ${ts.length} timesteps for a batch of ${batch}; expected 1 or ${batch}`);
  }
  for (const t of ts) checkTimestep(who, t, alphasCumprod.length);
  // Coefficients in float32, as diffusers computes them from the float32 ᾱ table.
  const sqrtAlphaProd = Float32Array.from(ts, (t) => f32(Math.sqrt(alphasCumprod[t]!)));
  const sqrtOneMinus = Float32Array.from(ts, (t) => f32(Math.sqrt(f32(1 - alphasCumprod[t]!))));
  return tf.tidy(() => {
    // [B] → [B, 1, …, 1] so it broadcasts over every non-batch axis.
    const coefShape = [ts.length, ...original.shape.slice(1).map(() => 1)];
    const a = tf.tensor(sqrtAlphaProd, coefShape, 'float32');
    const b = tf.tensor(sqrtOneMinus, coefShape, 'float32');
    return tf.add(tf.mul(a, original), tf.mul(b, noise));
  });
}
