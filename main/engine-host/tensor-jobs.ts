// One tensor job at a time on the engine worker. The worker would interleave two requests at every await (a
// step boundary), and a request for another checkpoint would unload the model under a running cell. createHost
// wraps the engine once with serializeTensorJobs and hands that to the queue, explain and training, so an
// explain waits for the running cell, the next cell waits for the explain, and a training run holds the engine
// for its whole length (the queue pauses meanwhile). Preprocessing (auto masks, DensePose, garment clean-up)
// uses the engine directly: its pose models are small and separate from the diffusion model, and a user who
// clicks "Auto mask" must not wait for a batch or a training run to end.
import type { RequestOptions } from './host.ts';
import type { EngineMethod, ParamsOf, ResultOf } from './protocol.ts';

/** What the services need of the engine host: one request method (EngineSupervisor, or this wrapper). */
export interface EngineLike {
  request<M extends EngineMethod>(method: M, params: ParamsOf<M>, opts?: RequestOptions): Promise<ResultOf<M>>;
}

/** Engine methods that run no tensor work and so need not wait: status, memory, the layer list (configs only). */
const UNSERIALIZED = new Set<EngineMethod>(['info', 'memory', 'explainLayers']);

/**
 * An engine whose tensor requests run one at a time, in call order. A request whose signal aborts while it
 * waits is dropped without reaching the worker (it rejects with the signal's reason).
 */
export function serializeTensorJobs(engine: EngineLike): EngineLike & { readonly waiting: number } {
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  return {
    get waiting() { return waiting; },
    request<M extends EngineMethod>(method: M, params: ParamsOf<M>, opts: RequestOptions = {}): Promise<ResultOf<M>> {
      if (UNSERIALIZED.has(method)) return engine.request(method, params, opts);
      const { signal } = opts;
      const reason = () => (signal?.reason instanceof Error ? signal.reason : new Error(`${method} was cancelled before it started`));
      waiting++;
      let left = false;
      const leave = () => { if (!left) { left = true; waiting--; } };
      const run = tail.then(() => {
        leave();
        if (signal?.aborted) throw reason();
        return engine.request(method, params, opts);
      });
      tail = run.catch(() => undefined);
      if (!signal) return run;
      // A request cancelled while it waits fails at once (its turn is then skipped), not after the job ahead.
      return new Promise<ResultOf<M>>((resolve, reject) => {
        const onAbort = () => { if (!left) { leave(); reject(reason()); } };
        signal.addEventListener('abort', onAbort, { once: true });
        run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
  };
}
