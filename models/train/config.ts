// The training configuration (`train.json`): what `leffa-studio train --config` reads and what every
// checkpoint stores beside its tensors. Parsed by hand so each message names the key, the value and what
// was expected; relative paths are resolved against the config file's folder. Defaults follow Leffa's WIP
// training config (spec §5.4). Documented field by field in models/train/README.md.
import { dirname, isAbsolute, resolve } from 'node:path';
import { checkAdamW } from './optimizer.ts';
import { checkEma } from './ema.ts';
import { checkLora, type LoraOptions } from './lora.ts';
import { checkSeed } from './rng-state.ts';
import type { LrScheduleType } from './schedule.ts';
import { checkStage, type StageConfig } from './stages.ts';

export type TrainMode = 'full' | 'lora';

export interface ModelSource {
  /** Checkpoint to start from (.pth / .safetensors / diffusers folder); absent with init "random". */
  weights?: string;
  /** diffusers base config folder (default: recognised from the checkpoint, as `openLeffa`). */
  base?: string;
  /** "weights" (default) or "random": seeded random UNets (from-scratch experiments; needs `base`). */
  init: 'weights' | 'random';
  /** With init "random": a checkpoint whose `vae.*` weights are used (the VAE is frozen). */
  vaeWeights?: string;
}

export type DatasetConfig =
  | { type: 'folder'; path: string; holdout: number }
  | { type: 'synthetic'; seed: number; size: number; holdout: number; detail: number };

export interface TrainConfig {
  model: ModelSource;
  mode: TrainMode;
  lora?: LoraOptions;
  dataset: DatasetConfig;
  /** Run folder: checkpoints/, samples/, train.json. */
  output: string;
  seed: number;
  optimizer: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; clipNorm: number };
  ema: { enabled: boolean; decay: number; warmup: boolean };
  /** Probability that a micro-batch's reference latent is replaced by zeros (CFG; spec §5.2: 0.1). */
  referenceDropout: number;
  leffa: { temperature: number; timestepThreshold: number; lossType: 'smooth_l1' | 'l2' };
  /** Recompute every UNet block in the backward pass instead of keeping its activations (objective.ts). */
  gradientCheckpointing: boolean;
  stages: StageConfig[];
  checkpoint: { every: number; keep: number };
  samples: { every: number; count: number; steps: number; guidance: number; seed: number; useEma: boolean };
}

export class ConfigError extends Error {
  constructor(m: string) { super(m); this.name = 'ConfigError'; }
}

type Raw = Record<string, unknown>;

function obj(v: unknown, where: string): Raw {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${where} = ${JSON.stringify(v)}; expected an object`);
  return v as Raw;
}

function noExtra(o: Raw, where: string, allowed: string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new ConfigError(`${where}.${k}: unknown key; expected one of ${allowed.join(', ')}`);
  }
}

function num(o: Raw, k: string, where: string, dflt?: number, check?: (v: number) => boolean, what = 'a number'): number {
  const v = o[k] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || (check && !check(v))) throw new ConfigError(`${where}.${k} = ${JSON.stringify(o[k])}; expected ${what}`);
  return v;
}
const int = (o: Raw, k: string, where: string, dflt?: number, min = 0) =>
  num(o, k, where, dflt, (v) => Number.isInteger(v) && v >= min, `an integer ≥ ${min}`);

function str(o: Raw, k: string, where: string, dflt?: string): string {
  const v = o[k] ?? dflt;
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${where}.${k} = ${JSON.stringify(o[k])}; expected a non-empty string`);
  return v;
}

function bool(o: Raw, k: string, where: string, dflt: boolean): boolean {
  const v = o[k] ?? dflt;
  if (typeof v !== 'boolean') throw new ConfigError(`${where}.${k} = ${JSON.stringify(o[k])}; expected true or false`);
  return v;
}

function oneOf<T extends string>(o: Raw, k: string, where: string, values: readonly T[], dflt: T): T {
  const v = o[k] ?? dflt;
  if (!values.includes(v as T)) throw new ConfigError(`${where}.${k} = ${JSON.stringify(o[k])}; expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  return v as T;
}

function wrap<T>(f: () => T): T {
  try { return f(); } catch (e) { throw e instanceof ConfigError ? e : new ConfigError((e as Error).message); }
}

/** Parses and validates a raw config object; `baseDir` resolves relative paths. */
export function parseTrainConfig(raw: unknown, baseDir = process.cwd()): TrainConfig {
  const r = obj(raw, 'config');
  noExtra(r, 'config', ['model', 'mode', 'lora', 'dataset', 'output', 'seed', 'optimizer', 'schedule', 'ema', 'referenceDropout', 'leffa', 'gradientCheckpointing', 'stages', 'checkpoint', 'samples']);
  const path = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));

  const m = obj(r.model, 'model');
  noExtra(m, 'model', ['weights', 'base', 'init', 'vaeWeights']);
  const init = oneOf(m, 'init', 'model', ['weights', 'random'] as const, 'weights');
  const model: ModelSource = { init };
  if (init === 'weights') model.weights = path(str(m, 'weights', 'model'));
  if (m.base !== undefined) model.base = path(str(m, 'base', 'model'));
  if (init === 'random' && !model.base) throw new ConfigError('model.base is required with model.init "random" (the architecture comes from its configs)');
  if (m.vaeWeights !== undefined) model.vaeWeights = path(str(m, 'vaeWeights', 'model'));

  const mode = oneOf(r, 'mode', 'config', ['full', 'lora'] as const, 'full');
  let lora: LoraOptions | undefined;
  if (mode === 'lora') {
    const l = obj(r.lora, 'lora');
    noExtra(l, 'lora', ['rank', 'alpha', 'feedForward', 'unets']);
    lora = { rank: int(l, 'rank', 'lora', 16, 1), feedForward: bool(l, 'feedForward', 'lora', false) };
    if (l.alpha !== undefined) lora.alpha = num(l, 'alpha', 'lora', undefined, (v) => v > 0, 'a positive number');
    if (l.unets !== undefined) lora.unets = l.unets as LoraOptions['unets'];
    wrap(() => checkLora(lora!, 'lora'));
  } else if (r.lora !== undefined) {
    throw new ConfigError('lora is set but mode is "full"; set mode to "lora" or remove the lora section');
  }

  const d = obj(r.dataset, 'dataset');
  const dtype = oneOf(d, 'type', 'dataset', ['folder', 'synthetic'] as const, 'folder');
  let dataset: DatasetConfig;
  if (dtype === 'folder') {
    noExtra(d, 'dataset', ['type', 'path', 'holdout']);
    dataset = { type: 'folder', path: path(str(d, 'path', 'dataset')), holdout: int(d, 'holdout', 'dataset', 2) };
  } else {
    noExtra(d, 'dataset', ['type', 'seed', 'size', 'holdout', 'detail']);
    dataset = {
      type: 'synthetic', seed: int(d, 'seed', 'dataset', 0), size: int(d, 'size', 'dataset', 256, 1), holdout: int(d, 'holdout', 'dataset', 4),
      detail: num(d, 'detail', 'dataset', 1, (v) => v > 0, 'a positive number'),
    };
  }

  const seed = int(r, 'seed', 'config', 42);
  wrap(() => checkSeed(seed));

  const o = obj(r.optimizer, 'optimizer');
  noExtra(o, 'optimizer', ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'clipNorm']);
  const optimizer = {
    lr: num(o, 'lr', 'optimizer', 1e-5, (v) => v > 0, 'a positive number'),
    beta1: num(o, 'beta1', 'optimizer', 0.9), beta2: num(o, 'beta2', 'optimizer', 0.999),
    eps: num(o, 'eps', 'optimizer', 1e-8), weightDecay: num(o, 'weightDecay', 'optimizer', 1e-2),
    clipNorm: num(o, 'clipNorm', 'optimizer', 1.0, (v) => v > 0, 'a positive number (the global gradient norm bound)'),
  };
  wrap(() => checkAdamW(optimizer, 'optimizer'));

  const sc = obj(r.schedule, 'schedule');
  noExtra(sc, 'schedule', ['type', 'warmupSteps']);
  const schedType = oneOf<LrScheduleType>(sc, 'type', 'schedule', ['constant', 'warmup'], 'constant');
  const warmupSteps = schedType === 'warmup' ? int(sc, 'warmupSteps', 'schedule', undefined, 1) : undefined;

  const e = obj(r.ema, 'ema');
  noExtra(e, 'ema', ['enabled', 'decay', 'warmup']);
  const ema = { enabled: bool(e, 'enabled', 'ema', true), decay: num(e, 'decay', 'ema', 0.9999), warmup: bool(e, 'warmup', 'ema', false) };
  wrap(() => checkEma(ema, 'ema'));

  const referenceDropout = num(r, 'referenceDropout', 'config', 0.1, (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');

  const lf = obj(r.leffa, 'leffa');
  noExtra(lf, 'leffa', ['temperature', 'timestepThreshold', 'lossType']);
  const leffa = {
    temperature: num(lf, 'temperature', 'leffa', 2.0, (v) => v > 0, 'a positive number'),
    timestepThreshold: int(lf, 'timestepThreshold', 'leffa', 500),
    lossType: oneOf(lf, 'lossType', 'leffa', ['smooth_l1', 'l2'] as const, 'smooth_l1'),
  };

  const gradientCheckpointing = bool(r, 'gradientCheckpointing', 'config', false);

  if (!Array.isArray(r.stages) || r.stages.length === 0) throw new ConfigError(`stages = ${JSON.stringify(r.stages)}; expected a non-empty array of stages`);
  const stages = r.stages.map((raw, i): StageConfig => {
    const w = `stages[${i}]`;
    const s = obj(raw, w);
    noExtra(s, w, ['name', 'steps', 'width', 'height', 'batchSize', 'gradAccum', 'leffaWeight', 'lr', 'warmupSteps']);
    const lr = num(s, 'lr', w, optimizer.lr, (v) => v > 0, 'a positive number');
    const ws = s.warmupSteps !== undefined ? int(s, 'warmupSteps', w, undefined, 1) : warmupSteps;
    const st: StageConfig = {
      name: str(s, 'name', w, `stage-${i}`),
      steps: int(s, 'steps', w, undefined, 1),
      width: int(s, 'width', w, undefined, 8), height: int(s, 'height', w, undefined, 8),
      batchSize: int(s, 'batchSize', w, 1, 1), gradAccum: int(s, 'gradAccum', w, 1, 1),
      leffaWeight: num(s, 'leffaWeight', w, 0),
      schedule: ws !== undefined ? { type: 'warmup', lr, warmupSteps: ws } : { type: 'constant', lr },
    };
    wrap(() => checkStage(st, w));
    return st;
  });

  const c = obj(r.checkpoint, 'checkpoint');
  noExtra(c, 'checkpoint', ['every', 'keep']);
  const checkpoint = { every: int(c, 'every', 'checkpoint', 500, 1), keep: int(c, 'keep', 'checkpoint', 3, 1) };

  const sm = obj(r.samples, 'samples');
  noExtra(sm, 'samples', ['every', 'count', 'steps', 'guidance', 'seed', 'useEma']);
  const samples = {
    every: int(sm, 'every', 'samples', 0), count: int(sm, 'count', 'samples', 2),
    steps: int(sm, 'steps', 'samples', 30, 1), guidance: num(sm, 'guidance', 'samples', 2.5, (v) => v >= 0, 'a number ≥ 0'),
    seed: int(sm, 'seed', 'samples', 42), useEma: bool(sm, 'useEma', 'samples', true),
  };

  return {
    model, mode, ...(lora ? { lora } : {}), dataset, output: path(str(r, 'output', 'config')), seed, optimizer, ema,
    referenceDropout, leffa, gradientCheckpointing, stages, checkpoint, samples,
  };
}

/** The part of a config that must not change when a run is resumed (else it would not continue exactly). */
export function resumeKey(c: TrainConfig): string {
  return JSON.stringify({ model: c.model, mode: c.mode, lora: c.lora ?? null, dataset: c.dataset, seed: c.seed, optimizer: c.optimizer, ema: c.ema, referenceDropout: c.referenceDropout, leffa: c.leffa, stages: c.stages });
}

export function configDir(configPath: string): string { return dirname(resolve(configPath)); }
