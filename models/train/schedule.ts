// Learning-rate schedules. Leffa trains with a constant 1e-5 in every stage (spec §5.4); a linear warm-up
// is offered because a fine-tune that starts from released weights with fresh (zero) Adam moments takes
// large first steps (the bias correction makes step 1 a sign-SGD step of size lr on every weight).
// The schedule is evaluated per stage: `stageStep` counts the optimizer steps done in the current stage,
// so a resolution change can warm up again.

export type LrScheduleType = 'constant' | 'warmup';

export interface LrSchedule {
  type: LrScheduleType;
  /** Peak learning rate. */
  lr: number;
  /** 'warmup' only: steps over which the rate rises linearly from lr/warmupSteps to lr. */
  warmupSteps?: number;
}

export function checkSchedule(s: LrSchedule, where = 'schedule'): void {
  if (s.type !== 'constant' && s.type !== 'warmup') throw new RangeError(`${where}.type = ${JSON.stringify(s.type)}; expected "constant" or "warmup"`);
  if (!(typeof s.lr === 'number' && s.lr > 0 && Number.isFinite(s.lr))) throw new RangeError(`${where}.lr = ${JSON.stringify(s.lr)}; expected a positive number`);
  if (s.type === 'warmup' && !(Number.isInteger(s.warmupSteps) && s.warmupSteps! >= 1)) {
    throw new RangeError(`${where}.warmupSteps = ${JSON.stringify(s.warmupSteps)}; expected a positive integer for a warm-up schedule`);
  }
}

/** Learning rate of the optimizer step with 0-based index `stageStep` within its stage. */
export function learningRate(s: LrSchedule, stageStep: number): number {
  if (s.type === 'constant') return s.lr;
  const w = s.warmupSteps!;
  return stageStep + 1 >= w ? s.lr : (s.lr * (stageStep + 1)) / w; // step 0 already moves (lr/w), as diffusers' get_scheduler
}
