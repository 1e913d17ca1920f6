// The engine's methods, as the worker runs them. Each gets its params plus a context with the
// request's AbortSignal and an emit() for events; long methods (run, load) check signal often.
import type { EngineInfo } from '../../preload/contract.ts';
import type { BackendInfo } from '../../models/backend/types.ts';
import type { EngineEvent, EngineMethod, ParamsOf, ResultOf } from './protocol.ts';
import { memoryReport } from '../../models/backend/memory.ts';
import { generate } from './generate.ts';
import { ModelCache } from './model-cache.ts';

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
  return {
    load: async (ref) => { await backend; return cache.get(ref).info; },
    unload: async () => ({ freed: cache.unload() }),
    generate: async (params, ctx) => { await backend; return generate(cache, params, ctx); },
    memory: async () => { await backend; return memoryReport(); },
    info: async () => {
      try {
        return toEngineInfo(await backend);
      } catch (err) {
        throw new Error(`tensor backend failed to start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    },
  };
}
