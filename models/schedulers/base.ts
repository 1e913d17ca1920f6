// What DDPM and DDIM share: the schedule tables, the inference timesteps and forward noising.
// Each subclass adds its own `step` (one algorithm per file, as in diffusers).
import * as tf from '../tf.ts';
import { addNoiseWith } from './add-noise.ts';
import { alphasFromBetas, cumprodF32, makeBetas } from './betas.ts';
import type { CommonSchedulerConfig } from './config.ts';
import { checkSameShape, checkStepOptions, checkTimestep } from './step-checks.ts';
import { spacedTimesteps } from './timesteps.ts';
import type { BatchTimesteps, DiffusionScheduler, StepOptions, StepOutput } from './types.ts';

export abstract class SchedulerBase<C extends CommonSchedulerConfig> implements DiffusionScheduler {
  readonly initNoiseSigma = 1;
  readonly betas: Float32Array;
  readonly alphas: Float32Array;
  readonly alphasCumprod: Float32Array;
  private inferenceSteps: number | null = null;
  private schedule: Int32Array;

  protected constructor(
    /** Class name used in error messages. */
    protected readonly who: string,
    /** The validated config, diffusers key names (frozen). */
    readonly config: Readonly<C>,
    /** Keys of the input config this scheduler does not use (other classes' keys, or typos). */
    readonly ignoredConfigKeys: readonly string[],
  ) {
    this.betas = makeBetas(config);
    this.alphas = alphasFromBetas(this.betas);
    this.alphasCumprod = cumprodF32(this.alphas);
    // Before setTimesteps, diffusers lists every training timestep, T−1 … 0.
    this.schedule = Int32Array.from({ length: config.num_train_timesteps }, (_, i) => config.num_train_timesteps - 1 - i);
  }

  get numTrainTimesteps(): number {
    return this.config.num_train_timesteps;
  }

  get numInferenceSteps(): number | null {
    return this.inferenceSteps;
  }

  /** The checks every `step` starts with: options object, timesteps set, t a training timestep, equal shapes. */
  protected checkStep(who: string, modelOutput: tf.Tensor, t: number, sample: tf.Tensor, opts: unknown): void {
    checkStepOptions(who, opts);
    this.requireTimesteps();
    checkTimestep(who, t, this.config.num_train_timesteps);
    checkSameShape(who, 'modelOutput', modelOutput, 'sample', sample);
  }

  /**
   * x̂_0 = (x_t − √(1−ᾱ_t)·ε_θ) / √ᾱ_t (DDPM eq. 15, DDIM eq. 12), clipped to ±clip_sample_range when
   * clip_sample is set. Call inside the step's tf.tidy; the coefficients are float32 as in PyTorch.
   */
  protected predictOriginal(sample: tf.Tensor, modelOutput: tf.Tensor, sqrtBetaProdT: number, sqrtAlphaProdT: number): tf.Tensor {
    const x0 = tf.div(tf.sub(sample, tf.mul(tf.scalar(sqrtBetaProdT, 'float32'), modelOutput)), tf.scalar(sqrtAlphaProdT, 'float32'));
    if (!this.config.clip_sample) return x0;
    const r = this.config.clip_sample_range;
    return tf.clipByValue(x0, -r, r);
  }

  get timesteps(): Int32Array {
    return this.schedule.slice();
  }

  setTimesteps(n: number): void {
    const T = this.config.num_train_timesteps;
    if (!Number.isInteger(n) || n < 1 || n > T) {
      throw new RangeError(`${this.who}.setTimesteps: numInferenceSteps = ${n}; expected an integer in [1, ${T}] (num_train_timesteps = ${T})`);
    }
    const ts = spacedTimesteps(T, n, this.config.timestep_spacing, this.config.steps_offset);
    const bad = ts.find((t) => t < 0 || t >= T);
    if (bad !== undefined) {
      throw new RangeError(
        `${this.who}.setTimesteps(${n}): timestep ${bad} is outside [0, ${T - 1}] ` +
          `(timestep_spacing = ${this.config.timestep_spacing}, steps_offset = ${this.config.steps_offset}); use fewer steps or steps_offset 0`,
      );
    }
    this.schedule = ts;
    this.inferenceSteps = n;
  }

  /** diffusers: t − T // n (t − 1 before setTimesteps). Negative after the last step. */
  previousTimestep(t: number): number {
    const n = this.inferenceSteps ?? this.config.num_train_timesteps;
    return t - Math.floor(this.config.num_train_timesteps / n);
  }

  addNoise(original: tf.Tensor, noise: tf.Tensor, timesteps: BatchTimesteps): tf.Tensor {
    return addNoiseWith(`${this.who}.addNoise`, this.alphasCumprod, original, noise, timesteps);
  }

  /** Throws unless setTimesteps has been called (the step size depends on it). */
  protected requireTimesteps(): number {
    if (this.inferenceSteps === null) {
      throw new Error(`${this.who}.step: call setTimesteps(numInferenceSteps) before step`);
    }
    return this.inferenceSteps;
  }

  abstract step(modelOutput: tf.Tensor, t: number, sample: tf.Tensor, opts?: StepOptions): StepOutput;
}
