// The worker's `train` method: one training run (models/train) from a train.json object, in the engine
// worker thread. Progress goes out as `train` events (start, stage, step with the loss terms and lr,
// checkpoint, done) and each held-out sample grid as a `train-sample` event carrying its PNG bytes.
// Cancelling the request is "pause": the trainer finishes its step and writes a resumable checkpoint.
// A run that reaches its last step is exported (full: a complete state dict; LoRA: the adapter alone).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseTrainConfig } from '../../models/train/config.ts';
import { exportLoraAdapter, exportModel } from '../../models/train/export.ts';
import { createTrainer } from '../../models/train/setup.ts';
import { unloadLora } from './generate.ts';
import type { MethodContext } from './methods.ts';
import type { ModelCache } from './model-cache.ts';
import type { TrainParams, TrainResult } from './protocol.ts';

export async function train(cache: ModelCache, p: TrainParams, ctx: MethodContext): Promise<TrainResult> {
  if (typeof p?.exportTo !== 'string' || !p.exportTo.toLowerCase().endsWith('.safetensors')) {
    throw new Error(`train: exportTo = ${JSON.stringify(p?.exportTo)}; expected a path ending in .safetensors`);
  }
  const config = parseTrainConfig(p.config);
  // Training needs the memory: the sampling model goes (it is loaded again by the next cell).
  cache.unload();
  unloadLora();
  const trainer = await createTrainer(config);
  try {
    const res = await trainer.run({
      resume: p.resume,
      signal: ctx.signal,
      onEvent: (e) => {
        if (e.type !== 'sample') { ctx.emit({ type: 'train', event: e }); return; }
        for (const file of e.files) ctx.emit({ type: 'train-sample', step: e.step, png: new Uint8Array(readFileSync(file)) });
      },
    });
    let exported: string | null = null;
    if (!res.cancelled && res.step >= trainer.totalSteps && res.checkpoint) {
      mkdirSync(dirname(p.exportTo), { recursive: true });
      exported = config.mode === 'lora'
        ? exportLoraAdapter(res.checkpoint, p.exportTo).path
        : exportModel({ checkpoint: res.checkpoint, out: p.exportTo }).path;
    }
    return { step: res.step, cancelled: res.cancelled, checkpoint: res.checkpoint, lastLoss: res.lastLoss, exported };
  } finally {
    trainer.dispose();
  }
}
