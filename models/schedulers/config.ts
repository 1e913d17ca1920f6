// Scheduler configs, named and defaulted like diffusers' constructor keywords, and their validation.
//
// A diffusers `scheduler/scheduler_config.json` is written for one scheduler class (SD1.5-inpainting
// ships a PNDMScheduler config, SDXL an EulerDiscreteScheduler one) and Leffa re-reads it as a
// DDPMScheduler. So keys a class does not use (`skip_prk_steps`, `interpolation_type`, `_class_name`, …)
// are ignored and reported in `ignored` (so are `dynamic_thresholding_ratio` and `sample_max_value`,
// which only matter with thresholding, not implemented); the keys it uses are checked, and an unsupported value is an
// error naming the key, the value and the allowed values.

import type { BetaSchedule, BetaScheduleConfig } from './betas.ts';
import type { TimestepSpacing } from './timesteps.ts';

/** A scheduler config as read from JSON (any keys; values checked by the parsers below). */
export type RawSchedulerConfig = Readonly<Record<string, unknown>>;

export class SchedulerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerConfigError';
  }
}

/** Keys and values common to DDPM and DDIM. */
export interface CommonSchedulerConfig extends BetaScheduleConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  trained_betas: number[] | null;
  /** Only ε-prediction is implemented (what Leffa's UNets output). */
  prediction_type: 'epsilon';
  /** Only `false` is implemented (dynamic thresholding is for pixel-space models). */
  thresholding: false;
  /** Clamp the predicted x₀ to ±clip_sample_range (diffusers' default is true; SD configs set false). */
  clip_sample: boolean;
  clip_sample_range: number;
  timestep_spacing: TimestepSpacing;
  /** Added to every "leading" timestep (SD: 1, giving …, 34, 1 instead of …, 33, 0). */
  steps_offset: number;
  rescale_betas_zero_snr: boolean;
}

export interface DDPMSchedulerConfig extends CommonSchedulerConfig {
  /** Only "fixed_small" (σ_t² = β̃_t, Ho et al. 2020 §3.2) is implemented. */
  variance_type: 'fixed_small';
}

export interface DDIMSchedulerConfig extends CommonSchedulerConfig {
  /** ᾱ used past the last step: 1 if true, else ᾱ_0 (SD configs: false). */
  set_alpha_to_one: boolean;
}

export interface ParsedConfig<C> {
  config: C;
  /** Keys present in the input that this scheduler does not use. */
  ignored: string[];
}

// diffusers 0.31 defaults (scheduling_ddpm.py / scheduling_ddim.py __init__ keywords).
const COMMON_DEFAULTS: CommonSchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  trained_betas: null,
  prediction_type: 'epsilon',
  thresholding: false,
  clip_sample: true,
  clip_sample_range: 1.0,
  timestep_spacing: 'leading',
  steps_offset: 0,
  rescale_betas_zero_snr: false,
};

/** Field readers: each returns the value or the default, or throws naming key, value and what is allowed. */
class Reader {
  readonly used = new Set<string>();
  constructor(private readonly who: string, private readonly raw: RawSchedulerConfig) {}

  private fail(key: string, value: unknown, expected: string): never {
    throw new SchedulerConfigError(`${this.who} config: ${key} = ${JSON.stringify(value)} is not supported; expected ${expected}`);
  }

  private get(key: string): unknown {
    this.used.add(key);
    return this.raw[key];
  }

  number(key: string, def: number, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
    const v = this.get(key);
    if (v === undefined) return def;
    const range = `${opts.min ?? '-∞'} ≤ x ≤ ${opts.max ?? '∞'}`;
    const what = `${opts.integer ? 'an integer' : 'a finite number'} with ${range}`;
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) this.fail(key, v, what);
    if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) this.fail(key, v, what);
    return v;
  }

  boolean(key: string, def: boolean): boolean {
    const v = this.get(key);
    if (v === undefined) return def;
    if (typeof v !== 'boolean') this.fail(key, v, 'true or false');
    return v;
  }

  oneOf<T extends string | boolean>(key: string, allowed: readonly T[], def: T): T {
    const v = this.get(key);
    if (v === undefined) return def;
    if (!allowed.includes(v as T)) this.fail(key, v, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    return v as T;
  }

  betas(key: string, length: number): number[] | null {
    const v = this.get(key);
    if (v === undefined || v === null) return null;
    const ok = Array.isArray(v) && v.length === length && v.every((b) => typeof b === 'number' && b >= 0 && b <= 1);
    if (!ok) this.fail(key, Array.isArray(v) ? `[array of ${v.length}]` : v, `null or an array of ${length} numbers in [0, 1] (one per training timestep)`);
    return v.slice() as number[];
  }

  ignoredKeys(): string[] {
    return Object.keys(this.raw).filter((k) => !this.used.has(k));
  }
}

function readCommon(r: Reader): CommonSchedulerConfig {
  const d = COMMON_DEFAULTS;
  const num_train_timesteps = r.number('num_train_timesteps', d.num_train_timesteps, { integer: true, min: 1 });
  return {
    num_train_timesteps,
    beta_start: r.number('beta_start', d.beta_start, { min: 0, max: 1 }),
    beta_end: r.number('beta_end', d.beta_end, { min: 0, max: 1 }),
    beta_schedule: r.oneOf('beta_schedule', ['linear', 'scaled_linear'] as const, d.beta_schedule),
    trained_betas: r.betas('trained_betas', num_train_timesteps),
    prediction_type: r.oneOf('prediction_type', ['epsilon'] as const, d.prediction_type),
    thresholding: r.oneOf('thresholding', [false] as const, d.thresholding),
    clip_sample: r.boolean('clip_sample', d.clip_sample),
    clip_sample_range: r.number('clip_sample_range', d.clip_sample_range, { min: 0 }),
    timestep_spacing: r.oneOf('timestep_spacing', ['leading', 'trailing', 'linspace'] as const, d.timestep_spacing),
    steps_offset: r.number('steps_offset', d.steps_offset, { integer: true, min: 0 }),
    rescale_betas_zero_snr: r.boolean('rescale_betas_zero_snr', d.rescale_betas_zero_snr),
  };
}

/** Validates a DDPMScheduler config (diffusers names; missing keys take diffusers' defaults). */
export function parseDDPMConfig(raw: RawSchedulerConfig): ParsedConfig<DDPMSchedulerConfig> {
  const r = new Reader('DDPMScheduler', raw);
  const config: DDPMSchedulerConfig = {
    ...readCommon(r),
    variance_type: r.oneOf('variance_type', ['fixed_small'] as const, 'fixed_small'),
  };
  return { config, ignored: r.ignoredKeys() };
}

/** Validates a DDIMScheduler config (diffusers names; missing keys take diffusers' defaults). */
export function parseDDIMConfig(raw: RawSchedulerConfig): ParsedConfig<DDIMSchedulerConfig> {
  const r = new Reader('DDIMScheduler', raw);
  const config: DDIMSchedulerConfig = {
    ...readCommon(r),
    set_alpha_to_one: r.boolean('set_alpha_to_one', true),
  };
  return { config, ignored: r.ignoredKeys() };
}
