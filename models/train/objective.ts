// The Leffa training objective (docs/leffa-spec.md §5.2–5.3; fixtures README §4.8), NHWC:
//
//   frozen, no gradient (prepareTrainingInputs):
//     x0       = VAE(image) posterior sample · sf                       [B, h, w, 4]
//     masked   = VAE(image · (inpaint_mask < 0.5)) sample · sf          [B, h, w, 4]
//     ref      = VAE(cloth) sample · sf  (zeros when the garment is dropped, §5.2's 10 % dropout)
//     mask, densepose nearest-downsampled ×8 (pixel (8i, 8j))           [B, h, w, 1] / [B, h, w, 3]
//     x_t      = scheduler.addNoise(x0, noise, t)
//   differentiable w.r.t. the UNet parameters (trainingObjective):
//     features   = reference UNet(ref, t)                                (LayerNorm1 outputs by layer)
//     model_pred = generative UNet([x_t | mask | masked | densepose], t, features)
//     loss_diffusion = mean((model_pred − noise)²)
//     attn_loss  = Leffa loss over every generative self-attention except the mid block, from the query
//                  of the gen tokens and the key of the reference tokens (the `onQueryKey` hook), with
//                  target = image, reference = cloth, mask = warped_mask (models/losses/leffa-loss.ts)
//     loss_total = loss_diffusion + λ · attn_loss                         (λ = 1e-3)
//   gradients (trainingGradients): of loss_total (or one term) w.r.t. chosen tf.Variables.
//
// Trainable parameters are tf.Variables held by a VariableParamStore (both UNets; the VAE stays frozen in
// the loaded model's store).
import * as tf from '../tf.ts';
import type { LoadedLeffa } from '../leffa/loaded.ts';
import { LeffaModel } from '../leffa/model.ts';
import type { ParamStore } from '../nn/params.ts';
import { downsampleNearest } from '../pipelines/leffa-pipeline.ts';
import { DDPMScheduler } from '../schedulers/ddpm.ts';
import type { DiffusionScheduler } from '../schedulers/types.ts';
import { combineLeffaLayers, leffaLayerLoss, timestepGate, type LeffaImages, type LeffaLossOptions } from '../losses/leffa-loss.ts';
import { resolveLeffaOptions } from '../losses/leffa-options.ts';
import { withCheckpointing, type CheckpointOptions } from './checkpointing.ts';
import { registerTrainingKernels } from './kernels/register.ts';

// ------------------------------------------------------------------------------------ trainable store

export interface VariableStoreOptions {
  /** Which parameters become variables (default: every used parameter of both UNets). */
  trainable?: (name: string) => boolean;
}

/** Default trainable set (spec §5.2): both UNets fully trainable, the VAE frozen. */
export const trainUNets = (name: string): boolean => name.startsWith('unet.') || name.startsWith('unet_encoder.');

/**
 * A ParamStore whose trainable parameters are tf.Variables (created from the base store's values; they
 * share its data until the optimizer first assigns them) and whose other parameters are read from the
 * base store. dispose() frees the variables only; the base store stays the caller's.
 */
export class VariableParamStore implements ParamStore {
  /** Parameter name (state-dict key) → variable. */
  readonly variables = new Map<string, tf.Variable>();

  constructor(private readonly base: ParamStore, names: Iterable<string>) {
    try {
      for (const name of names) {
        // A host store uploads a fresh tensor on get(): the tidy frees it once the variable holds the data;
        // a resident store's tensor (made outside the tidy) is untouched.
        this.variables.set(name, tf.tidy(() => tf.variable(base.get(name), true)));
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Variables for the trainable subset of a loaded model's used parameters. */
  static fromLoaded(loaded: Pick<LoadedLeffa, 'model' | 'params'>, opts: VariableStoreOptions = {}): VariableParamStore {
    const pick = opts.trainable ?? trainUNets;
    const names = loaded.model.params().filter(LeffaModel.isUsed).map((s) => s.name).filter(pick);
    return new VariableParamStore(loaded.params, names);
  }

  get(name: string): tf.Tensor {
    return this.variables.get(name) ?? this.base.get(name);
  }

  dispose(): void {
    tf.dispose([...this.variables.values()]);
    this.variables.clear();
  }
}

// --------------------------------------------------------------------------------------------- inputs

/** One training batch, NHWC, images in [−1, 1] at full resolution H×W (multiples of 8·2^levels). */
export interface TrainingBatch {
  /** Target person image [B, H, W, 3]. */
  image: tf.Tensor4D;
  /** Reference image [B, H, W, 3]: garment (try-on) or source person (pose transfer). */
  cloth: tf.Tensor4D;
  /** Inpainting (agnostic) mask [B, H, W, 1], 1 = region to generate. */
  inpaintMask: tf.Tensor4D;
  /** DensePose image [B, H, W, 3]. */
  densepose: tf.Tensor4D;
  /** Leffa-loss mask [B, H, W, 1]: the target region the reference should explain. */
  warpedMask: tf.Tensor4D;
  /** Training timesteps, one per sample, integers in [0, num_train_timesteps). */
  timesteps: number[];
  /** Standard-normal draws [B, h, w, 4]: the three VAE posterior samples and the diffusion noise. */
  noise: { vaeImage: tf.Tensor4D; vaeMasked: tf.Tensor4D; vaeCloth: tf.Tensor4D; diffusion: tf.Tensor4D };
  /** Garment dropout (spec §5.2, drawn by the trainer with probability 0.1 per batch): zero reference latent. */
  dropReference?: boolean;
}

/** The frozen part of the objective: everything the UNets take, computed without gradient. */
export interface TrainingInputs {
  x0: tf.Tensor4D; //             [B, h, w, 4]
  maskedLatent: tf.Tensor4D; //   [B, h, w, 4]
  refLatent: tf.Tensor4D; //      [B, h, w, 4]
  maskLatent: tf.Tensor4D; //     [B, h, w, 1]
  denseposeLatent: tf.Tensor4D; // [B, h, w, 3]
  noisy: tf.Tensor4D; //          [B, h, w, 4]  x_t
  /** Generative UNet input [x_t | mask | masked latent | densepose] [B, h, w, 12]. */
  genInput: tf.Tensor4D;
}

export function disposeInputs(x: TrainingInputs): void {
  tf.dispose(Object.values(x) as tf.Tensor[]);
}

function checkBatch(model: LeffaModel, b: TrainingBatch): void {
  const [B, H, W] = b.image.shape;
  const want: [string, tf.Tensor, number][] = [['image', b.image, 3], ['cloth', b.cloth, 3], ['inpaintMask', b.inpaintMask, 1], ['densepose', b.densepose, 3], ['warpedMask', b.warpedMask, 1]];
  for (const [k, t, c] of want) {
    if (t.rank !== 4 || t.shape[0] !== B || t.shape[1] !== H || t.shape[2] !== W || t.shape[3] !== c) {
      throw new RangeError(`training batch: ${k} has shape [${t.shape}], expected [${B}, ${H}, ${W}, ${c}] (NHWC, same size as image)`);
    }
  }
  const vf = model.vae.scaleFactor; // pixels per latent pixel (8 for SD)
  const f = vf * 2 ** (model.unet.downBlocks.length - 1);
  if (H % f !== 0 || W % f !== 0) throw new RangeError(`training batch: image size ${H}x${W}; expected multiples of ${f}`);
  for (const [k, t] of Object.entries(b.noise)) {
    if (t.shape.join(',') !== [B, H / vf, W / vf, 4].join(',')) throw new RangeError(`training batch: noise.${k} has shape [${t.shape}], expected [${B}, ${H / vf}, ${W / vf}, 4]`);
  }
  if (b.timesteps.length !== B || b.timesteps.some((t) => !Number.isInteger(t) || t < 0)) {
    throw new RangeError(`training batch: timesteps ${JSON.stringify(b.timesteps)}; expected ${B} non-negative integers`);
  }
}

/** The scheduler of a model's architecture (its base config; zero-SNR betas for SDXL). */
export function trainingScheduler(model: LeffaModel): DiffusionScheduler {
  return DDPMScheduler.fromConfig(model.configs.scheduler);
}

/**
 * VAE encodings, downsampled conditions and x_t (no gradient: the VAE is frozen). vaeParams: any store
 * with the `vae.*` weights (the loaded model's). All returned tensors are owned by the caller.
 */
export function prepareTrainingInputs(
  model: LeffaModel, vaeParams: ParamStore, batch: TrainingBatch,
  scheduler: DiffusionScheduler = trainingScheduler(model), maxScoreElements?: number,
): TrainingInputs {
  checkBatch(model, batch);
  const { vae } = model;
  const sample = (img: tf.Tensor4D, eps: tf.Tensor4D) => tf.tidy(() => {
    const post = vae.encode(vaeParams, img, maxScoreElements);
    return vae.sample(post, eps, true); // (mean + std·ε)·sf
  });
  const out: Partial<TrainingInputs> = {};
  try {
    out.x0 = sample(batch.image, batch.noise.vaeImage);
    out.maskedLatent = tf.tidy(() => sample(tf.mul(batch.image, tf.cast(tf.less(batch.inpaintMask, 0.5), 'float32')) as tf.Tensor4D, batch.noise.vaeMasked));
    out.refLatent = batch.dropReference
      ? tf.zeros(out.x0.shape) as tf.Tensor4D
      : sample(batch.cloth, batch.noise.vaeCloth);
    out.maskLatent = downsampleNearest(batch.inpaintMask, vae.scaleFactor); // [B,h,w,1]
    out.denseposeLatent = downsampleNearest(batch.densepose, vae.scaleFactor); // [B,h,w,3]
    out.noisy = scheduler.addNoise(out.x0, batch.noise.diffusion, batch.timesteps) as tf.Tensor4D;
    out.genInput = tf.concat([out.noisy, out.maskLatent, out.maskedLatent, out.denseposeLatent], 3) as tf.Tensor4D;
    return out as TrainingInputs;
  } catch (e) {
    tf.dispose(Object.values(out) as tf.Tensor[]);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------- objective

export interface ObjectiveOptions {
  /** Leffa loss options (temperature, timestep_threshold, weight λ, loss_type, query_chunk, softmax). */
  leffa?: LeffaLossOptions;
  /** Turn the Leffa term off (loss_total = loss_diffusion). Default on. */
  leffaEnabled?: boolean;
  /** Layers (attn1 names, e.g. `down_blocks.0.attentions.0.transformer_blocks.0.attn1`); default: all but the mid block. */
  leffaLayers?: string[];
  /**
   * Compute the per-layer Leffa losses even when every sample's timestep is ≥ θ (they are then gated to
   * zero and contribute nothing). Default false: such batches skip the Leffa computation entirely.
   */
  leffaWhenGated?: boolean;
  /** Gradient checkpointing of every UNet block (see checkpointing.ts): true, false (default) or options. */
  checkpoint?: boolean | CheckpointOptions;
  /** Attention memory bound (elements of one head's score chunk). */
  maxScoreElements?: number;
}

export interface ObjectiveOutputs {
  /** loss_diffusion + λ·attn_loss, scalar. */
  lossTotal: tf.Scalar;
  /** MSE(model_pred, noise), scalar. */
  lossDiffusion: tf.Scalar;
  /** Leffa loss before λ (scalar; 0 when skipped or disabled). */
  attnLoss: tf.Scalar;
  /** Generative UNet output [B, h, w, 4]. */
  modelPred: tf.Tensor4D;
  /** The Leffa layers, in forward order, and their per-sample losses [B] (empty when skipped). */
  leffaLayers: string[];
  perLayer: tf.Tensor1D[];
  /** Mean over layers [B] and its gated version [B] (null when skipped). */
  layerMean: tf.Tensor1D | null;
  gated: tf.Tensor1D | null;
}

export function disposeOutputs(o: ObjectiveOutputs): void {
  tf.dispose([o.lossTotal, o.lossDiffusion, o.attnLoss, o.modelPred, ...o.perLayer, ...(o.layerMean ? [o.layerMean] : []), ...(o.gated ? [o.gated] : [])]);
}

/** The generative self-attention layers of the Leffa loss by default: all but the mid block (spec §5.3). */
export function defaultLeffaLayers(model: LeffaModel): string[] {
  return model.unet.attentionLayers().filter((l) => !l.startsWith('mid_block.'));
}

/** The h×w map of N tokens at some UNet level, from the latent size (levels halve both sides). */
export function tokenMap(latentH: number, latentW: number, tokens: number): [number, number] {
  const f = Math.round(Math.sqrt((latentH * latentW) / tokens));
  const h = latentH / f;
  const w = latentW / f;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h * w !== tokens) {
    throw new Error(`Leffa loss: ${tokens} tokens are not a ${latentH}x${latentW} latent downsampled by a power of two`);
  }
  return [h, w];
}

/** [B, N, heads·d] → [B, heads, N, d] (PyTorch's view(B, N, heads, d).transpose(1, 2)). */
function toHeads(t: tf.Tensor3D, heads: number): tf.Tensor4D {
  const [B, N, C] = t.shape;
  return tf.transpose(tf.reshape(t, [B, N, heads, C / heads]), [0, 2, 1, 3]) as tf.Tensor4D;
}

/**
 * The objective's forward, differentiable w.r.t. every tensor `p` hands out for the UNets. Every returned
 * tensor is owned by the caller (disposeOutputs). `images` are read again by the Leffa loss's backward
 * pass: keep the batch alive until gradients are computed.
 */
export function trainingObjective(
  model: LeffaModel, p: ParamStore, inputs: TrainingInputs, batch: TrainingBatch, opts: ObjectiveOptions = {},
): ObjectiveOutputs {
  const leffaOpts = resolveLeffaOptions(opts.leffa);
  const layers = opts.leffaLayers ?? defaultLeffaLayers(model);
  const gate = timestepGate(batch.timesteps, leffaOpts.timestep_threshold);
  const leffaOn = (opts.leffaEnabled ?? true) && layers.length > 0 && (opts.leffaWhenGated || gate.some((g) => g > 0));
  const wanted = new Set(layers);
  const images: LeffaImages = { reference: batch.cloth, target: batch.image, mask: batch.warpedMask };
  const [, h0, w0] = inputs.genInput.shape;
  const perLayer = new Map<string, tf.Tensor1D>();
  // Called inside the fusion processor (or after a checkpointed block) with the gen queries and reference
  // keys [B, N, heads·d]; leffaLayerLoss wants [B, heads, 2N, d] with gen tokens first, ref tokens last.
  const onQueryKey = (layer: string, qGen: tf.Tensor3D, kRef: tf.Tensor3D, heads: number): void => {
    if (!wanted.has(layer)) return;
    if (perLayer.has(layer)) throw new Error(`Leffa loss: layer ${layer} was seen twice in one forward`);
    const [h, w] = tokenMap(h0, w0, qGen.shape[1]);
    perLayer.set(layer, tf.keep(tf.tidy(() => {
      const q = toHeads(qGen, heads);
      const k = toHeads(kRef, heads);
      const zeros = tf.zerosLike(q); // the halves the loss never reads
      return leffaLayerLoss(tf.concat([q, zeros], 2) as tf.Tensor4D, tf.concat([zeros, k], 2) as tf.Tensor4D, h, w, images, leffaOpts);
    })));
  };
  const run = (): ObjectiveOutputs => {
    const kept: tf.Tensor[] = [];
    try {
      const features = model.referenceFeatures(p, inputs.refLatent, batch.timesteps, opts.maxScoreElements);
      let modelPred: tf.Tensor4D;
      try {
        modelPred = model.unet.forward(p, inputs.genInput, batch.timesteps, {
          reference: features, maxScoreElements: opts.maxScoreElements, onQueryKey: leffaOn ? onQueryKey : undefined,
        }).sample!;
      } finally {
        tf.dispose(Object.values(features));
      }
      kept.push(modelPred);
      const lossDiffusion = tf.tidy(() => tf.mean(tf.squaredDifference(modelPred, batch.noise.diffusion))) as tf.Scalar;
      kept.push(lossDiffusion);
      if (!leffaOn) {
        return {
          lossTotal: lossDiffusion.clone(), lossDiffusion, attnLoss: tf.scalar(0), modelPred,
          leffaLayers: [], perLayer: [], layerMean: null, gated: null,
        };
      }
      const missing = layers.filter((l) => !perLayer.has(l));
      if (missing.length) throw new Error(`Leffa loss: no query/key seen for ${missing.join(', ')} (not fusion self-attention layers of the generative UNet?)`);
      const ordered = layers.map((l) => perLayer.get(l)!);
      const c = combineLeffaLayers(ordered, batch.timesteps, leffaOpts);
      kept.push(c.layerMean, c.gated, c.attnLoss, c.weightedLoss);
      const lossTotal = tf.add(lossDiffusion, c.weightedLoss) as tf.Scalar;
      c.weightedLoss.dispose();
      return { lossTotal, lossDiffusion, attnLoss: c.attnLoss, modelPred, leffaLayers: layers, perLayer: ordered, layerMean: c.layerMean, gated: c.gated };
    } catch (e) {
      tf.dispose([...kept, ...perLayer.values()]);
      throw e;
    }
  };
  const ck = opts.checkpoint;
  if (!ck) return run();
  return withCheckpointing([model.unetEncoder, model.unet], run, ck === true ? {} : ck);
}

// ---------------------------------------------------------------------------------------- gradients

export type LossTarget = 'total' | 'diffusion' | 'leffa';

export interface GradientOptions extends ObjectiveOptions {
  /** Which loss to differentiate (default 'total'; 'leffa' is attn_loss without λ). */
  target?: LossTarget;
  /** The scheduler for x_t (default: the model's, trainingScheduler). */
  scheduler?: DiffusionScheduler;
}

export interface GradientResult {
  outputs: ObjectiveOutputs;
  /** Gradient per parameter name; parameters the target does not depend on are absent. */
  grads: Map<string, tf.Tensor>;
}

export function disposeGradients(r: GradientResult): void {
  disposeOutputs(r.outputs);
  tf.dispose([...r.grads.values()]);
}

/**
 * One training forward/backward: the objective's values and the gradients of the target loss w.r.t.
 * `variables` (by parameter name; e.g. VariableParamStore.variables, or LoRA factors). `p` serves the UNet
 * parameters (reading the variables), `vaeParams` the frozen VAE. Registers the kernels the backend lacks
 * first. Everything returned is owned by the caller (disposeGradients).
 */
export function trainingGradients(
  model: LeffaModel, p: ParamStore, vaeParams: ParamStore, batch: TrainingBatch,
  variables: Map<string, tf.Variable>, opts: GradientOptions = {},
): GradientResult {
  registerTrainingKernels();
  const inputs = prepareTrainingInputs(model, vaeParams, batch, opts.scheduler, opts.maxScoreElements);
  try {
    return objectiveGradients(model, p, inputs, batch, variables, opts);
  } finally {
    disposeInputs(inputs);
  }
}

/** trainingGradients from already prepared inputs (to differentiate several targets of one batch). */
export function objectiveGradients(
  model: LeffaModel, p: ParamStore, inputs: TrainingInputs, batch: TrainingBatch,
  variables: Map<string, tf.Variable>, opts: GradientOptions = {},
): GradientResult {
  registerTrainingKernels();
  const target = opts.target ?? 'total';
  const names = [...variables.keys()];
  const list = names.map((n) => variables.get(n)!);
  if (list.length === 0) throw new Error('trainingGradients: no variables to differentiate');
  let outputs: ObjectiveOutputs | null = null;
  let grads: tf.NamedTensorMap;
  try {
    ({ grads } = tf.variableGrads(() => {
    const o = trainingObjective(model, p, inputs, batch, opts);
    // Everything survives the gradient call's tidy through tf.keep (the returned scalar is one of them).
    outputs = o;
    for (const t of [o.lossTotal, o.lossDiffusion, o.attnLoss, o.modelPred, ...o.perLayer, ...(o.layerMean ? [o.layerMean] : []), ...(o.gated ? [o.gated] : [])]) tf.keep(t);
    if (target === 'leffa' && o.perLayer.length === 0) {
      throw new Error('trainingGradients: target "leffa" but the Leffa loss was not computed (disabled, or every timestep ≥ θ; set leffaWhenGated)');
    }
    return target === 'total' ? o.lossTotal : target === 'diffusion' ? o.lossDiffusion : o.attnLoss;
  }, list));
  } catch (e) {
    if (outputs) disposeOutputs(outputs);
    throw e;
  }
  const byVar = new Map(list.map((v, i) => [v.name, names[i]!]));
  const out = new Map<string, tf.Tensor>();
  for (const [varName, g] of Object.entries(grads)) out.set(byVar.get(varName)!, g);
  return { outputs: outputs!, grads: out };
}
