// The engine's methods, as the worker runs them. Each gets its params plus a context with the
// request's AbortSignal and an emit() for events; long methods (run, load) check signal often.
import type { EngineInfo } from '../../preload/contract.ts';
import type { BackendInfo } from '../../models/backend/types.ts';
import type { EngineEvent, EngineMethod, ParamsOf, ResultOf } from './protocol.ts';
import { memoryReport } from '../../models/backend/memory.ts';
import { generate, unloadLora } from './generate.ts';
import { explain, explainLayersOf } from './explain.ts';
import { ModelCache } from './model-cache.ts';
import { deviceTestStep, liveBackendInfo, withDeviceRecovery } from '../../models/backend/webgpu-fault.ts';
import { train } from './train.ts';
import { Preprocessor } from './preprocess.ts';

export interface MethodContext {
  signal: AbortSignal;
  emit(event: EngineEvent): void;
}

export type MethodTable = {
  [M in EngineMethod]: (params: ParamsOf<M>, ctx: MethodContext) => Promise<ResultOf<M>>;
};

export function toEngineInfo(info: BackendInfo): EngineInfo {
  const out: EngineInfo = {
    backend: info.name,
    requested: info.requested,
    package: info.package,
    fallbackReasons: [...info.fallbackReasons],
  };
  if (info.threads !== undefined) out.threads = info.threads;
  if (info.threaded !== undefined) out.threaded = info.threaded;
  if (info.adapter !== undefined) out.adapter = info.adapter;
  return out;
}

/** `backend` is the (possibly still pending) result of initBackend, started once per worker. */
export function createMethods(backend: Promise<BackendInfo>): MethodTable {
  const cache = new ModelCache();
  const preprocess = new Preprocessor();
  return {
    load: async (ref) => { await backend; return cache.get(ref).info; },
    unload: async () => ({ freed: cache.unload() + unloadLora() + (await preprocess.unload()) }),
    'preprocess.person': async (params, ctx) => { await backend; return preprocess.person(params, ctx.signal); },
    'preprocess.densepose': async (params, ctx) => { await backend; return preprocess.densepose(params, ctx.signal); },
    'preprocess.garment': async (params) => preprocess.garment(params),
    generate: async (params, ctx) => {
      await backend;
      // A lost GPU device or an out-of-memory error fails the cell with what the host did (new device,
      // or the fallback backend) and drops the model; the queue retries the cell (webgpu-fault.ts).
      const hooked: MethodContext = { ...ctx, emit: (e) => { if (e.type === 'progress') deviceTestStep(e.step); ctx.emit(e); } };
      return withDeviceRecovery(() => generate(cache, params, hooked), { release: () => cache.unload() });
    },
    memory: async () => { await backend; return memoryReport(); },
    explain: async (params, ctx) => { await backend; return explain(cache, params, ctx); },
    explainLayers: async (params) => explainLayersOf(params),
    train: async (params, ctx) => { await backend; return train(cache, params, ctx); },
    info: async () => {
      try {
        return toEngineInfo(liveBackendInfo(await backend));
      } catch (err) {
        throw new Error(`tensor backend failed to start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    },
  };
}
