// A LeffaModel together with its loaded parameters.
import type { TensorSource } from '../io/types.ts';
import type { MapParamStore } from '../nn/params.ts';
import { loadParams, type LoadParamsOptions } from './load-params.ts';
import { LeffaModel, readBaseFolder } from './model.ts';

export interface LoadedLeffa {
  model: LeffaModel;
  params: MapParamStore;
  dispose(): void;
}

/** Builds the model from a diffusers base folder and loads the weights of `source` (strict, by name). */
export function loadLeffa(baseFolder: string, source: TensorSource, opts: LoadParamsOptions = {}): LoadedLeffa {
  const model = new LeffaModel(readBaseFolder(baseFolder));
  const params = loadParams(model.params(), source, { needed: LeffaModel.isUsed, ...opts });
  return { model, params, dispose: () => params.dispose() };
}
