// The pipeline's seeded noise: one seed reproduces every random draw of a sampling run (initial latent,
// both VAE posterior samples, every DDPM step's variance noise), bit-identical on every backend, because
// the numbers are produced in JavaScript, not by a backend kernel.
//
// Generator: xoshiro128** (Blackman & Vigna 2018) seeded through SplitMix32 from (seed, role); each role
// ("init", "vae/masked", "vae/ref", "step/<i>") has its own stream, so e.g. changing the number of steps
// does not change the initial noise. Normal deviates by the Box–Muller transform in double precision,
// rounded to float32. (The reference seeds only the step noise, spec §1.8; we seed all of it.)
import * as tf from '../tf.ts';

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** over four 32-bit words. */
export class Xoshiro128 {
  private s: Uint32Array;
  constructor(seed: number, role = '') {
    if (!Number.isInteger(seed) || seed < -(2 ** 31) || seed > 2 ** 32 - 1) {
      throw new RangeError(`seed = ${seed}; expected an integer in [-2^31, 2^32)`);
    }
    const sm = splitmix32((seed >>> 0) ^ fnv1a(role));
    this.s = Uint32Array.from([sm(), sm(), sm(), sm()]);
    if (this.s.every((x) => x === 0)) this.s[0] = 1;
  }
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(((Math.imul(s[1]!, 5) << 7) | (Math.imul(s[1]!, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!; s[3]! ^= s[1]!; s[1]! ^= s[2]!; s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = ((s[3]! << 11) | (s[3]! >>> 21)) >>> 0;
    return result;
  }
  /** Uniform in (0, 1), 53-bit resolution, never 0. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }
  /** Fills `out` with N(0, 1) float32 deviates (Box–Muller, both values of each pair used). */
  fillNormal(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(this.uniform()));
      const th = 2 * Math.PI * this.uniform();
      out[i] = r * Math.cos(th);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(th);
    }
    return out;
  }
}

/** Seeded N(0,1) tensors by role. */
export class SeededNoise {
  constructor(readonly seed: number) {}
  normal(role: string, shape: number[]): tf.Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(new Xoshiro128(this.seed, role).fillNormal(new Float32Array(n)), shape, 'float32');
  }
}
