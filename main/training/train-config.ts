// The train.json (models/train/README.md) a training run of the app hands the engine: one stage at the
// chosen canvas, the Leffa loss weight (0 = off), AdamW at the chosen learning rate, EMA with warm-up (so a
// short run's averaged weights follow it), samples of up to two held-out pairs every N steps (and at the
// end), checkpoints often enough that a stop loses little, gradient checkpointing for full-size models. The
// dataset's split comes from pairs.jsonl.
import { statSync } from 'node:fs';
import type { TrainingStartRequest } from '../../preload/contract.ts';

export interface RunPaths {
  /** The base checkpoint's weights file (a blob of the project). */
  weights: string;
  /** Its diffusers base config folder, for non-standard models. */
  base?: string;
  /** The materialised dataset folder. */
  dataset: string;
  /** The run's output folder (checkpoints/, samples/). */
  output: string;
}

export const DEFAULT_SIZE = { width: 384, height: 512 } as const;

/**
 * Base checkpoints larger than this (every released Leffa one: 7.2 GB and 20.9 GB) train with gradient
 * checkpointing. Measured for full fine-tuning of SD1.5 Leffa at 512x384 on an NVIDIA H200 (WebGPU): 8.8 s
 * per step with it against 9.9 s without, and a 13.2 GB peak against 75.7 GB; on wasm it is what keeps a
 * full-size step inside the 4 GiB heap (models/train/README.md). Small models (tests, the benchmark) train
 * faster without it.
 */
export const CHECKPOINTING_ABOVE_BYTES = 2 ** 30;

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // the engine reports a missing weights file itself, naming it
  }
}

export function buildTrainConfig(req: TrainingStartRequest, paths: RunPaths, heldOut: number): Record<string, unknown> {
  const steps = req.steps;
  return {
    model: { weights: paths.weights, ...(paths.base !== undefined && { base: paths.base }) },
    mode: req.mode,
    ...(req.mode === 'lora' && { lora: { rank: req.rank ?? 16 } }),
    dataset: { type: 'folder', path: paths.dataset, holdout: 0 },
    output: paths.output,
    seed: req.seed,
    optimizer: { lr: req.learningRate },
    ema: { enabled: true, decay: 0.9999, warmup: true },
    gradientCheckpointing: fileBytes(paths.weights) > CHECKPOINTING_ABOVE_BYTES,
    stages: [{
      name: 'finetune', steps, width: req.width ?? DEFAULT_SIZE.width, height: req.height ?? DEFAULT_SIZE.height, batchSize: 1, gradAccum: 1,
      leffaWeight: req.leffaLoss.enabled ? req.leffaLoss.weight : 0,
    }],
    checkpoint: { every: Math.max(1, Math.min(steps, 100)), keep: 2 },
    samples: {
      every: req.sampleEvery > 0 ? req.sampleEvery : steps, count: Math.min(2, heldOut), steps: req.sampleSteps ?? 20, guidance: 2.5, seed: req.seed,
    },
  };
}

/** Width and height of a PNG from its IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (png.byteLength < 24 || v.getUint32(12) !== 0x49484452) throw new Error('sample image: not a PNG (no IHDR chunk)');
  return { width: v.getUint32(16), height: v.getUint32(20) };
}
