// Progressive training (spec §5.4): a run is a list of stages, each with its own resolution, length, batch
// and loss weights — e.g. 512×384 diffusion only → 1024×768 diffusion only → 1024×768 with the Leffa loss.
// Optimizer moments and EMA carry over between stages; the learning-rate schedule restarts in each stage.
import { checkSchedule, type LrSchedule } from './schedule.ts';

export interface StageConfig {
  name: string;
  /** Optimizer steps in this stage. */
  steps: number;
  /** Training canvas (the person photo is fitted onto it like at inference); multiples of 8·2^(levels−1). */
  width: number;
  height: number;
  /** Pairs per micro-batch. */
  batchSize: number;
  /** Micro-batches per optimizer step (gradient accumulation); effective batch = batchSize·gradAccum. */
  gradAccum: number;
  /** λ of the Leffa loss (total = diffusion MSE + λ·Leffa); 0 turns it off (spec: 1e-3 in the final stage only). */
  leffaWeight: number;
  /** This stage's learning-rate schedule. */
  schedule: LrSchedule;
}

export interface StagePosition {
  index: number;
  stage: StageConfig;
  /** Optimizer steps already done in this stage. */
  stageStep: number;
}

export function totalSteps(stages: readonly StageConfig[]): number {
  return stages.reduce((a, s) => a + s.steps, 0);
}

/** The stage that the optimizer step with 0-based global index `step` belongs to. */
export function stageAt(stages: readonly StageConfig[], step: number): StagePosition {
  let start = 0;
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i]!;
    if (step < start + s.steps) return { index: i, stage: s, stageStep: step - start };
    start += s.steps;
  }
  throw new RangeError(`step ${step} is past the last stage (the run has ${start} steps)`);
}

/** Checks one stage; `where` names it in messages (e.g. "stages[1]"). `multiple`: required size granularity. */
export function checkStage(s: StageConfig, where: string, multiple = 8): void {
  if (typeof s.name !== 'string' || s.name === '') throw new RangeError(`${where}.name = ${JSON.stringify(s.name)}; expected a non-empty string`);
  const posInt = (k: 'steps' | 'batchSize' | 'gradAccum') => {
    if (!(Number.isInteger(s[k]) && s[k] >= 1)) throw new RangeError(`${where}.${k} = ${JSON.stringify(s[k])}; expected a positive integer`);
  };
  posInt('steps'); posInt('batchSize'); posInt('gradAccum');
  for (const k of ['width', 'height'] as const) {
    if (!(Number.isInteger(s[k]) && s[k] > 0 && s[k] % multiple === 0)) throw new RangeError(`${where}.${k} = ${JSON.stringify(s[k])}; expected a positive multiple of ${multiple}`);
  }
  if (!(typeof s.leffaWeight === 'number' && s.leffaWeight >= 0 && Number.isFinite(s.leffaWeight))) throw new RangeError(`${where}.leffaWeight = ${JSON.stringify(s.leffaWeight)}; expected a number ≥ 0`);
  checkSchedule(s.schedule, `${where}.schedule`);
}
