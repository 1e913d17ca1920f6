// Argument checks and the variance-noise draw shared by the DDPM and DDIM `step` functions.
import * as tf from '../tf.ts';
import type { StepOptions } from './types.ts';

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/** t must be an integer training timestep 0 ≤ t < T. */
export function checkTimestep(who: string, t: number, numTrain: number): void {
  if (!Number.isInteger(t) || t < 0 || t >= numTrain) {
    throw new RangeError(`${who}: timestep ${t} is not a training timestep; expected an integer in [0, ${numTrain - 1}]`);
  }
}

/** The ε prediction and x_t must have one shape (learned-variance outputs with 2× channels are not supported). */
export function checkSameShape(who: string, nameA: string, a: tf.Tensor, nameB: string, b: tf.Tensor): void {
  const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  if (!same) throw new RangeError(`${who}: ${nameA} has shape ${fmt(a.shape)} but ${nameB} has shape ${fmt(b.shape)}; expected equal shapes`);
}

/**
 * The N(0, 1) noise z of a stochastic step, shape = sample's: the injected tensor, or a draw from the
 * generator. Call inside tf.tidy so a drawn tensor is freed with the step's other intermediates.
 */
export function varianceNoise(who: string, t: number, sample: tf.Tensor, opts: StepOptions): tf.Tensor {
  if (opts.varianceNoise && opts.generator) {
    throw new Error(`${who}: pass either varianceNoise or generator, not both`);
  }
  let z: tf.Tensor;
  if (opts.varianceNoise) {
    z = opts.varianceNoise;
  } else if (opts.generator) {
    z = opts.generator(sample.shape.slice());
  } else {
    throw new Error(`${who}: the step at t=${t} adds variance noise; pass varianceNoise (a tensor) or generator ((shape) => tensor)`);
  }
  checkSameShape(who, 'variance noise', z, 'sample', sample);
  return z;
}

/** Rejects options that are not object-shaped (a common slip: passing the generator itself). */
export function checkStepOptions(who: string, opts: unknown): void {
  if (opts !== undefined && (typeof opts !== 'object' || opts === null || opts instanceof tf.Tensor)) {
    throw new TypeError(`${who}: step options must be an object like { varianceNoise } or { generator }, got ${typeof opts}`);
  }
}
