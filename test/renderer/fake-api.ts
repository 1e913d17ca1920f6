// A scripted Api for the renderer's state classes: each channel answers from a handler the test
// gives (a value or a function of the request), every call is recorded, and pushed events are
// emitted by hand. Channels without a handler fail like the host does for an unknown id.
import type { Channel, ErrorKind, EventName, EventSpec, FileRef, RequestOf, ResponseOf } from '../../preload/contract.ts';
import type { Api } from '../../renderer/src/lib/api.ts';
import { ApiCallError } from '../../renderer/src/lib/api-error.ts';

type Handler<C extends Channel> = ResponseOf<C> | ((request: RequestOf<C>) => ResponseOf<C> | Promise<ResponseOf<C>>);
export type Handlers = { [C in Channel]?: Handler<C> };

export interface FakeApi extends Api {
  calls: Array<{ channel: Channel; request: unknown }>;
  callsTo(channel: Channel): unknown[];
  emit<E extends EventName>(event: E, payload: EventSpec[E]): void;
  /** Listeners subscribed to `event` now (0 once a state's connect() was undone). */
  listenerCount(event: EventName): number;
  handlers: Handlers;
}

export function fakeApi(handlers: Handlers = {}, opts: { mode?: 'electron' | 'serve' } = {}): FakeApi {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  const calls: FakeApi['calls'] = [];
  let nextRef = 1;
  const api: FakeApi = {
    mode: opts.mode ?? 'serve',
    handlers,
    calls,
    callsTo: (channel) => calls.filter((c) => c.channel === channel).map((c) => c.request),
    info: async () => ({ name: 'Leffa Studio', version: '0.1.0', mode: 'serve', runtime: { node: '20', platform: 'linux', arch: 'x64' } }),
    engineInfo: async () => ({ backend: 'cpu', requested: 'auto', package: '@tensorflow/tfjs-backend-cpu', fallbackReasons: [] }),
    async call<C extends Channel>(channel: C, request?: RequestOf<C>): Promise<ResponseOf<C>> {
      calls.push({ channel, request });
      const handler = (api.handlers as Record<string, unknown>)[channel];
      if (handler === undefined) throw new ApiCallError({ name: 'NotFoundError', message: `no handler for ${channel}`, kind: 'not_found' });
      await Promise.resolve();
      return (typeof handler === 'function' ? await (handler as (r: unknown) => unknown)(request) : handler) as ResponseOf<C>;
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (payload: never) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (payload: never) => void);
    },
    emit(event, payload) {
      for (const l of listeners.get(event) ?? []) (l as (p: typeof payload) => void)(payload);
    },
    listenerCount: (event) => listeners.get(event)?.size ?? 0,
    blobUrl: (hash) => `/blob/${hash}`,
    fileRefs: async (files) => Array.from(files, (f): FileRef => ({ id: `f_${nextRef++}`, name: f.name, size: f.size, kind: 'file' })),
    openFiles: async () => (opts.mode === 'electron' ? [] : null),
  };
  return api;
}

export const tick = () => new Promise((r) => setImmediate(r));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A handler that fails the way the host does: an ApiCallError with this message and kind. */
export function fails(message: string, kind: ErrorKind = 'internal'): () => never {
  return () => {
    throw new ApiCallError({ name: 'Error', message, kind });
  };
}

/** A held answer: the call waits until the test resolves (or rejects) it. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

