// Keeps an engine worker available: a worker that crashed or exited is replaced by a fresh one on the next
// request. The request that was running when it died fails with an `unavailable` error (the queue marks
// that cell failed and can retry it); nothing else is lost, because the worker holds no state the main
// process needs (the loaded checkpoint is simply loaded again).
import { EngineHost, type EngineHostOptions, type RequestOptions } from './host.ts';
import type { EngineMethod, ParamsOf, ResultOf } from './protocol.ts';

export class EngineSupervisor {
  #host: EngineHost | null = null;
  #closed = false;
  /** How many workers were started after the first (crash recoveries). */
  restarts = 0;

  constructor(private readonly opts: EngineHostOptions = {}) {}

  #current(): EngineHost {
    if (this.#closed) throw new Error('engine supervisor is closed');
    if (this.#host && !this.#host.deadReason) return this.#host;
    if (this.#host) {
      this.restarts++;
      (this.opts.log ?? console.error)(`[engine] restarting the engine worker (${this.#host.deadReason?.message})`);
    }
    this.#host = new EngineHost(this.opts);
    return this.#host;
  }

  request<M extends EngineMethod>(method: M, params: ParamsOf<M>, opts: RequestOptions = {}): Promise<ResultOf<M>> {
    try {
      return this.#current().request(method, params, opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Tests: kill the current worker thread abruptly, as a crash would. */
  async terminateForTests(): Promise<void> {
    await this.#host?.terminate();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#host?.close();
  }
}
