// The main side of the engine: starts the worker thread, numbers each request, routes responses and
// events back by seq, and fails every pending request if the worker dies. Main's event loop only
// ever posts and receives messages here; all tensor work happens in the worker.
import { SHARE_ENV, Worker } from 'node:worker_threads';
import type { EngineInfo } from '../../preload/contract.ts';
import { ApiError, UnavailableError } from '../api/errors.ts';
import { isWorkerMessage } from './protocol.ts';
import type { EngineEvent, EngineMethod, EngineWorkerData, HostMessage, ParamsOf, ResultOf, WorkerMessage } from './protocol.ts';

export interface EngineHostOptions {
  /** The worker script. Default: worker.ts beside this file under tsx, engine-worker.cjs when bundled. */
  workerUrl?: URL;
  workerData?: EngineWorkerData;
  /** Where worker logs and crashes are reported. Default console.error. */
  log?: (message: string) => void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  onEvent?: (event: EngineEvent) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  onEvent?: (event: EngineEvent) => void;
}

/**
 * Source files end in .ts (tsx); the esbuild bundle is dist/main/index.cjs, whose import.meta.url
 * the build defines as the bundle's own file URL, with the worker bundled beside it.
 */
export function defaultWorkerUrl(base: string = import.meta.url): URL {
  return base.endsWith('.ts') ? new URL('./worker.ts', base) : new URL('./engine-worker.cjs', base);
}

/** A .ts entry (tsx) goes through tsx-bootstrap.mjs; see that file for why. */
function workerStart(url: URL, data: EngineWorkerData): { file: URL; workerData: EngineWorkerData } {
  if (!url.pathname.endsWith('.ts')) return { file: url, workerData: data };
  return { file: new URL('./tsx-bootstrap.mjs', import.meta.url), workerData: { ...data, tsEntry: url.href } };
}

export class EngineHost {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #log: (message: string) => void;
  #seq = 0;
  #dead: Error | null = null;
  #exited: Promise<void>;

  constructor(opts: EngineHostOptions = {}) {
    this.#log = opts.log ?? ((m) => console.error(`[engine] ${m}`));
    const start = workerStart(opts.workerUrl ?? defaultWorkerUrl(), opts.workerData ?? {});
    // SHARE_ENV: the worker's native code (Dawn's Vulkan loader) must see the same environment as main.
    this.#worker = new Worker(start.file, { workerData: start.workerData, env: SHARE_ENV });
    this.#worker.on('message', (msg: unknown) => this.#onMessage(msg));
    this.#worker.on('error', (err) => this.#fail(new UnavailableError(`engine worker crashed: ${err.message}`)));
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', (code) => {
        this.#fail(new UnavailableError(`engine worker exited (code ${code})`));
        resolve();
      });
    });
  }

  /** Sends one request; resolves with its result or rejects with an ApiError carrying its kind. */
  request<M extends EngineMethod>(method: M, params: ParamsOf<M>, opts: RequestOptions = {}): Promise<ResultOf<M>> {
    if (this.#dead) return Promise.reject(this.#dead);
    const seq = ++this.#seq;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const { signal, onEvent } = opts;
      const onAbort = () => this.#post({ kind: 'cancel', seq });
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.#pending.set(seq, {
        resolve: (v) => (done(), resolve(v as ResultOf<M>)),
        reject: (e) => (done(), reject(e)),
        onEvent,
      });
      this.#post({ kind: 'request', seq, method, params } as HostMessage);
      if (signal?.aborted) onAbort();
    });
  }

  /** The reason the worker is gone (crash, exit, close), or null while it runs. */
  get deadReason(): Error | null {
    return this.#dead;
  }

  info(): Promise<EngineInfo> {
    return this.request('info', {});
  }

  /** Kills the worker thread at once (a crash, as far as pending requests are concerned). */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
    await this.#exited;
  }

  /** Asks the worker to free its backend and exit; terminates it if that takes over timeoutMs. */
  async close({ timeoutMs = 5000 }: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.#dead) this.#post({ kind: 'shutdown' });
    const timer = setTimeout(() => void this.#worker.terminate(), timeoutMs);
    try {
      await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #post(msg: HostMessage): void {
    this.#worker.postMessage(msg);
  }

  #onMessage(raw: unknown): void {
    if (!isWorkerMessage(raw)) return this.#log(`ignored malformed worker message ${JSON.stringify(raw)}`);
    const msg: WorkerMessage = raw;
    if (msg.kind === 'closed') {
      // The worker has freed its backend; terminate so lingering backend threads cannot keep it alive.
      void this.#worker.terminate();
      return;
    }
    if (msg.kind === 'event') {
      if (msg.seq === 0 && msg.event.type === 'log') return this.#log(msg.event.message);
      this.#pending.get(msg.seq)?.onEvent?.(msg.event);
      return;
    }
    const pending = this.#pending.get(msg.seq);
    if (!pending) return this.#log(`response for unknown request ${msg.seq}`);
    this.#pending.delete(msg.seq);
    if (msg.ok) pending.resolve(msg.result);
    else pending.reject(new ApiError(msg.error.kind, msg.error.message, msg.error.name));
  }

  #fail(err: Error): void {
    if (this.#dead) return;
    this.#dead = err;
    for (const pending of this.#pending.values()) pending.reject(err);
    this.#pending.clear();
  }
}
