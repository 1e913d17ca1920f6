// Public surface of the schedulers (pure maths: no model, no file I/O).
export { DDPMScheduler } from './ddpm.ts';
export { DDIMScheduler, type DDIMStepOptions } from './ddim.ts';
export {
  SchedulerConfigError,
  parseDDPMConfig,
  parseDDIMConfig,
  type CommonSchedulerConfig,
  type DDPMSchedulerConfig,
  type DDIMSchedulerConfig,
  type RawSchedulerConfig,
} from './config.ts';
export { makeBetas, rescaleZeroTerminalSnr, cumprodF32, type BetaSchedule } from './betas.ts';
export { spacedTimesteps, type TimestepSpacing } from './timesteps.ts';
export type { DiffusionScheduler, NoiseGenerator, StepOptions, StepOutput, BatchTimesteps } from './types.ts';
