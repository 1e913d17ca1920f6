// The random draws of one micro-batch (spec §5.2): per-sample timesteps t ~ U{0..999}, the diffusion noise ε,
// the three VAE posterior samples (person, masked person, garment) and the one reference-dropout draw per
// batch (probability 0.1: the reference latent becomes zeros, which is what makes CFG work at inference).
// All keyed by (seed, step, micro-batch) through rng-state.ts, so resuming reproduces them exactly.
import * as tf from '../tf.ts';
import { KeyedRng, stepRole } from './rng-state.ts';

export interface MicroDraws {
  timesteps: number[];
  /** ε [B,h,w,4]. */
  noise: tf.Tensor4D;
  /** Posterior ε of the person image, the masked person image and the garment, [B,h,w,4] each. */
  vaeImage: tf.Tensor4D;
  vaeMasked: tf.Tensor4D;
  vaeGarment: tf.Tensor4D;
  /** Whole micro-batch trained without reference (zero reference latent). */
  dropReference: boolean;
}

export function drawMicro(rng: KeyedRng, step: number, micro: number, latentShape: [number, number, number, number], numTrainTimesteps: number, referenceDropout: number): MicroDraws {
  const [B] = latentShape;
  return {
    timesteps: rng.ints(stepRole(step, micro, 'timesteps'), B, numTrainTimesteps),
    noise: rng.normal(stepRole(step, micro, 'noise'), latentShape) as tf.Tensor4D,
    vaeImage: rng.normal(stepRole(step, micro, 'vae/image'), latentShape) as tf.Tensor4D,
    vaeMasked: rng.normal(stepRole(step, micro, 'vae/masked'), latentShape) as tf.Tensor4D,
    vaeGarment: rng.normal(stepRole(step, micro, 'vae/garment'), latentShape) as tf.Tensor4D,
    dropReference: rng.uniform(stepRole(step, micro, 'drop-reference')) < referenceDropout,
  };
}

export function disposeDraws(d: MicroDraws): void {
  tf.dispose([d.noise, d.vaeImage, d.vaeMasked, d.vaeGarment]);
}
