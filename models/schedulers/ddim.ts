// DDIM sampler (Song, Meng & Ermon 2021, "Denoising Diffusion Implicit Models", arXiv:2010.02502), with
// diffusers' DDIMScheduler names, config and float32 arithmetic. With eta = 0 the step is
// deterministic, which makes few-step draft previews usable; eta = 1 is DDPM-like ancestral sampling.
import * as tf from '../tf.ts';
import { SchedulerBase } from './base.ts';
import { parseDDIMConfig, type DDIMSchedulerConfig, type RawSchedulerConfig } from './config.ts';
import { f32 } from './float32.ts';
import { varianceNoise } from './step-checks.ts';
import type { StepOptions, StepOutput } from './types.ts';

export interface DDIMStepOptions extends StepOptions {
  /** η of eq. (16): 0 = deterministic DDIM (default), 1 = DDPM posterior variance. */
  eta?: number;
}

export class DDIMScheduler extends SchedulerBase<DDIMSchedulerConfig> {
  /** ᾱ used for the step after the last timestep: 1 with set_alpha_to_one, else ᾱ_0. */
  readonly finalAlphaCumprod: number;

  /**
   * @param config diffusers keys; missing keys take diffusers' DDIMScheduler defaults (note
   *   `set_alpha_to_one` defaults to true there; SD configs set it false), unused keys are ignored.
   */
  constructor(config: Partial<DDIMSchedulerConfig> | RawSchedulerConfig = {}) {
    const parsed = parseDDIMConfig(config as RawSchedulerConfig);
    super('DDIMScheduler', Object.freeze(parsed.config), Object.freeze(parsed.ignored));
    this.finalAlphaCumprod = parsed.config.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
  }

  /** Like diffusers' `DDIMScheduler.from_config(config, **overrides)`. */
  static fromConfig(config: RawSchedulerConfig, overrides: Partial<DDIMSchedulerConfig> = {}): DDIMScheduler {
    return new DDIMScheduler({ ...config, ...overrides });
  }

  /**
   * One DDIM step x_t → x_{t'}, t' = previousTimestep(t) = t − T // n.
   *
   * Variables ↔ symbols of Song et al. 2021 (their α_t is our ᾱ_t, the cumulative product):
   *   alphaProdT          α_t in the paper (ᾱ_t)
   *   alphaProdPrev       α_{t−1} in the paper (ᾱ_{t'}; finalAlphaCumprod when t' < 0)
   *   betaProdT           1 − α_t
   *   modelOutput         ε_θ^{(t)}(x_t)
   *   predOriginalSample  f_θ^{(t)}(x_t) = (x_t − √(1−α_t)·ε_θ)/√α_t, "predicted x_0" (eq. 9, 12)
   *   stdDevT             σ_t(η), eq. (16)
   *   direction           √(1 − α_{t−1} − σ_t²)·ε_θ, "direction pointing to x_t" (eq. 12)
   *   prevSample          x_{t−1} = √α_{t−1}·x̂_0 + direction + σ_t·ε_t (eq. 12)
   */
  step(modelOutput: tf.Tensor, t: number, sample: tf.Tensor, opts: DDIMStepOptions = {}): StepOutput {
    const who = 'DDIMScheduler.step';
    this.checkStep(who, modelOutput, t, sample, opts);
    const eta = opts.eta ?? 0;
    if (!Number.isFinite(eta) || eta < 0) throw new RangeError(`${who}: eta = ${eta}; expected a finite number ≥ 0`);

    // 1. α_t and α_{t−1} (paper notation) of this jump.
    const prevT = this.previousTimestep(t);
    const alphaProdT = this.alphasCumprod[t]!;
    const alphaProdPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const betaProdT = f32(1 - alphaProdT);
    const betaProdPrev = f32(1 - alphaProdPrev);

    // 2. σ_t(η) = η·√((1−α_{t−1})/(1−α_t))·√(1−α_t/α_{t−1}), eq. (16).
    const variance = f32(f32(betaProdPrev / betaProdT) * f32(1 - f32(alphaProdT / alphaProdPrev)));
    const stdDevT = f32(f32(eta) * f32(Math.sqrt(variance)));
    // 3. Weight of ε in the direction term, √(1 − α_{t−1} − σ_t²) (≥ 0 for η ≤ 1; clamped so a larger η
    //    gives a finite, noise-dominated step instead of NaN).
    const dirCoef = f32(Math.sqrt(Math.max(0, f32(betaProdPrev - f32(stdDevT * stdDevT)))));
    const sqrtBetaProdT = f32(Math.sqrt(betaProdT));
    const sqrtAlphaProdT = f32(Math.sqrt(alphaProdT));
    const sqrtAlphaProdPrev = f32(Math.sqrt(alphaProdPrev));

    return tf.tidy(() => {
      const s = (v: number): tf.Scalar => tf.scalar(v, 'float32');
      // 4. Predicted x_0, eq. (12) first term's bracket.
      const predOriginalSample = this.predictOriginal(sample, modelOutput, sqrtBetaProdT, sqrtAlphaProdT);
      // 5. x_{t−1} = √α_{t−1}·x̂_0 + √(1−α_{t−1}−σ_t²)·ε_θ, eq. (12) without the noise term.
      const direction = tf.mul(s(dirCoef), modelOutput);
      let prevSample = tf.add(tf.mul(s(sqrtAlphaProdPrev), predOriginalSample), direction);
      // 6. + σ_t·ε_t, eq. (12) last term, only when stochastic (η > 0).
      if (eta > 0) {
        const z = varianceNoise(who, t, sample, opts);
        prevSample = tf.add(prevSample, tf.mul(s(stdDevT), z));
      }
      return { prevSample, predOriginalSample };
    });
  }
}
