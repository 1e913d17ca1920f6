// AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization", Algorithm 2) with PyTorch's
// torch.optim.AdamW operation order, and clipping by global norm (torch.nn.utils.clip_grad_norm_).
// Leffa's training config: β 0.9/0.999, ε 1e-8, weight decay 1e-2, clip 1.0 (spec §5.4).
//
// State lives on the backend as tensors keyed by parameter name (the PyTorch state-dict key), created on a
// parameter's first gradient, with a per-parameter step count as PyTorch keeps it. A parameter that gets
// no gradient in a step (e.g. the reference UNet's pruned tail) is left alone: no decay, no moment update.
import * as tf from '../tf.ts';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export const ADAMW_DEFAULTS: Readonly<Required<AdamWOptions>> = Object.freeze({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 });

export function checkAdamW(o: AdamWOptions, where = 'optimizer'): Required<AdamWOptions> {
  const r = { ...ADAMW_DEFAULTS, ...o };
  for (const k of ['beta1', 'beta2'] as const) {
    if (!(typeof r[k] === 'number' && r[k] >= 0 && r[k] < 1)) throw new RangeError(`${where}.${k} = ${JSON.stringify(r[k])}; expected a number in [0, 1)`);
  }
  if (!(typeof r.eps === 'number' && r.eps > 0)) throw new RangeError(`${where}.eps = ${JSON.stringify(r.eps)}; expected a positive number`);
  if (!(typeof r.weightDecay === 'number' && r.weightDecay >= 0)) throw new RangeError(`${where}.weightDecay = ${JSON.stringify(r.weightDecay)}; expected a number ≥ 0`);
  return r;
}

/** One parameter's optimizer state. */
export interface AdamWSlot { step: number; m: tf.Tensor; v: tf.Tensor }

export class AdamW {
  readonly opts: Required<AdamWOptions>;
  readonly slots = new Map<string, AdamWSlot>();

  constructor(readonly params: ReadonlyMap<string, tf.Variable>, opts: AdamWOptions = {}) {
    this.opts = checkAdamW(opts);
  }

  /** Applies one update with learning rate `lr`; `grads` are keyed like `params` (missing = no gradient). */
  step(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.opts;
    for (const [name, g] of grads) {
      const p = this.params.get(name);
      if (!p) throw new Error(`AdamW: gradient for ${name}, which is not a trained parameter`);
      if (g.shape.join(',') !== p.shape.join(',')) throw new Error(`AdamW: gradient of ${name} has shape [${g.shape}], parameter [${p.shape}]`);
      let slot = this.slots.get(name);
      if (!slot) {
        slot = { step: 0, m: tf.keep(tf.zerosLike(p)), v: tf.keep(tf.zerosLike(p)) };
        this.slots.set(name, slot);
      }
      const sl = slot;
      sl.step += 1;
      // Scalars in float64 JS, as PyTorch computes them in Python floats.
      const bc1 = 1 - beta1 ** sl.step;
      const bc2Sqrt = Math.sqrt(1 - beta2 ** sl.step);
      const stepSize = lr / bc1;
      const [m, v, next] = tf.tidy(() => {
        const decayed = weightDecay > 0 ? p.mul(1 - lr * weightDecay) : p; //   p ← p·(1 − lr·λ), decoupled
        const m1 = sl.m.mul(beta1).add(g.mul(1 - beta1)); //                   m ← β1·m + (1 − β1)·g
        const v1 = sl.v.mul(beta2).add(g.square().mul(1 - beta2)); //          v ← β2·v + (1 − β2)·g²
        const denom = v1.sqrt().div(bc2Sqrt).add(eps); //                        √v̂ + ε
        return [m1, v1, decayed.sub(m1.div(denom).mul(stepSize))]; //            p ← p − lr·m̂/(√v̂ + ε)
      });
      p.assign(next);
      next.dispose();
      sl.m.dispose(); sl.v.dispose();
      sl.m = tf.keep(m); sl.v = tf.keep(v);
    }
  }

  /** Replaces the state (checkpoint resume). Tensors are taken over (not copied). */
  setSlot(name: string, slot: AdamWSlot): void {
    const p = this.params.get(name);
    if (!p) throw new Error(`AdamW state: ${name} is not a trained parameter of this run`);
    for (const k of ['m', 'v'] as const) {
      if (slot[k].shape.join(',') !== p.shape.join(',')) throw new Error(`AdamW state: ${name}.${k} has shape [${slot[k].shape}], parameter [${p.shape}]`);
    }
    const old = this.slots.get(name);
    if (old) { old.m.dispose(); old.v.dispose(); }
    this.slots.set(name, { step: slot.step, m: tf.keep(slot.m), v: tf.keep(slot.v) });
  }

  dispose(): void {
    for (const s of this.slots.values()) { s.m.dispose(); s.v.dispose(); }
    this.slots.clear();
  }
}

/** Global L2 norm of all gradients (one float64 sum of per-tensor float32 sums of squares). */
export function globalNorm(grads: ReadonlyMap<string, tf.Tensor>): number {
  if (grads.size === 0) return 0;
  const sq = tf.tidy(() => tf.stack([...grads.values()].map((g) => g.square().sum())));
  const parts = sq.dataSync();
  sq.dispose();
  let s = 0;
  for (const v of parts) s += v;
  return Math.sqrt(s);
}

/**
 * Scales the gradients in place (the map's tensors are replaced) so that their global norm is at most
 * maxNorm; returns the norm before clipping. As clip_grad_norm_: coefficient maxNorm / (norm + 1e-6),
 * applied only when it is below 1.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): number {
  const norm = globalNorm(grads);
  const coef = maxNorm / (norm + 1e-6);
  if (Number.isFinite(norm) && coef < 1) {
    for (const [k, g] of grads) {
      grads.set(k, tf.tidy(() => g.mul(coef)));
      g.dispose();
    }
  }
  return norm;
}
