// A LeffaModel together with its loaded parameters, and the memory plan that decides where they live.
//
// Plan (models/README.md): 'resident' puts every weight in the backend's memory once; 'host' keeps them in
// JS memory (fp32 or fp16) and uploads each layer's weights when it runs (see nn/host-params.ts). 'auto'
// picks 'host' when the weights would not leave room for activations in a wasm heap (4 GiB ceiling),
// 'resident' otherwise (tfjs-node, WebGPU and the cpu backend have no such ceiling).
import * as tf from '../tf.ts';
import type { TensorSource } from '../io/types.ts';
import type { ParamSpec, ParamStore } from '../nn/params.ts';
import { loadHostParams, type HostPrecision } from '../nn/host-params.ts';
import { loadParams, type LoadParamsOptions } from './load-params.ts';
import { LeffaModel, readBaseFolder } from './model.ts';

export type WeightPlacement = 'resident' | 'host';

export interface LoadedLeffa {
  model: LeffaModel;
  params: ParamStore & { dispose(): void };
  placement: WeightPlacement;
  precision: HostPrecision;
  dispose(): void;
}

export interface LoadLeffaOptions extends LoadParamsOptions {
  placement?: WeightPlacement | 'auto';
  /** Host placement only: keep weights as fp16 in JS memory (halves RAM; computation stays fp32). */
  precision?: HostPrecision;
  /** 'auto' goes to host placement above this many bytes of weights on wasm (default 2 GiB). */
  residentBudgetBytes?: number;
}

const numel = (s: ParamSpec) => s.shape.reduce((a, b) => a * b, 1);

export function choosePlacement(specs: ParamSpec[], opts: LoadLeffaOptions): WeightPlacement {
  if (opts.placement && opts.placement !== 'auto') return opts.placement;
  const bytes = 4 * specs.reduce((a, s) => a + numel(s), 0);
  const budget = opts.residentBudgetBytes ?? (tf.getBackend() === 'wasm' ? 2 * 2 ** 30 : Infinity);
  return bytes > budget ? 'host' : 'resident';
}

/** Builds the model from a diffusers base folder and loads the weights of `source` (strict, by name). */
export function loadLeffa(baseFolder: string, source: TensorSource, opts: LoadLeffaOptions = {}): LoadedLeffa {
  const model = new LeffaModel(readBaseFolder(baseFolder));
  return loadInto(model, source, opts);
}

export function loadInto(model: LeffaModel, source: TensorSource, opts: LoadLeffaOptions = {}): LoadedLeffa {
  const all = model.params();
  const needed = all.filter(opts.needed ?? LeffaModel.isUsed);
  const placement = choosePlacement(needed, opts);
  const precision = placement === 'host' ? opts.precision ?? 'fp32' : 'fp32';
  let params: LoadedLeffa['params'];
  if (placement === 'resident') {
    params = loadParams(all, source, { ...opts, needed: opts.needed ?? LeffaModel.isUsed });
  } else {
    loadParams(all, source, { needed: () => false }); // key, shape and dtype checks only
    params = loadHostParams(needed, source, precision, opts.onProgress);
  }
  return { model, params, placement, precision, dispose: () => params.dispose() };
}
