// Noise-schedule tables (β_t, α_t, ᾱ_t) in float32, computed the way diffusers + PyTorch compute them,
// so they match the reference tables bit for bit (checked against the fixtures in
// test/models/schedulers/betas.test.ts).

import { f32 } from './float32.ts';
import { linspaceF32 } from './linspace.ts';

export type BetaSchedule = 'linear' | 'scaled_linear';

export interface BetaScheduleConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  /** Explicit β table; overrides beta_start / beta_end / beta_schedule when given. */
  trained_betas: ArrayLike<number> | null;
  rescale_betas_zero_snr: boolean;
}

/** β_t for t = 0…T−1, float32. */
export function makeBetas(config: BetaScheduleConfig): Float32Array {
  let betas: Float32Array;
  if (config.trained_betas !== null) {
    betas = Float32Array.from(config.trained_betas); // torch.tensor(trained_betas, dtype=float32)
  } else if (config.beta_schedule === 'linear') {
    betas = linspaceF32(config.beta_start, config.beta_end, config.num_train_timesteps);
  } else {
    // "scaled_linear" (the Stable Diffusion schedule): linear in √β, squared in float32.
    const root = linspaceF32(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), config.num_train_timesteps);
    betas = root.map((r) => f32(r * r));
  }
  return config.rescale_betas_zero_snr ? rescaleZeroTerminalSnr(betas) : betas;
}

/** α_t = 1 − β_t, float32. */
export function alphasFromBetas(betas: Float32Array): Float32Array {
  return betas.map((b) => f32(1 - b));
}

/**
 * ᾱ_t = ∏_{s≤t} α_s as torch.cumprod computes it for float32 on the CPU: the running product is kept
 * in float64 (PyTorch's accumulate type for float) and each output is rounded to float32. A float32
 * running product would drift by up to ~1e−6 relative over 1000 steps.
 */
export function cumprodF32(alphas: Float32Array): Float32Array {
  const out = new Float32Array(alphas.length);
  let acc = 1;
  for (let i = 0; i < alphas.length; i++) {
    acc *= alphas[i]!;
    out[i] = acc; // Float32Array stores round to float32
  }
  return out;
}

/**
 * Rescales β so that the terminal SNR is zero (ᾱ_{T−1} = 0), keeping ᾱ_0:
 * Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed", Algorithm 1.
 * √ᾱ is shifted so its last entry is 0 and scaled so its first is unchanged, squared back, and β is
 * recovered from ratios of consecutive ᾱ. Every operation in float32, in diffusers' order.
 */
export function rescaleZeroTerminalSnr(betas: Float32Array): Float32Array {
  const n = betas.length;
  const alphasBarSqrt = cumprodF32(alphasFromBetas(betas)).map((a) => f32(Math.sqrt(a)));
  const sqrt0 = alphasBarSqrt[0]!;
  const sqrtT = alphasBarSqrt[n - 1]!;
  const scale = f32(sqrt0 / f32(sqrt0 - sqrtT));
  // Shift (last → 0), then scale (first unchanged): two separate float32 roundings, as in PyTorch.
  const shifted = alphasBarSqrt.map((v) => f32(f32(v - sqrtT) * scale));
  const alphasBar = shifted.map((v) => f32(v * v));
  const out = new Float32Array(n);
  out[0] = f32(1 - alphasBar[0]!);
  for (let i = 1; i < n; i++) out[i] = f32(1 - f32(alphasBar[i]! / alphasBar[i - 1]!));
  return out;
}
