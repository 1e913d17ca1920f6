// The interface every sampler of the engine implements. Schedulers are pure maths: they hold the
// noise-schedule tables and turn (ε prediction, x_t) into x_{t−1}; they never see a model.
import type * as tf from '../tf.ts';

/**
 * Draws N(0, 1) noise of the given shape (float32). A pipeline passes a seeded generator here so
 * that sampling is reproducible (spec §1.8). Tensors it creates inside `step` are disposed by `step`.
 */
export type NoiseGenerator = (shape: number[]) => tf.Tensor;

export interface StepOptions {
  /** The N(0, 1) variance noise z of this step, same shape as `sample` (not disposed by `step`). */
  varianceNoise?: tf.Tensor;
  /** Draws z when `varianceNoise` is not given. Passing both is an error. */
  generator?: NoiseGenerator;
}

export interface StepOutput {
  /** x_{t−1}, the sample for the next step. Owned by the caller. */
  prevSample: tf.Tensor;
  /** x̂₀, the model's current estimate of the clean sample. Owned by the caller. */
  predOriginalSample: tf.Tensor;
}

/** Timesteps for addNoise: one per batch row (or one for all rows). */
export type BatchTimesteps = number | ArrayLike<number> | tf.Tensor;

export interface DiffusionScheduler {
  /** Diffusers' `init_noise_sigma`: the initial latent is N(0, 1)·initNoiseSigma (1 for DDPM/DDIM). */
  readonly initNoiseSigma: number;
  readonly numTrainTimesteps: number;
  /** Number of inference steps set by setTimesteps, or null before. */
  readonly numInferenceSteps: number | null;
  /** β_t, α_t = 1 − β_t, ᾱ_t = ∏α, float32 [num_train_timesteps]. */
  readonly betas: Float32Array;
  readonly alphas: Float32Array;
  readonly alphasCumprod: Float32Array;
  /** Inference timesteps, decreasing (a copy); all training timesteps T−1…0 before setTimesteps. */
  readonly timesteps: Int32Array;
  /** Chooses the inference timesteps (1 ≤ n ≤ num_train_timesteps). */
  setTimesteps(n: number): void;
  /** The timestep a step from t lands on (negative after the last step: ᾱ_prev is then 1 or final). */
  previousTimestep(t: number): number;
  /** One reverse-diffusion step from x_t (`sample`) given the model's ε prediction. */
  step(modelOutput: tf.Tensor, t: number, sample: tf.Tensor, opts?: StepOptions): StepOutput;
  /** Forward diffusion q(x_t | x_0): √ᾱ_t·x_0 + √(1−ᾱ_t)·noise, t per batch row. */
  addNoise(original: tf.Tensor, noise: tf.Tensor, timesteps: BatchTimesteps): tf.Tensor;
}
