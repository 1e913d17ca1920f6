// Where a sampling run's random draws come from: a seed (the product), or given tensors (parity tests,
// which replay the reference's recorded draws). Shapes are NHWC.
import * as tf from '../tf.ts';
import { SeededNoise } from './rng.ts';

export interface NoiseSource {
  /** ε of the posterior sample of the masked person image. */
  vaeMasked(shape: number[]): tf.Tensor4D;
  /** ε of the posterior sample of the reference (garment / person) image. */
  vaeRef(shape: number[]): tf.Tensor4D;
  /** x_T. */
  init(shape: number[]): tf.Tensor4D;
  /** z of step i. */
  step(i: number, shape: number[]): tf.Tensor4D;
}

export function seededNoise(seed: number): NoiseSource {
  const g = new SeededNoise(seed);
  return {
    vaeMasked: (s) => g.normal('vae/masked', s) as tf.Tensor4D,
    vaeRef: (s) => g.normal('vae/ref', s) as tf.Tensor4D,
    init: (s) => g.normal('init', s) as tf.Tensor4D,
    step: (i, s) => g.normal(`step/${i}`, s) as tf.Tensor4D,
  };
}

/** Replays given draws; each call returns a clone the pipeline may dispose. */
export function givenNoise(n: { vaeMasked: tf.Tensor4D; vaeRef: tf.Tensor4D; init: tf.Tensor4D; steps: tf.Tensor4D[] }): NoiseSource {
  const check = (what: string, t: tf.Tensor, shape: number[]) => {
    if (t.shape.join(',') !== shape.join(',')) throw new Error(`noise ${what}: shape [${t.shape}], expected [${shape}]`);
    return t.clone() as tf.Tensor4D;
  };
  return {
    vaeMasked: (s) => check('vaeMasked', n.vaeMasked, s),
    vaeRef: (s) => check('vaeRef', n.vaeRef, s),
    init: (s) => check('init', n.init, s),
    step: (i, s) => {
      const t = n.steps[i];
      if (!t) throw new Error(`noise step ${i}: only ${n.steps.length} step draws were given`);
      return check(`step ${i}`, t, s);
    },
  };
}
