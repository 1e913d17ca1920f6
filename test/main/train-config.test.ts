// The train.json the app hands the engine (main/training/train-config.ts): it must parse as a train config,
// carry the request's choices, and turn gradient checkpointing on for full-size base checkpoints only
// (> 1 GiB: every released Leffa model) — decided from the weights file's size on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainConfig, CHECKPOINTING_ABOVE_BYTES } from '../../main/training/train-config.ts';
import { parseTrainConfig } from '../../models/train/config.ts';
import type { TrainingStartRequest } from '../../preload/contract.ts';

const req: TrainingStartRequest = {
  setId: 1, baseCheckpointId: 2, mode: 'lora', rank: 8, steps: 250, learningRate: 2e-5,
  leffaLoss: { enabled: true, weight: 1e-3 }, sampleEvery: 50, seed: 7, width: 384, height: 512,
};

function withWeights(bytes: number, f: (weights: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'train-config-'));
  try {
    const weights = join(dir, 'weights.safetensors');
    writeFileSync(weights, '');
    const fd = openSync(weights, 'r+');
    ftruncateSync(fd, bytes); // sparse: takes no disk space
    closeSync(fd);
    f(weights, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a full-size base checkpoint (> 1 GiB) trains with gradient checkpointing; the config parses', () => {
  withWeights(CHECKPOINTING_ABOVE_BYTES + 1, (weights, dir) => {
    const raw = buildTrainConfig(req, { weights, dataset: join(dir, 'dataset'), output: join(dir, 'run') }, 2);
    assert.equal(raw.gradientCheckpointing, true);
    const c = parseTrainConfig(raw);
    assert.equal(c.gradientCheckpointing, true);
    assert.equal(c.mode, 'lora');
    assert.equal(c.lora?.rank, 8);
    assert.equal(c.stages.length, 1);
    assert.equal(c.stages[0]!.leffaWeight, 1e-3);
    assert.equal(c.stages[0]!.steps, 250);
    assert.equal(c.checkpoint.every, 100); // min(steps, 100)
  });
});

test('a small base checkpoint (exactly 1 GiB, or a missing file) trains without it', () => {
  withWeights(CHECKPOINTING_ABOVE_BYTES, (weights, dir) => {
    assert.equal(buildTrainConfig(req, { weights, dataset: join(dir, 'd'), output: join(dir, 'o') }, 2).gradientCheckpointing, false);
    assert.equal(buildTrainConfig(req, { weights: join(dir, 'missing.pth'), dataset: join(dir, 'd'), output: join(dir, 'o') }, 2).gradientCheckpointing, false);
  });
});
