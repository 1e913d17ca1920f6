// Progress events of a training run, one `step` event per optimizer step (for the CLI's progress bar and
// the app's loss chart), plus the run's landmarks.

export interface StepEvent {
  type: 'step';
  /** Optimizer steps completed (1-based index of the step just done). */
  step: number;
  totalSteps: number;
  stage: number;
  stageName: string;
  stageStep: number;
  loss: { total: number; diffusion: number; leffa: number | null };
  /** Global gradient norm before clipping. */
  gradNorm: number;
  lr: number;
  stepMs: number;
  elapsedMs: number;
  etaMs: number;
  /** Micro-batches of this step trained with a zeroed reference (CFG dropout). */
  referenceDropped: number;
  epoch: number;
}

export type TrainEvent =
  | { type: 'start'; step: number; totalSteps: number; resumedFrom: string | null; mode: 'full' | 'lora'; trainedValues: number; trainPairs: number; heldOutPairs: number }
  | { type: 'stage'; stage: number; name: string; width: number; height: number; steps: number; batchSize: number; gradAccum: number; leffaWeight: number }
  | StepEvent
  | { type: 'checkpoint'; step: number; dir: string }
  | { type: 'sample'; step: number; files: string[] }
  | { type: 'done'; step: number; checkpoint: string | null; cancelled: boolean };
