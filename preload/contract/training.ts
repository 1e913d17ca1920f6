// Part of the API contract (preload/contract.ts, which re-exports it): Training sets and runs (the Finetune
// screen).
// Types only.
import type { Category } from './base.ts';

// ---- training (Finetune screen, main/services/training-service.ts) --------------------------------

export type TrainingRunStatus = 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

/** One pair of a new training set: a model photo wearing the garment, and the garment (which photo: default flat-lay first). */
export interface TrainingPairInput {
  modelPhotoId: number;
  garmentId: number;
  garmentPhotoId?: number;
  /** Default: the garment's category. */
  category?: Category;
}

export interface TrainingPair {
  id: number;
  position: number;
  modelPhotoId: number;
  modelPhotoName: string;
  modelPhotoHash: string;
  garmentId: number;
  garmentSku: string;
  garmentPhotoId: number;
  garmentPhotoHash: string;
  category: Category;
  split: 'train' | 'heldout';
  /** Inputs the pair still lacks (the photo's mask for the category; its DensePose image). */
  missing: Array<'mask' | 'densepose'>;
}

export interface TrainingSetSummary {
  id: number;
  name: string;
  seed: number;
  holdoutFraction: number;
  pairs: number;
  heldOut: number;
  /** Pairs that lack a mask or DensePose image (a run refuses the set until they have them). */
  incomplete: number;
  createdAt: number;
}

export interface TrainingSetDetail extends TrainingSetSummary {
  items: TrainingPair[];
}

export interface TrainingStartRequest {
  setId: number;
  baseCheckpointId: number;
  mode: 'full' | 'lora';
  /** LoRA rank (default 16). */
  rank?: number;
  steps: number;
  learningRate: number;
  leffaLoss: { enabled: boolean; weight: number };
  /** Sample the held-out pairs every N steps (0: only at the end). */
  sampleEvery: number;
  seed: number;
  /** Training canvas (multiples of the model's size step; default 384×512). */
  width?: number;
  height?: number;
  /** Denoising steps of the held-out samples (default 20). */
  sampleSteps?: number;
}

export interface TrainingMetric {
  step: number;
  total: number;
  diffusion: number;
  leffa: number | null;
  lr: number;
  gradNorm: number;
  stepMs: number;
}

export interface TrainingSample {
  step: number;
  blobHash: string;
}

export interface TrainingRunSummary {
  id: number;
  setId: number;
  setName: string;
  baseCheckpointId: number;
  mode: 'full' | 'lora';
  status: TrainingRunStatus;
  step: number;
  totalSteps: number;
  error: string | null;
  /** The checkpoint the run registered (succeeded runs). */
  checkpointId: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface TrainingRunDetail extends TrainingRunSummary {
  config: TrainingStartRequest;
  metrics: TrainingMetric[];
  samples: TrainingSample[];
}

/** What happens to a training run, pushed as `training:event`. */
export type TrainingEvent =
  | { type: 'status'; run: TrainingRunSummary; queuePaused: boolean }
  | { type: 'step'; runId: number; totalSteps: number; etaMs: number; metric: TrainingMetric }
  | { type: 'sample'; runId: number; sample: TrainingSample };
