// Every record handler the parity runner knows. A record id without a handler is reported as unsupported.
import type { RecordHandler } from '../types.ts';
import { genUnetHandler, refUnetHandler, vaeHandler } from './model-records.ts';
import { pipelineHandler } from './pipeline.ts';
import { schedulerHandler } from './scheduler.ts';
import { cfgHandler } from './cfg.ts';
import { trainStepHandler } from './train-step.ts';
import { opsHandler } from './ops.ts';
import { leffaLossHandler } from './leffa-loss.ts';

export const ALL_HANDLERS: RecordHandler[] = [
  vaeHandler,
  refUnetHandler,
  genUnetHandler,
  schedulerHandler,
  cfgHandler,
  pipelineHandler,
  trainStepHandler,
  opsHandler,
  leffaLossHandler,
];
