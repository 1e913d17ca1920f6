// Classifier-free guidance (Ho & Salimans 2022, arXiv:2207.12598) and the guidance rescale of
// Lin et al. 2023 ("Common Diffusion Noise Schedules and Sample Steps are Flawed", arXiv:2305.08891, §3.4).
//
// THE LEFFA QUIRK (spec §1.6 step 7e). Leffa's pipeline calls diffusers' `rescale_noise_cfg` with
// `guidance_rescale = guidance_scale`, so the rescale weight φ is the guidance scale g itself (2.5 by
// default) instead of a value in [0, 1] such as the paper's 0.7. With σ_c = std(ε_c), σ = std(ε_cfg):
//     ε_out = φ·ε_cfg·(σ_c/σ) + (1 − φ)·ε_cfg = ε_cfg·(2.5·σ_c/σ − 1.5)    for g = φ = 2.5,
// an extrapolation past the std-matched prediction rather than an interpolation towards it. The
// released models were sampled this way, so `rescale: 'reference'` (the default) reproduces it for
// parity; 'standard' is the paper's version with a chosen φ; 'off' is plain CFG.
import * as tf from '../tf.ts';

export type GuidanceRescale = 'reference' | 'standard' | 'off';

export interface GuidanceOptions {
  /** Guidance scale g (Leffa default 2.5; 1 = conditional prediction only). */
  scale: number;
  /** 'reference' (default): φ = g, Leffa's behaviour. 'standard': φ = `phi`. 'off': no rescale. */
  rescale?: GuidanceRescale;
  /** φ for 'standard' (default 0.7, Lin et al. 2023); must be in [0, 1]. Not allowed with other modes. */
  phi?: number;
}

/** Default φ of the 'standard' rescale (the value Lin et al. 2023 recommend, §3.4). */
export const DEFAULT_RESCALE_PHI = 0.7;

const RESCALE_MODES: readonly GuidanceRescale[] = ['reference', 'standard', 'off'];

/**
 * Guided noise prediction from the two CFG branches, each [B, ...] in any layout (NCHW or NHWC):
 * ε_cfg = ε_u + g·(ε_c − ε_u), then the rescale chosen by `rescale`. Returns a new tensor
 * (caller owns it); the inputs are not disposed.
 *
 * 'reference' applies the rescale only when g > 0, as Leffa does (at g = 0 it would be the identity
 * anyway, except that it divides by std(ε_u), which may be 0).
 */
export function applyGuidance(uncond: tf.Tensor, cond: tf.Tensor, opts: GuidanceOptions): tf.Tensor {
  const { phi, useRescale } = resolveRescale(opts);
  if (!uncond.shape.every((d, i) => d === cond.shape[i]) || uncond.rank !== cond.rank) {
    throw new RangeError(`applyGuidance: uncond has shape [${uncond.shape}] but cond has shape [${cond.shape}]; expected equal shapes [B, ...]`);
  }
  return tf.tidy(() => {
    // ε_cfg = ε_u + g·(ε_c − ε_u)  (Ho & Salimans 2022, §3.2, with their w = g − 1).
    const guided = tf.add(uncond, tf.mul(tf.scalar(opts.scale, 'float32'), tf.sub(cond, uncond)));
    return useRescale ? rescaleNoiseCfg(guided, cond, phi) : guided;
  });
}

/**
 * diffusers' `rescale_noise_cfg`: φ·ε_cfg·(σ_c/σ_cfg) + (1 − φ)·ε_cfg, with σ the per-sample standard
 * deviation over every non-batch axis (unbiased, N − 1). Lin et al. 2023, §3.4.
 */
export function rescaleNoiseCfg(noiseCfg: tf.Tensor, noiseCond: tf.Tensor, phi: number): tf.Tensor {
  return tf.tidy(() => {
    const stdCond = perSampleStd(noiseCond); // [B, 1, …, 1]
    const stdCfg = perSampleStd(noiseCfg); // [B, 1, …, 1]
    const rescaled = tf.mul(noiseCfg, tf.div(stdCond, stdCfg));
    return tf.add(tf.mul(tf.scalar(phi, 'float32'), rescaled), tf.mul(tf.scalar(1 - phi, 'float32'), noiseCfg));
  });
}

/** Unbiased (N − 1) standard deviation of each batch row of x [B, ...], shaped [B, 1, …, 1] to broadcast. */
export function perSampleStd(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const batch = x.shape[0]!;
    const n = x.size / batch;
    if (n < 2) throw new RangeError(`perSampleStd: each sample of shape [${x.shape}] has ${n} element(s); the unbiased std needs at least 2`);
    const flat = x.reshape([batch, n]); // [B, N]
    const centred = tf.sub(flat, tf.mean(flat, 1, true)); // [B, N]
    const variance = tf.div(tf.sum(tf.square(centred), 1), tf.scalar(n - 1, 'float32')); // [B]
    return tf.sqrt(variance).reshape([batch, ...x.shape.slice(1).map(() => 1)]); // [B, 1, …, 1]
  });
}

function resolveRescale(opts: GuidanceOptions): { phi: number; useRescale: boolean } {
  const mode = opts.rescale ?? 'reference';
  if (!RESCALE_MODES.includes(mode)) {
    throw new RangeError(`applyGuidance: rescale = ${JSON.stringify(mode)}; expected one of ${RESCALE_MODES.map((m) => `'${m}'`).join(', ')}`);
  }
  if (typeof opts.scale !== 'number' || !Number.isFinite(opts.scale)) {
    throw new RangeError(`applyGuidance: scale = ${String(opts.scale)}; expected a finite number`);
  }
  if (mode !== 'standard' && opts.phi !== undefined) {
    throw new RangeError(`applyGuidance: phi = ${opts.phi} is only used with rescale 'standard' (got rescale '${mode}', where φ is ${mode === 'reference' ? 'the scale' : 'unused'})`);
  }
  if (mode === 'off') return { phi: 0, useRescale: false };
  if (mode === 'reference') return { phi: opts.scale, useRescale: opts.scale > 0 };
  const phi = opts.phi ?? DEFAULT_RESCALE_PHI;
  if (!Number.isFinite(phi) || phi < 0 || phi > 1) {
    throw new RangeError(`applyGuidance: phi = ${phi}; expected a number in [0, 1] for rescale 'standard'`);
  }
  return { phi, useRescale: phi > 0 };
}
