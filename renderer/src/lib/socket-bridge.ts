// The browser-side twin of the preload: an AppBridge that talks to `npm run serve` over a
// WebSocket ({id, channel, payload} out, {id, result} back; pushed events arrive as
// {event, payload}). Only api.ts uses it.
import type { AppBridge, BridgeMethods, Channel, EventName, EventSpec, Result } from '../../../preload/contract.ts';
import { BRIDGE_CHANNELS as CHANNELS } from './bridge-channels.ts';

/** The slice of the DOM WebSocket used here, so tests can pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown }) => void): void;
}

export interface SocketBridgeOptions {
  url: string;
  connect?: (url: string) => SocketLike;
  /** A call with no answer after this long fails as 'unavailable'. */
  timeoutMs?: number;
  /** While someone listens for events, a dropped socket is reopened after this long (doubling to 30 s). */
  reconnectMs?: number;
}

const OPEN = 1;

function failure(message: string): Result<never> {
  return { ok: false, error: { name: 'ConnectionError', message, kind: 'unavailable' } };
}

export function socketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

export function createSocketBridge({ url, connect = (u) => new WebSocket(u), timeoutMs = 30_000, reconnectMs = 1000 }: SocketBridgeOptions): AppBridge {
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let socket: SocketLike | null = null;
  let opened: Promise<SocketLike> | null = null;
  let nextId = 1;
  let retryMs = reconnectMs;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  function settle(id: number, result: Result<unknown>): void {
    pending.get(id)?.(result);
    pending.delete(id);
  }

  function listening(): boolean {
    for (const set of listeners.values()) if (set.size) return true;
    return false;
  }

  // Events are only pushed over an open socket: keep one open while anybody listens.
  function scheduleReconnect(): void {
    if (retryTimer || !listening()) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      ready().catch(() => scheduleReconnect());
    }, retryMs);
    retryMs = Math.min(retryMs * 2, 30_000);
  }

  function onMessage(data: unknown): void {
    let reply: { id?: unknown; result?: Result<unknown>; event?: unknown; payload?: unknown };
    try {
      reply = JSON.parse(String(data));
    } catch {
      return;
    }
    if (typeof reply.id === 'number' && reply.result) return settle(reply.id, reply.result);
    if (typeof reply.event === 'string') {
      for (const listener of [...(listeners.get(reply.event as EventName) ?? [])]) {
        try {
          listener(reply.payload);
        } catch (err) {
          console.error(`[api] ${reply.event} listener failed:`, err);
        }
      }
    }
  }

  // Connects on first use and again after the socket drops; calls made meanwhile wait for 'open'.
  function ready(): Promise<SocketLike> {
    // CONNECTING (0) or OPEN (1): reuse; CLOSING or CLOSED: start over.
    if (opened && socket && socket.readyState <= OPEN) return opened;
    const ws = connect(url);
    socket = ws;
    opened = new Promise((resolve, reject) => {
      ws.addEventListener('open', () => {
        retryMs = reconnectMs;
        resolve(ws);
      });
      ws.addEventListener('error', () => reject(new Error(`cannot reach ${url}`)));
      ws.addEventListener('close', () => {
        reject(new Error(`connection to ${url} closed`));
        for (const id of [...pending.keys()]) settle(id, failure('connection to the app server closed'));
        if (socket === ws) scheduleReconnect();
      });
      ws.addEventListener('message', (event) => onMessage(event.data));
    });
    // Nobody may be awaiting it (an event subscription); the failure is reported to callers anyway.
    opened.catch(() => undefined);
    return opened;
  }

  async function call(channel: Channel, payload: unknown): Promise<Result<unknown>> {
    let ws: SocketLike;
    try {
      ws = await ready();
    } catch (err) {
      return failure((err as Error).message);
    }
    const id = nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(id, failure(`'${channel}' got no answer in ${timeoutMs} ms`)), timeoutMs);
      pending.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      ws.send(JSON.stringify({ id, channel, payload }));
    });
  }

  const methods: Record<string, (request?: unknown) => Promise<Result<unknown>>> = {};
  for (const [method, channel] of Object.entries(CHANNELS) as [string, Channel][]) {
    methods[method] = (request = {}) => call(channel, request);
  }

  return {
    ...(methods as unknown as BridgeMethods),
    on<E extends EventName>(event: E, listener: (payload: EventSpec[E]) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      listeners.set(event, set);
      ready().catch(() => scheduleReconnect());
      return () => {
        set.delete(listener as (payload: unknown) => void);
      };
    },
  };
}
