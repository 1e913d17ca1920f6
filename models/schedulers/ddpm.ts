// DDPM ancestral sampler (Ho, Jain & Abbeel 2020, "Denoising Diffusion Probabilistic Models",
// arXiv:2006.11239), with diffusers' DDPMScheduler names, config and float32 arithmetic. This is the
// sampler of the Leffa pipeline (spec §1.7): ε-prediction, "fixed_small" variance, no clipping.
import * as tf from '../tf.ts';
import { SchedulerBase } from './base.ts';
import { parseDDPMConfig, type DDPMSchedulerConfig, type RawSchedulerConfig } from './config.ts';
import { f32 } from './float32.ts';
import { varianceNoise } from './step-checks.ts';
import type { StepOptions, StepOutput } from './types.ts';

/** torch.clamp(variance, min=1e-20): the bound as a float32. */
const MIN_VARIANCE = f32(1e-20);

export class DDPMScheduler extends SchedulerBase<DDPMSchedulerConfig> {
  /**
   * @param config diffusers keys (`num_train_timesteps`, `beta_schedule`, …); missing keys take
   *   diffusers' DDPMScheduler defaults, unused keys are ignored (see `ignoredConfigKeys`).
   */
  constructor(config: Partial<DDPMSchedulerConfig> | RawSchedulerConfig = {}) {
    const parsed = parseDDPMConfig(config as RawSchedulerConfig);
    super('DDPMScheduler', Object.freeze(parsed.config), Object.freeze(parsed.ignored));
  }

  /** Like diffusers' `DDPMScheduler.from_config(config, **overrides)`: a scheduler_config.json plus overrides. */
  static fromConfig(config: RawSchedulerConfig, overrides: Partial<DDPMSchedulerConfig> = {}): DDPMScheduler {
    return new DDPMScheduler({ ...config, ...overrides });
  }

  /**
   * One ancestral step x_t → x_{t'} where t' = previousTimestep(t) (t' = t − 1 when every training
   * step is used; a larger jump otherwise, with the schedule collapsed onto the visited timesteps).
   *
   * Variables ↔ symbols of Ho et al. 2020 (with t' in place of t−1):
   *   alphaProdT        ᾱ_t
   *   alphaProdPrev     ᾱ_{t'}   (1 when t' < 0, i.e. after the last step)
   *   betaProdT         1 − ᾱ_t
   *   betaProdPrev      1 − ᾱ_{t'}
   *   currentAlphaT     α_t  = ᾱ_t / ᾱ_{t'}  (the one-jump α)
   *   currentBetaT      β_t  = 1 − α_t
   *   modelOutput       ε_θ(x_t, t)
   *   sample            x_t
   *   predOriginalSample x̂_0 (eq. 15)
   *   coefX0, coefXt    the two coefficients of the posterior mean μ̃_t (eq. 7)
   *   variance          β̃_t = σ_t² (eq. 7; "fixed_small" = the posterior variance, §3.2)
   *   z                 z ~ N(0, I) (Algorithm 2, line 3)
   *   prevSample        x_{t'} = μ̃_t + σ_t·z (eq. 6 sampled; Algorithm 2, line 4)
   *
   * The ᾱ, β coefficients are computed as float32 scalars in diffusers' operation order, so the
   * outputs agree with PyTorch float32 to rounding. Tensors are elementwise: any layout works.
   * The variance noise is added for every t > 0, so also at t = 1 (then β̃ = 0, clamped to 1e−20).
   */
  step(modelOutput: tf.Tensor, t: number, sample: tf.Tensor, opts: StepOptions = {}): StepOutput {
    const who = 'DDPMScheduler.step';
    this.checkStep(who, modelOutput, t, sample, opts);

    // 1. ᾱ and β of this jump (float32 scalars).
    const prevT = this.previousTimestep(t);
    const alphaProdT = this.alphasCumprod[t]!;
    const alphaProdPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : 1;
    const betaProdT = f32(1 - alphaProdT);
    const betaProdPrev = f32(1 - alphaProdPrev);
    const currentAlphaT = f32(alphaProdT / alphaProdPrev);
    const currentBetaT = f32(1 - currentAlphaT);

    // 2. Posterior-mean coefficients, eq. (7): μ̃ = [√ᾱ_{t'}·β_t/(1−ᾱ_t)]·x̂_0 + [√α_t·(1−ᾱ_{t'})/(1−ᾱ_t)]·x_t.
    const coefX0 = f32(f32(f32(Math.sqrt(alphaProdPrev)) * currentBetaT) / betaProdT);
    const coefXt = f32(f32(f32(Math.sqrt(currentAlphaT)) * betaProdPrev) / betaProdT);
    // 3. Posterior variance, eq. (7): β̃_t = (1−ᾱ_{t'})/(1−ᾱ_t)·β_t, clamped away from 0 as diffusers does.
    const variance = Math.max(f32(f32(betaProdPrev / betaProdT) * currentBetaT), MIN_VARIANCE);
    const sigma = f32(Math.sqrt(variance));
    const sqrtBetaProdT = f32(Math.sqrt(betaProdT));
    const sqrtAlphaProdT = f32(Math.sqrt(alphaProdT));

    return tf.tidy(() => {
      const s = (v: number): tf.Scalar => tf.scalar(v, 'float32');
      // 4. x̂_0 = (x_t − √(1−ᾱ_t)·ε_θ) / √ᾱ_t, eq. (15).
      const predOriginalSample = this.predictOriginal(sample, modelOutput, sqrtBetaProdT, sqrtAlphaProdT);
      // 5. μ̃_t(x_t, x̂_0), eq. (7).
      let prevSample = tf.add(tf.mul(s(coefX0), predOriginalSample), tf.mul(s(coefXt), sample));
      // 6. x_{t'} = μ̃ + σ_t·z for t > 0 (Algorithm 2: no noise on the final step to x_0).
      if (t > 0) {
        const z = varianceNoise(who, t, sample, opts);
        prevSample = tf.add(prevSample, tf.mul(s(sigma), z));
      }
      return { prevSample, predOriginalSample };
    });
  }
}
