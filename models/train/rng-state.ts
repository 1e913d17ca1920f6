// Training randomness as a function of (seed, position), never of history.
//
// Every random draw of a training run comes from its own xoshiro128** stream (models/pipelines/rng.ts),
// keyed by the run seed and a role string that names *where* the draw is made: "step/12/micro/0/noise",
// "data/epoch/3". Nothing is carried from one draw to the next, so the complete RNG state of a run is the
// seed plus the counters that the checkpoint stores anyway (optimizer step, data epoch and cursor). A run
// resumed from a checkpoint therefore makes exactly the draws the uninterrupted run would have made, on any
// backend, and a periodic sample or an evaluation can never shift the training stream.
import * as tf from '../tf.ts';
import { Xoshiro128 } from '../pipelines/rng.ts';

/** What a checkpoint records about the random state (see the header: counters, not generator words). */
export interface RngState {
  /** Version of the derivation below; a checkpoint from another derivation cannot resume exactly. */
  scheme: 'leffa-studio/keyed-xoshiro128/v1';
  seed: number;
}

export function rngState(seed: number): RngState {
  checkSeed(seed);
  return { scheme: 'leffa-studio/keyed-xoshiro128/v1', seed };
}

export function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) throw new RangeError(`seed = ${JSON.stringify(seed)}; expected an integer in [0, 2^32)`);
}

/** The draws of one training run, by role. */
export class KeyedRng {
  constructor(readonly seed: number) { checkSeed(seed); }

  stream(role: string): Xoshiro128 { return new Xoshiro128(this.seed, role); }

  /** N(0,1) float32 values in a tensor of `shape`. */
  normal(role: string, shape: number[]): tf.Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(this.stream(role).fillNormal(new Float32Array(n)), shape, 'float32');
  }

  /** `count` integers uniform in [0, n). */
  ints(role: string, count: number, n: number): number[] {
    const g = this.stream(role);
    return Array.from({ length: count }, () => Math.floor(g.uniform() * n));
  }

  /** One uniform number in (0, 1). */
  uniform(role: string): number { return this.stream(role).uniform(); }

  /** A seeded permutation of 0..n-1 (Fisher–Yates). */
  permutation(role: string, n: number): number[] {
    const g = this.stream(role);
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(g.uniform() * (i + 1));
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  }
}

/** Role names of one micro-batch's draws; every draw of a training step is listed here. */
export function stepRole(step: number, micro: number, what: 'timesteps' | 'noise' | 'vae/image' | 'vae/masked' | 'vae/garment' | 'drop-reference'): string {
  return `step/${step}/micro/${micro}/${what}`;
}
