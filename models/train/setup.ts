// Builds a Trainer from a TrainConfig: opens the starting model (released or fine-tuned weights, or seeded
// random UNets for from-scratch experiments) and the dataset (folder or synthetic).
import { openCheckpoint } from '../io/index.ts';
import { randomHostParams } from '../nn/host-params.ts';
import type { LoadedLeffa } from '../leffa/loaded.ts';
import { LeffaModel, readBaseFolder } from '../leffa/model.ts';
import { openLeffa } from '../leffa/open.ts';
import { MapParamStore, toEngineTensor } from '../nn/params.ts';
import type { TrainConfig } from './config.ts';
import { FolderDataset, type PairSource } from './dataset.ts';
import { SyntheticDataset } from './synthetic.ts';
import { Trainer, type ObjectiveFn } from './trainer.ts';

/** The model a run starts from. Full fine-tuning keeps every weight resident (Variables need it). */
export function openTrainingModel(c: TrainConfig): LoadedLeffa {
  if (c.model.init === 'weights') {
    return openLeffa(c.model.weights!, { base: c.model.base, placement: c.mode === 'full' ? 'resident' : 'auto' });
  }
  return randomLeffa(c.model.base!, c.seed, c.model.vaeWeights);
}

/**
 * A LeffaModel with seeded random weights (models/nn/host-params.ts `randomHostParams`: a JS generator, so
 * the same seed gives the same weights on every backend), optionally with the `vae.*` weights of a
 * checkpoint: a from-scratch run trains the UNets and keeps the VAE frozen.
 */
export function randomLeffa(baseFolder: string, seed: number, vaeWeights?: string): LoadedLeffa {
  const model = new LeffaModel(readBaseFolder(baseFolder));
  const specs = model.params().filter(LeffaModel.isUsed);
  const fromFile = vaeWeights ? specs.filter((s) => s.name.startsWith('vae.')) : [];
  const host = randomHostParams(specs.filter((s) => !fromFile.includes(s)), seed);
  const store = new MapParamStore(new Map([...host.data.keys()].map((k) => [k, host.get(k)])), `random (seed ${seed})`);
  host.dispose();
  if (vaeWeights) {
    const src = openCheckpoint(vaeWeights);
    try {
      for (const s of fromFile) {
        if (!src.has(s.name)) throw new Error(`model.vaeWeights ${vaeWeights}: ${s.name} is missing`);
        const info = src.info(s.name);
        if (info.shape.join(',') !== s.shape.join(',')) throw new Error(`model.vaeWeights ${vaeWeights}: ${s.name} has shape [${info.shape}], this model's VAE expects [${s.shape}]`);
        store.tensors.set(s.name, toEngineTensor(s, src.readFloat32(s.name)));
      }
    } catch (e) {
      store.dispose();
      throw e;
    } finally {
      src.close();
    }
  }
  const params = new MapParamStore(store.tensors, `random (seed ${seed})`);
  return { model, params, placement: 'resident', precision: 'fp32', dispose: () => params.dispose() };
}

export async function openPairSource(c: TrainConfig): Promise<PairSource> {
  const d = c.dataset;
  if (d.type === 'synthetic') return new SyntheticDataset({ seed: d.seed, size: d.size, holdout: d.holdout, detail: d.detail });
  return FolderDataset.open(d.path, d.holdout);
}

export async function createTrainer(c: TrainConfig, objective?: ObjectiveFn): Promise<Trainer> {
  const source = await openPairSource(c); // validate the data before loading gigabytes of weights
  const loaded = openTrainingModel(c);
  try {
    return new Trainer({ config: c, loaded, source, objective });
  } catch (e) {
    loaded.dispose();
    throw e;
  }
}
