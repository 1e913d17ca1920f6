// Exponential moving average of the trained weights (Leffa's config: decay 0.9999, spec §5.4), the weights
// one samples with. Optional warm-up as diffusers' EMAModel: decay_t = min(decay, (1 + t)/(10 + t)), so a
// short run's average is not pinned to the initial weights.
//
// The shadow copies live on the backend, keyed like the parameters. `swapIn` / `swapOut` exchange them with
// the live weights (no extra copy) so a periodic sample can run on the averaged weights.
import * as tf from '../tf.ts';

export interface EmaOptions {
  decay: number;
  warmup?: boolean;
}

export function checkEma(o: EmaOptions, where = 'ema'): void {
  if (!(typeof o.decay === 'number' && o.decay >= 0 && o.decay < 1)) throw new RangeError(`${where}.decay = ${JSON.stringify(o.decay)}; expected a number in [0, 1)`);
}

export class Ema {
  readonly shadow = new Map<string, tf.Tensor>();
  /** Updates done so far. */
  updates = 0;

  constructor(readonly params: ReadonlyMap<string, tf.Variable>, readonly opts: EmaOptions) {
    checkEma(opts);
    for (const [k, p] of params) this.shadow.set(k, tf.keep(p.clone()));
  }

  /** The decay used by the next update. */
  currentDecay(): number {
    const t = this.updates;
    return this.opts.warmup ? Math.min(this.opts.decay, (1 + t) / (10 + t)) : this.opts.decay;
  }

  /** shadow ← d·shadow + (1 − d)·param, for every parameter. */
  update(): void {
    const d = this.currentDecay();
    for (const [k, p] of this.params) {
      const old = this.shadow.get(k)!;
      this.shadow.set(k, tf.keep(tf.tidy(() => old.mul(d).add(p.mul(1 - d)))));
      old.dispose();
    }
    this.updates += 1;
  }

  /** Replaces one shadow tensor (checkpoint resume); takes the tensor over. */
  set(name: string, t: tf.Tensor): void {
    const p = this.params.get(name);
    if (!p) throw new Error(`EMA state: ${name} is not a trained parameter of this run`);
    if (t.shape.join(',') !== p.shape.join(',')) throw new Error(`EMA state: ${name} has shape [${t.shape}], parameter [${p.shape}]`);
    this.shadow.get(name)?.dispose();
    this.shadow.set(name, tf.keep(t));
  }

  /** Exchanges live weights and shadow (call twice to restore). */
  swap(): void {
    for (const [k, p] of this.params) {
      const s = this.shadow.get(k)!;
      const live = tf.keep(p.clone());
      p.assign(s);
      s.dispose();
      this.shadow.set(k, live);
    }
  }

  /** Runs fn with the averaged weights in place, then restores the live ones (also on error). */
  async withAveraged<T>(fn: () => Promise<T> | T): Promise<T> {
    this.swap();
    try { return await fn(); } finally { this.swap(); }
  }

  dispose(): void {
    for (const t of this.shadow.values()) t.dispose();
    this.shadow.clear();
  }
}
