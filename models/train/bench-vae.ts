// A small trained VAE for the from-scratch benchmark (scripts/bench-leffa.ts).
//
// Leffa trains with a frozen, pretrained VAE (spec §5.2). The benchmark starts the tiny dual-UNet from
// random weights, and a random VAE would make pixel-space texture errors meaningless (its decoder does not
// invert its encoder). So the benchmark first fits the tiny VAE config as an autoencoder on the synthetic
// images (person and garment photos): L1 + L2 reconstruction of a posterior sample, a small KL term, and a
// term that keeps the scaled latents at unit standard deviation (the UNets expect latents·scaling_factor ≈
// N(0, 1), as for SD's VAE). The result is written as a `vae.*` state dict (PyTorch layout), which
// `randomLeffa(base, seed, vaeWeights)` loads, and reused across benchmark runs.
import * as tf from '../tf.ts';
import { writeSafetensors } from '../io/index.ts';
import { imageToTensor } from '../image/index.ts';
import type { LeffaModel } from '../leffa/model.ts';
import { randomHostParams } from '../nn/host-params.ts';
import { registerTrainingKernels } from './kernels/register.ts';
import { AdamW } from './optimizer.ts';
import { KeyedRng } from './rng-state.ts';
import type { SyntheticDataset } from './synthetic.ts';
import { toTorchData } from './torch-layout.ts';

export interface VaeFitOptions {
  steps: number;
  /** Pairs per step (each gives two images: person and garment). */
  batchSize: number;
  lr: number;
  seed: number;
  width: number;
  height: number;
  onStep?: (step: number, loss: number) => void;
}

/** Fits the VAE of `model` on the synthetic set and writes it to `path`; returns the final loss. */
export async function fitBenchVae(model: LeffaModel, data: SyntheticDataset, path: string, o: VaeFitOptions): Promise<number> {
  registerTrainingKernels(); // conv2d gradients on wasm
  const specs = model.vae.params();
  const host = randomHostParams(specs, o.seed);
  const vars = new Map(specs.map((s) => [s.name, tf.tidy(() => tf.variable(host.get(s.name), true))]));
  host.dispose();
  const store = { get: (n: string) => { const v = vars.get(n); if (!v) throw new Error(`bench VAE: ${n} missing`); return v; } };
  const opt = new AdamW(vars, { weightDecay: 0 });
  const rng = new KeyedRng(o.seed);
  const sf = model.vae.scalingFactor;
  let last = NaN;
  try {
    for (let step = 0; step < o.steps; step++) {
      const idx = rng.ints(`vae/step/${step}/pairs`, o.batchSize, data.trainSize);
      const pairs = await Promise.all(idx.map((i) => data.load('train', i, o)));
      const x = imageToTensor(pairs.flatMap((p) => [p.person, p.garment])); // [2B,H,W,3]
      const eps = rng.normal(`vae/step/${step}/eps`, [x.shape[0], o.height / model.vae.scaleFactor, o.width / model.vae.scaleFactor, 4]) as tf.Tensor4D;
      const { value, grads } = tf.variableGrads(() => {
        const post = model.vae.encode(store, x);
        const z = model.vae.sample(post, eps, false);
        const rec = model.vae.decode(store, z);
        const diff = rec.sub(x);
        const recon = diff.abs().mean().add(diff.square().mean());
        const kl = post.mean.square().add(post.std.square()).sub(post.logvar).sub(1).mean().mul(0.5);
        const unit = tf.moments(post.mean.mul(sf)).variance.sqrt().sub(1).square(); // scaled latents at std 1
        return recon.add(kl.mul(1e-4)).add(unit.mul(0.1)) as tf.Scalar;
      }, [...vars.values()]);
      const byVar = new Map([...vars].map(([k, v]) => [v.name, k]));
      const named = new Map(Object.entries(grads).map(([k, g]) => [byVar.get(k)!, g]));
      opt.step(named, o.lr);
      last = value.dataSync()[0]!;
      tf.dispose([value, x, eps, ...named.values()]);
      if (!Number.isFinite(last)) throw new Error(`bench VAE: loss is ${last} at step ${step}`);
      o.onStep?.(step, last);
      if (step % 10 === 9) await new Promise((r) => setImmediate(r));
    }
    writeSafetensors(path, specs.map((s) => ({ name: s.name, dtype: 'F32' as const, shape: s.shape, data: toTorchData(s, vars.get(s.name)!.dataSync() as Float32Array) })), { 'leffa-studio:content': 'bench VAE', steps: String(o.steps), loss: String(last) });
    return last;
  } finally {
    opt.dispose();
    for (const v of vars.values()) v.dispose();
  }
}
