// What a run trains, as tf.Variables keyed by state-dict name, and the ParamStore the model reads them from.
//
// full: every parameter of both UNets that training reaches (LeffaModel.isUsed: not attn2, not the
//       reference UNet's conv_out, not SDXL's add_embedding) becomes a Variable, put in place of the resident
//       tensor in the loaded model's own store — so the LoadedLeffa samples with the trained weights as is.
//       Needs resident weights (a host-placed model does not fit training memory anyway: use LoRA).
// lora: the base weights stay as loaded (resident or host); only the LoRA factors are Variables, and the
//       model reads through a LoraParamStore.
// The VAE is frozen in both modes (spec §5.2).
import * as tf from '../tf.ts';
import { LeffaModel } from '../leffa/model.ts';
import type { LoadedLeffa } from '../leffa/loaded.ts';
import { MapParamStore, type ParamSpec, type ParamStore } from '../nn/params.ts';
import { initLora, LoraParamStore, loraModules, loraScale, type LoraModule, type LoraOptions } from './lora.ts';
import type { TrainMode } from './config.ts';

export interface Trainable {
  mode: TrainMode;
  /** PyTorch-layout spec of every trained tensor (for checkpoints), in state-dict order. */
  specs: Map<string, ParamSpec>;
  vars: Map<string, tf.Variable>;
  /** What the model reads during training and sampling. */
  store: ParamStore;
  /** The loaded model, its params replaced by `store` (pass it to leffaSample). */
  loaded: LoadedLeffa;
  lora?: { options: LoraOptions; modules: LoraModule[] };
  /** Total trained values. */
  numel: number;
  /** Frees the Variables this object created (full mode: they live in the model's store; see below). */
  dispose(): void;
}

export function isUnetParam(name: string): boolean {
  return name.startsWith('unet.') || name.startsWith('unet_encoder.');
}

const numelOf = (s: ParamSpec) => s.shape.reduce((a, b) => a * b, 1);

export function makeTrainable(loaded: LoadedLeffa, mode: TrainMode, lora: LoraOptions | undefined, seed: number): Trainable {
  const specs = loaded.model.params();
  if (mode === 'full') {
    if (!(loaded.params instanceof MapParamStore)) {
      throw new Error('full fine-tuning needs the weights resident in the backend (placement "resident"); this model was loaded with host placement, which means it does not fit — train a LoRA instead (mode "lora")');
    }
    const store = loaded.params;
    const trained = specs.filter((s) => isUnetParam(s.name) && LeffaModel.isUsed(s));
    const vars = new Map<string, tf.Variable>();
    for (const s of trained) {
      const t = store.tensors.get(s.name);
      if (!t) throw new Error(`full fine-tuning: ${s.name} is not loaded`);
      const v = tf.variable(t, true); // shares t's data; the store now hands out the Variable
      store.tensors.set(s.name, v);
      t.dispose();
      vars.set(s.name, v);
    }
    return {
      mode, vars, store, loaded,
      specs: new Map(trained.map((s) => [s.name, s])),
      numel: trained.reduce((a, s) => a + numelOf(s), 0),
      // The Variables are the model's weights now: the LoadedLeffa's dispose frees them.
      dispose: () => {},
    };
  }
  if (!lora) throw new Error('mode "lora" needs LoRA options (rank, alpha, targets)');
  const modules = loraModules(specs, lora);
  const vars = initLora(modules, seed);
  const store = new LoraParamStore(loaded.params, modules, vars, loraScale(lora));
  const factorSpecs = modules.flatMap((m) => [m.a, m.b]);
  const params = Object.assign(store, { dispose: () => loaded.params.dispose() });
  return {
    mode, vars, store, lora: { options: lora, modules },
    loaded: { ...loaded, params, dispose: () => loaded.dispose() },
    specs: new Map(factorSpecs.map((s) => [s.name, s])),
    numel: factorSpecs.reduce((a, s) => a + numelOf(s), 0),
    dispose: () => { for (const v of vars.values()) v.dispose(); vars.clear(); },
  };
}
