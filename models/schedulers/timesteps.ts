// Inference timestep spacings of diffusers' DDPM / DDIM `set_timesteps` (table 2 of Lin et al. 2023,
// "Common Diffusion Noise Schedules and Sample Steps are Flawed"), with NumPy's float64 rounding.

import { roundHalfEven } from './float32.ts';

export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

/**
 * The `n` timesteps, in decreasing order, of a schedule trained on `numTrain` steps.
 *
 * - leading:  t_i = (n−1−i)·⌊T/n⌋ + steps_offset (Stable Diffusion's default; T=1000, n=30, offset 1
 *             → 958, 925, …, 1).
 * - trailing: round(T − i·T/n) − 1 (starts at T−1; offset not used).
 * - linspace: round of np.linspace(0, T−1, n), reversed (offset not used).
 *
 * Trailing note: diffusers builds it with `np.arange(T, 0, -T/n)`, which for some n (61, 103, …)
 * yields n + 1 values ending in −1 (a float rounding artefact). This returns the intended n values.
 */
export function spacedTimesteps(numTrain: number, n: number, spacing: TimestepSpacing, stepsOffset: number): Int32Array {
  const out = new Int32Array(n);
  if (spacing === 'leading') {
    const ratio = Math.floor(numTrain / n);
    for (let i = 0; i < n; i++) out[i] = (n - 1 - i) * ratio + stepsOffset;
  } else if (spacing === 'trailing') {
    const ratio = numTrain / n;
    // NumPy's arange fills start + i·delta with delta = (start + step) − start.
    const delta = (numTrain - ratio) - numTrain;
    for (let i = 0; i < n; i++) out[i] = roundHalfEven(numTrain + i * delta) - 1;
  } else {
    // np.linspace(0, T−1, n): i·step with step = (T−1)/(n−1), last element set to T−1 exactly.
    const step = n > 1 ? (numTrain - 1) / (n - 1) : 0;
    for (let i = 0; i < n; i++) {
      const v = i === n - 1 && n > 1 ? numTrain - 1 : i * step;
      out[n - 1 - i] = roundHalfEven(v);
    }
  }
  return out;
}
