// The worker side of the protocol, independent of worker_threads: give it any message port and a
// method table. Keeps one AbortController per running request so `cancel` can reach it.
import type { WireError } from '../../preload/contract.ts';
import type { MethodContext, MethodTable } from './methods.ts';
import type { HostMessage, WorkerMessage } from './protocol.ts';

export interface PortLike {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  postMessage(message: WorkerMessage): void;
  close(): void;
}

export interface EngineRuntimeOptions {
  port: PortLike;
  /** Any subset of the methods (tests give one or two); an unknown method gets an error response. */
  methods: Partial<MethodTable>;
  /** Frees the tensor backend; runs once, on `shutdown`, before the port closes. May be sync. */
  shutdown(): Promise<void> | void;
}

function wire(err: unknown): WireError {
  // The worker only ever reports internal failures; the host maps "worker gone" to unavailable.
  if (err instanceof Error) return { name: err.name, message: err.message, kind: 'internal' };
  return { name: 'Error', message: String(err), kind: 'internal' };
}

export function attachEngineRuntime({ port, methods, shutdown }: EngineRuntimeOptions): void {
  const running = new Map<number, AbortController>();

  async function handleRequest(msg: Extract<HostMessage, { kind: 'request' }>): Promise<void> {
    const controller = new AbortController();
    running.set(msg.seq, controller);
    const ctx: MethodContext = {
      signal: controller.signal,
      emit: (event) => port.postMessage({ kind: 'event', seq: msg.seq, event }),
    };
    try {
      if (!Object.hasOwn(methods, msg.method)) throw new Error(`unknown engine method ${JSON.stringify(msg.method)}`);
      const method = methods[msg.method] as (params: unknown, c: MethodContext) => Promise<unknown>;
      const result = await method(msg.params, ctx);
      port.postMessage({ kind: 'response', seq: msg.seq, ok: true, result });
    } catch (err) {
      port.postMessage({ kind: 'response', seq: msg.seq, ok: false, error: wire(err) });
    } finally {
      running.delete(msg.seq);
    }
  }

  port.on('message', (raw) => {
    const msg = raw as HostMessage;
    switch (msg?.kind) {
      case 'request':
        void handleRequest(msg);
        break;
      case 'cancel':
        running.get(msg.seq)?.abort(new Error(`request ${msg.seq} canceled`));
        break;
      case 'shutdown':
        for (const controller of running.values()) controller.abort(new Error('engine shutting down'));
        void Promise.resolve()
          .then(shutdown)
          .catch(() => undefined)
          .finally(() => {
            port.postMessage({ kind: 'closed' });
            port.close();
          });
        break;
      default:
        port.postMessage({ kind: 'event', seq: 0, event: { type: 'log', message: `ignored malformed message ${JSON.stringify(raw)}` } });
    }
  });
}
