// The training loop (spec §5.2–5.4): progressive stages, gradient accumulation, clipping at global norm,
// AdamW, EMA, seeded data order and draws, atomic checkpoints that resume bit for bit, periodic samples on
// held-out pairs, progress events, cancellation by AbortSignal, and a hard stop on a non-finite loss.
//
// One optimizer step k:
//   lr = schedule(stage(k), stage step)
//   for each micro-batch j < gradAccum: pairs = data order's next batchSize; draws = f(seed, k, j);
//     g += ∇ (w_diff·MSE + λ·Leffa) / gradAccum
//   clip g to global norm ≤ clipNorm; AdamW(g, lr); EMA update; maybe checkpoint / samples.
// Everything random is a function of (seed, k, j) or (seed, epoch): see rng-state.ts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../tf.ts';
import type { LoadedLeffa } from '../leffa/loaded.ts';
import { AbortError } from '../pipelines/leffa-pipeline.ts';
import { DDPMScheduler } from '../schedulers/ddpm.ts';
import { resumeKey, type TrainConfig } from './config.ts';
import { DataOrder, disposePairTensors, pairsToTensors, type PairSource } from './dataset.ts';
import { disposeDraws, drawMicro } from './draws.ts';
import { Ema } from './ema.ts';
import type { StepEvent, TrainEvent } from './events.ts';
import { disposeOutputs, trainingGradients, type GradientOptions, type TrainingBatch } from './objective.ts';
import { AdamW, clipByGlobalNorm } from './optimizer.ts';
import { KeyedRng, rngState } from './rng-state.ts';
import { generateHeldOut, writeSampleGrid } from './samples.ts';
import { learningRate } from './schedule.ts';
import { stageAt, totalSteps } from './stages.ts';
import { checkpointDirName, latestCheckpoint, readCheckpointState, restoreCheckpoint, saveCheckpoint, writeJsonAtomic } from './train-checkpoint.ts';
import { makeTrainable, type Trainable } from './trainable.ts';

export interface LossValues {
  total: number;
  diffusion: number;
  /** The Leffa loss before λ, or null when it was not computed (stage without it, or every t ≥ θ). */
  leffa: number | null;
}

/** One micro-batch's loss values and gradients (by parameter name), owned by the caller. */
export interface MicroResult { grads: Map<string, tf.Tensor>; loss: LossValues }

/** Computes one micro-batch: objective.ts by default (`leffaObjective`); tests inject others. */
export type ObjectiveFn = (trainable: Trainable, batch: TrainingBatch, options: GradientOptions) => MicroResult;

/** The Leffa objective (models/train/objective.ts): loss_diffusion + λ·attn_loss and its gradients. */
export const leffaObjective: ObjectiveFn = (trainable, batch, options) => {
  const r = trainingGradients(trainable.loaded.model, trainable.store, trainable.store, batch, trainable.vars, options);
  try {
    const o = r.outputs;
    return {
      grads: r.grads,
      loss: { total: o.lossTotal.dataSync()[0]!, diffusion: o.lossDiffusion.dataSync()[0]!, leffa: o.perLayer.length ? o.attnLoss.dataSync()[0]! : null },
    };
  } finally {
    disposeOutputs(r.outputs);
  }
};

/** Thrown when a loss or gradient norm is NaN or infinite; the run stops, the last good checkpoint stays. */
export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly what: string, readonly loss: LossValues | null, readonly lastCheckpoint: string | null, readonly pairIds: string[]) {
    super(`training stopped at step ${step + 1}: the ${what} is not finite${loss ? ` (total ${loss.total}, diffusion ${loss.diffusion}, leffa ${loss.leffa})` : ''}; pairs ${pairIds.join(', ')}. ` +
      `Nothing of this step was applied; the last good checkpoint is ${lastCheckpoint ?? 'none (no checkpoint was written yet)'}. ` +
      'Lower the learning rate, check these pairs, or resume from the checkpoint.');
    this.name = 'NonFiniteLossError';
  }
}

export interface RunOptions {
  signal?: AbortSignal;
  onEvent?: (e: TrainEvent) => void;
  /** Continue from the newest checkpoint of config.output (true), or from a given checkpoint folder. */
  resume?: boolean | string;
  /** Stop after this many optimizer steps of this call without a final checkpoint (simulates a crash; tests). */
  stopAfter?: number;
}

export interface RunResult {
  step: number;
  cancelled: boolean;
  /** The newest checkpoint written or resumed from. */
  checkpoint: string | null;
  lastLoss: LossValues | null;
}

export interface TrainerSetup {
  config: TrainConfig;
  /** The model to train; the trainer takes it over (its dispose frees it). */
  loaded: LoadedLeffa;
  source: PairSource;
  objective?: ObjectiveFn;
}

const nextTick = () => new Promise<void>((r) => setImmediate(r));

export class Trainer {
  readonly config: TrainConfig;
  readonly trainable: Trainable;
  readonly optimizer: AdamW;
  readonly ema: Ema | null;
  readonly source: PairSource;
  readonly scheduler: DDPMScheduler;
  private readonly objective: ObjectiveFn;
  private readonly rng: KeyedRng;
  /** Optimizer steps completed. */
  step = 0;
  order: DataOrder;

  constructor(setup: TrainerSetup) {
    const c = setup.config;
    this.config = c;
    this.source = setup.source;
    this.objective = setup.objective ?? leffaObjective;
    const levels = setup.loaded.model.unet.downBlocks.length - 1;
    const multiple = setup.loaded.model.vae.scaleFactor * 2 ** levels;
    c.stages.forEach((s, i) => {
      if (s.width % multiple || s.height % multiple) throw new RangeError(`stages[${i}] (${s.name}): ${s.width}×${s.height}; this model needs multiples of ${multiple}`);
    });
    if (setup.source.trainSize < 1) throw new RangeError('the dataset has no training pairs');
    this.trainable = makeTrainable(setup.loaded, c.mode, c.lora, c.seed);
    this.optimizer = new AdamW(this.trainable.vars, c.optimizer);
    this.ema = c.ema.enabled ? new Ema(this.trainable.vars, c.ema) : null;
    this.scheduler = DDPMScheduler.fromConfig(setup.loaded.model.configs.scheduler);
    this.rng = new KeyedRng(c.seed);
    this.order = new DataOrder(setup.source.trainSize, c.seed);
  }

  get checkpointRoot(): string { return join(this.config.output, 'checkpoints'); }
  get totalSteps(): number { return totalSteps(this.config.stages); }

  private objectiveOptions(leffaWeight: number): GradientOptions {
    const l = this.config.leffa;
    return {
      leffa: { temperature: l.temperature, timestep_threshold: l.timestepThreshold, loss_type: l.lossType, weight: leffaWeight },
      leffaEnabled: leffaWeight > 0,
      checkpoint: this.config.gradientCheckpointing,
      scheduler: this.scheduler,
    };
  }

  /**
   * Loads a checkpoint into this (fresh) trainer: weights, moments, EMA, step and data position. The
   * checkpoint's configuration must match (else the run would not continue exactly); `fork: true` skips
   * that check, for experiments that branch one run into variants (scripts/bench-leffa.ts).
   */
  resumeFrom(dir: string, opts: { fork?: boolean } = {}): void {
    const { config } = readCheckpointState(dir);
    if (!opts.fork && resumeKey(config as TrainConfig) !== resumeKey(this.config)) {
      throw new Error(`checkpoint ${dir} was written by a run with a different configuration (model, mode, LoRA, dataset, seed, optimizer, EMA, dropout, Leffa options or stages differ); resuming would not continue that run — start a new output folder instead`);
    }
    const state = restoreCheckpoint(dir, { trainable: this.trainable, optimizer: this.optimizer, ema: this.ema });
    this.step = state.step;
    this.order.position = { ...state.data };
  }

  saveCheckpoint(lastLoss: LossValues | null): string {
    const pos = this.step < this.totalSteps ? stageAt(this.config.stages, this.step) : { index: this.config.stages.length - 1, stage: this.config.stages.at(-1)!, stageStep: this.config.stages.at(-1)!.steps };
    return saveCheckpoint(this.checkpointRoot, { config: this.config, trainable: this.trainable, optimizer: this.optimizer, ema: this.ema }, {
      step: this.step, totalSteps: this.totalSteps,
      stage: { index: pos.index, name: pos.stage.name, stageStep: pos.stageStep },
      rng: rngState(this.config.seed), data: { ...this.order.position }, lastLoss,
    }, this.config.checkpoint.keep);
  }

  /** One optimizer step (all micro-batches). Returns the event payload. */
  private async trainStep(lastCheckpoint: string | null): Promise<Omit<StepEvent, 'type' | 'stepMs' | 'elapsedMs' | 'etaMs'>> {
    const c = this.config;
    const pos = stageAt(c.stages, this.step);
    const st = pos.stage;
    const lr = learningRate(st.schedule, pos.stageStep);
    const options = this.objectiveOptions(st.leffaWeight);
    const vf = this.trainable.loaded.model.vae.scaleFactor; // latent = canvas / vf
    const acc = new Map<string, tf.Tensor>();
    const sum = { total: 0, diffusion: 0, leffa: 0, leffaCount: 0 };
    let dropped = 0;
    const ids: string[] = [];
    try {
      for (let j = 0; j < st.gradAccum; j++) {
        const idx = this.order.take(st.batchSize);
        const pairs = await Promise.all(idx.map((i) => this.source.load('train', i, st)));
        ids.push(...pairs.map((p) => p.id));
        const images = pairsToTensors(pairs);
        const draws = drawMicro(this.rng, this.step, j, [st.batchSize, st.height / vf, st.width / vf, 4], this.scheduler.numTrainTimesteps, c.referenceDropout);
        let r: MicroResult;
        try {
          r = this.objective(this.trainable, {
            ...images, timesteps: draws.timesteps, dropReference: draws.dropReference,
            noise: { vaeImage: draws.vaeImage, vaeMasked: draws.vaeMasked, vaeCloth: draws.vaeGarment, diffusion: draws.noise },
          }, options);
        } finally {
          disposePairTensors(images);
          disposeDraws(draws);
        }
        if (!Number.isFinite(r.loss.total)) {
          tf.dispose([...r.grads.values()]);
          throw new NonFiniteLossError(this.step, 'loss', r.loss, lastCheckpoint, ids);
        }
        dropped += draws.dropReference ? 1 : 0;
        sum.total += r.loss.total; sum.diffusion += r.loss.diffusion;
        if (r.loss.leffa !== null) { sum.leffa += r.loss.leffa; sum.leffaCount += 1; }
        for (const [k, g] of r.grads) {
          const prev = acc.get(k);
          if (!prev) { acc.set(k, g); continue; }
          acc.set(k, tf.tidy(() => prev.add(g)));
          prev.dispose(); g.dispose();
        }
      }
      if (st.gradAccum > 1) {
        for (const [k, g] of acc) { acc.set(k, tf.tidy(() => g.div(st.gradAccum))); g.dispose(); }
      }
      const gradNorm = clipByGlobalNorm(acc, c.optimizer.clipNorm);
      const loss = { total: sum.total / st.gradAccum, diffusion: sum.diffusion / st.gradAccum, leffa: sum.leffaCount ? sum.leffa / sum.leffaCount : null };
      if (!Number.isFinite(gradNorm)) throw new NonFiniteLossError(this.step, 'gradient norm', loss, lastCheckpoint, ids);
      this.optimizer.step(acc, lr);
      this.ema?.update();
      this.step += 1;
      return {
        step: this.step, totalSteps: this.totalSteps, stage: pos.index, stageName: st.name, stageStep: pos.stageStep + 1,
        loss, gradNorm, lr, referenceDropped: dropped, epoch: this.order.position.epoch,
      };
    } finally {
      tf.dispose([...acc.values()]);
    }
  }

  /** Writes a sample grid for the current step (EMA weights when configured). */
  async writeSamples(signal?: AbortSignal): Promise<string | null> {
    const c = this.config;
    if (this.source.heldOutSize === 0 || c.samples.count === 0) return null;
    const st = stageAt(c.stages, Math.min(this.step, this.totalSteps - 1)).stage;
    const run = () => generateHeldOut(this.trainable.loaded, this.source, { count: c.samples.count, steps: c.samples.steps, guidance: c.samples.guidance, seed: c.samples.seed, width: st.width, height: st.height, signal });
    const { pairs, outputs } = this.ema && c.samples.useEma ? await this.ema.withAveraged(run) : await run();
    const dir = join(c.output, 'samples');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${checkpointDirName(this.step)}.png`);
    await writeSampleGrid(file, pairs, outputs, { 'leffa-studio:train-step': String(this.step), 'leffa-studio:weights': this.ema && c.samples.useEma ? 'ema' : 'live' });
    return file;
  }

  async run(opts: RunOptions = {}): Promise<RunResult> {
    const c = this.config;
    const emit = opts.onEvent ?? (() => {});
    mkdirSync(c.output, { recursive: true });
    let lastCheckpoint: string | null = null;
    if (opts.resume) {
      const dir = typeof opts.resume === 'string' ? opts.resume : latestCheckpoint(this.checkpointRoot);
      if (dir) { this.resumeFrom(dir); lastCheckpoint = dir; }
    }
    writeJsonAtomic(join(c.output, 'train.json'), c);
    const total = this.totalSteps;
    emit({ type: 'start', step: this.step, totalSteps: total, resumedFrom: lastCheckpoint, mode: c.mode, trainedValues: this.trainable.numel, trainPairs: this.source.trainSize, heldOutPairs: this.source.heldOutSize });
    const t0 = performance.now();
    const startStep = this.step;
    let lastStage = -1;
    let lastLoss: LossValues | null = null;
    let cancelled = false;
    while (this.step < total) {
      if (opts.signal?.aborted) { cancelled = true; break; }
      if (opts.stopAfter !== undefined && this.step - startStep >= opts.stopAfter) return { step: this.step, cancelled: false, checkpoint: lastCheckpoint, lastLoss };
      const pos = stageAt(c.stages, this.step);
      if (pos.index !== lastStage) {
        const s = pos.stage;
        emit({ type: 'stage', stage: pos.index, name: s.name, width: s.width, height: s.height, steps: s.steps, batchSize: s.batchSize, gradAccum: s.gradAccum, leffaWeight: s.leffaWeight });
        lastStage = pos.index;
      }
      const ts = performance.now();
      const info = await this.trainStep(lastCheckpoint);
      lastLoss = info.loss;
      const now = performance.now();
      const done = this.step - startStep;
      emit({ type: 'step', ...info, stepMs: now - ts, elapsedMs: now - t0, etaMs: ((now - t0) / done) * (total - this.step) });
      const stageEnd = info.stageStep === pos.stage.steps;
      if (this.step % c.checkpoint.every === 0 || stageEnd || this.step === total) {
        lastCheckpoint = this.saveCheckpoint(lastLoss);
        emit({ type: 'checkpoint', step: this.step, dir: lastCheckpoint });
      }
      if (c.samples.every > 0 && (this.step % c.samples.every === 0 || this.step === total)) {
        try {
          const file = await this.writeSamples(opts.signal);
          if (file) emit({ type: 'sample', step: this.step, files: [file] });
        } catch (e) {
          if (!(e instanceof AbortError)) throw e; // cancelled while sampling: the loop stops below
        }
      }
      await nextTick(); // let a cancel request arrive
    }
    if (cancelled && this.step > startStep && !lastCheckpoint?.endsWith(checkpointDirName(this.step))) {
      lastCheckpoint = this.saveCheckpoint(lastLoss); // cancel = pause: the next --resume continues from here
      emit({ type: 'checkpoint', step: this.step, dir: lastCheckpoint });
    }
    emit({ type: 'done', step: this.step, checkpoint: lastCheckpoint, cancelled });
    return { step: this.step, cancelled, checkpoint: lastCheckpoint, lastLoss };
  }

  /** Frees the model, the optimizer state and the EMA. */
  dispose(): void {
    this.optimizer.dispose();
    this.ema?.dispose();
    this.trainable.dispose();
    this.trainable.loaded.dispose();
  }
}
