// The Leffa sampling pipeline (spec §1.6), shared by virtual try-on and pose transfer: encode the masked
// person and the reference, then denoise with the dual UNet under classifier-free guidance (unconditional
// branch = all-zero reference latent), then decode. NHWC throughout; the steps are numbered as the spec's.
import * as tf from '../tf.ts';
import type { LoadedLeffa } from '../leffa/loaded.ts';
import type { DiffusionScheduler } from '../schedulers/types.ts';
import { applyGuidance, type GuidanceRescale } from './guidance.ts';
import type { NoiseSource } from './noise.ts';
import { explainHook, type ExplainFlow, type ExplainOptions } from './explain.ts';

export interface LeffaInputs {
  /** Person (try-on) or target-pose person (pose transfer), [B,H,W,3] in [-1,1]. */
  srcImage: tf.Tensor4D;
  /** Garment (try-on) or the person whose appearance is transferred, [B,H,W,3] in [-1,1]. */
  refImage: tf.Tensor4D;
  /** 1 = region to generate, [B,H,W,1] in {0,1}. */
  mask: tf.Tensor4D;
  /** DensePose image, [B,H,W,3] in [-1,1]. */
  densepose: tf.Tensor4D;
}

export interface StepInfo {
  /** 0-based step index and the number of steps. */
  step: number;
  steps: number;
  timestep: number;
  stepMs: number;
  elapsedMs: number;
  etaMs: number;
  /** The latent after this step, [B,h,w,4]; valid only during the callback (for previews). */
  latent: tf.Tensor4D;
}

export interface SampleOptions {
  steps?: number;
  guidanceScale?: number;
  guidanceRescale?: GuidanceRescale;
  guidancePhi?: number;
  /** Run the reference UNet once, at timesteps[steps // 2], and reuse its features (spec §1.6 step 6). */
  refAcceleration?: boolean;
  noise: NoiseSource;
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void;
  /** Debug/parity observer of intermediate tensors (valid only during the call; copy what you keep). */
  trace?: (name: string, t: tf.Tensor) => void;
  maxScoreElements?: number;
  /** Record attention flow fields for chosen layers and steps (off by default; costs nothing when off). */
  explain?: ExplainOptions;
  /** With refAcceleration: compute the reference tokens' K/V once per layer and reuse them (default true). */
  cacheReferenceKV?: boolean;
}

export interface SampleResult {
  /** Final latent [B,h,w,4] and raw decoder output [B,H,W,3] (≈[-1,1]); both owned by the caller. */
  latent: tf.Tensor4D;
  decoded: tf.Tensor4D;
  timesteps: number[];
  refTimesteps: number[];
  /** Present when `explain` was asked for. */
  explain?: ExplainFlow[];
}

export class AbortError extends Error {
  constructor(message = 'sampling was cancelled') { super(message); this.name = 'AbortError'; }
}

/** Nearest downsampling by an integer factor: latent pixel (i, j) = image pixel (f·i, f·j), as PyTorch's nearest. */
export function downsampleNearest(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, W, C] = x.shape;
    return tf.stridedSlice(x, [0, 0, 0, 0], [B, H, W, C], [1, factor, factor, 1]) as tf.Tensor4D; // [B,H/f,W/f,C]
  });
}

const nextTick = () => new Promise<void>((r) => setImmediate(r));

function checkInputs(m: LoadedLeffa, x: LeffaInputs): void {
  const [B, H, W] = x.srcImage.shape;
  const f = m.model.vae.scaleFactor * 2 ** (m.model.unet.downBlocks.length - 1);
  const want: [keyof LeffaInputs, number][] = [['srcImage', 3], ['refImage', 3], ['mask', 1], ['densepose', 3]];
  for (const [k, c] of want) {
    const s = x[k].shape;
    if (s[0] !== B || s[1] !== H || s[2] !== W || s[3] !== c) {
      throw new RangeError(`leffa pipeline: ${k} has shape [${s}], expected [${B}, ${H}, ${W}, ${c}] (NHWC, same size as srcImage)`);
    }
  }
  if (H % f !== 0 || W % f !== 0) throw new RangeError(`leffa pipeline: image size ${H}x${W}; expected multiples of ${f}`);
}

export async function leffaSample(m: LoadedLeffa, scheduler: DiffusionScheduler, x: LeffaInputs, opts: SampleOptions): Promise<SampleResult> {
  checkInputs(m, x);
  const { model, params: p } = m;
  const S = opts.steps ?? 30;
  const g = opts.guidanceScale ?? 2.5;
  const trace = opts.trace ?? (() => {});
  const sf = model.vae.scalingFactor;
  const [B, H, W] = x.srcImage.shape;
  const vf = model.vae.scaleFactor; // 8 for SD's VAE
  const [h, w] = [H / vf, W / vf];
  const owned: tf.Tensor[] = []; // tensors living across steps, freed at the end whatever happens
  const own = <T extends tf.Tensor>(t: T): T => { owned.push(t); return t; };
  let features: Record<string, tf.Tensor3D> | null = null;
  const refKV = opts.refAcceleration && opts.cacheReferenceKV !== false ? new Map<string, { k: tf.Tensor3D; v: tf.Tensor3D }>() : undefined;
  let latent: tf.Tensor4D | null = null;
  try {
    if (opts.signal?.aborted) throw new AbortError();
    // 1.-2. masked image (generated region = 0, mid-grey) and the two posterior samples, scaled.
    const maskedLatent = own(tf.tidy(() => {
      const masked = x.srcImage.mul(x.mask.less(0.5).cast('float32')) as tf.Tensor4D; // [B,H,W,3]
      const post = model.vae.encode(p, masked, opts.maxScoreElements);
      const eps = opts.noise.vaeMasked([B, h, w, 4]);
      return model.vae.sample(post, eps, true); // [B,h,w,4]
    }));
    const refLatent = own(tf.tidy(() => model.vae.sample(model.vae.encode(p, x.refImage, opts.maxScoreElements), opts.noise.vaeRef([B, h, w, 4]), true)));
    // 3. mask and DensePose at latent size by nearest sampling (DensePose is not VAE-encoded).
    const maskLatent = own(downsampleNearest(x.mask, vf)); // [B,h,w,1]
    const denseposeLatent = own(downsampleNearest(x.densepose, vf)); // [B,h,w,3]
    trace('masked_image_latent', maskedLatent); trace('ref_image_latent', refLatent);
    trace('mask_latent', maskLatent); trace('densepose_latent', denseposeLatent);
    // 4. initial noise and timesteps.
    latent = tf.tidy(() => opts.noise.init([B, h, w, 4]).mul(scheduler.initNoiseSigma)) as tf.Tensor4D;
    scheduler.setTimesteps(S);
    const timesteps = Array.from(scheduler.timesteps);
    // 5. CFG batch: the same conditioning twice, reference latent zeroed in the first (unconditional) half.
    const cond = own(tf.tidy(() => tf.concat([maskLatent, maskedLatent, denseposeLatent], 3).tile([2, 1, 1, 1]) as tf.Tensor4D)); // [2B,h,w,8]
    const refIn = own(tf.tidy(() => tf.concat([tf.zerosLike(refLatent), refLatent], 0) as tf.Tensor4D)); // [2B,h,w,4]
    // 6. reference acceleration: one reference pass at timesteps[S // 2].
    const refTimesteps = opts.refAcceleration ? [timesteps[Math.floor(S / 2)]!] : timesteps;
    if (opts.refAcceleration) {
      trace('ref_unet_input', refIn);
      features = model.referenceFeatures(p, refIn, [refTimesteps[0]!], opts.maxScoreElements);
    }
    // 7. denoising loop.
    const t0 = performance.now();
    const explained: ExplainFlow[] = [];
    const explainSteps = opts.explain ? new Set(opts.explain.steps ?? [S - 1]) : null;
    for (let i = 0; i < S; i++) {
      const ts = performance.now();
      const t = timesteps[i]!;
      const next = tf.tidy(() => {
        const input = tf.concat([tf.concat([latent!, latent!], 0), cond], 3) as tf.Tensor4D; // [2B,h,w,12]: latent | mask | masked latent | DensePose
        trace('unet_input', input);
        let feats = features;
        if (!opts.refAcceleration) { trace('ref_unet_input', refIn); feats = model.referenceFeatures(p, refIn, [t], opts.maxScoreElements); }
        const onQueryKey = explainSteps?.has(i) ? explainHook(opts.explain!, { step: i, timestep: t, batch: B, latentH: h, latentW: w }, explained) : undefined;
        const eps = model.predictNoise(p, input, [t], feats!, { maxScoreElements: opts.maxScoreElements, onQueryKey, refKV }); // [2B,h,w,4]
        if (!opts.refAcceleration) tf.dispose(Object.values(feats!));
        trace('noise_pred_raw', eps);
        const [uncond, condEps] = tf.split(eps, 2, 0); // rows 0..B-1 unconditional
        const guided = applyGuidance(uncond!, condEps!, { scale: g, rescale: opts.guidanceRescale ?? 'reference', phi: opts.guidancePhi });
        trace('noise_pred_guided', guided);
        trace('latent_in', latent!);
        const z = opts.noise.step(i, [B, h, w, 4]);
        const out = scheduler.step(guided, t, latent!, { varianceNoise: z });
        trace('latent_out', out.prevSample);
        return out.prevSample as tf.Tensor4D;
      });
      latent.dispose();
      latent = next;
      const now = performance.now();
      opts.onStep?.({ step: i, steps: S, timestep: t, stepMs: now - ts, elapsedMs: now - t0, etaMs: ((now - t0) / (i + 1)) * (S - i - 1), latent });
      await nextTick(); // let a cancel request (worker message, UI event) arrive
      if (opts.signal?.aborted) throw new AbortError();
    }
    // 8. decode.
    const decoded = tf.tidy(() => model.vae.decode(p, latent!.div(sf) as tf.Tensor4D, opts.maxScoreElements));
    const result: SampleResult = { latent, decoded, timesteps, refTimesteps, ...(opts.explain ? { explain: explained } : {}) };
    latent = null;
    return result;
  } finally {
    tf.dispose(owned);
    if (features) tf.dispose(Object.values(features));
    if (refKV) for (const { k, v } of refKV.values()) tf.dispose([k, v]);
    latent?.dispose();
  }
}

/** clamp(decoded / 2 + 0.5, 0, 1): the image in [0,1], NHWC. */
export function decodedToUnit(decoded: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => decoded.div(2).add(0.5).clipByValue(0, 1) as tf.Tensor4D);
}
