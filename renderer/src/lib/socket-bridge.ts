// The browser-side twin of the preload: an AppBridge that talks to `npm run serve` over a
// WebSocket ({id, channel, payload} out, {id, result} back). Only api.ts uses it.
import type { AppBridge, BridgeChannels, Channel, Result } from '../../../preload/contract.ts';

/** Same map as preload/bridge.ts; the BridgeChannels type keeps the two in step. */
const CHANNELS: BridgeChannels = { info: 'app:info', engineInfo: 'engine:info' };

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
}

const OPEN = 1;

function failure(message: string): Result<never> {
  return { ok: false, error: { name: 'ConnectionError', message, kind: 'unavailable' } };
}

export function socketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

export function createSocketBridge({ url, connect = (u) => new WebSocket(u), timeoutMs = 30_000 }: SocketBridgeOptions): AppBridge {
  const pending = new Map<number, (result: Result<unknown>) => void>();
  let socket: SocketLike | null = null;
  let opened: Promise<SocketLike> | null = null;
  let nextId = 1;

  function settle(id: number, result: Result<unknown>): void {
    pending.get(id)?.(result);
    pending.delete(id);
  }

  // Connects on first use and again after the socket drops; calls made meanwhile wait for 'open'.
  function ready(): Promise<SocketLike> {
    // CONNECTING (0) or OPEN (1): reuse; CLOSING or CLOSED: start over.
    if (opened && socket && socket.readyState <= OPEN) return opened;
    const ws = connect(url);
    socket = ws;
    opened = new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(ws));
      ws.addEventListener('error', () => reject(new Error(`cannot reach ${url}`)));
      ws.addEventListener('close', () => {
        reject(new Error(`connection to ${url} closed`));
        for (const id of [...pending.keys()]) settle(id, failure('connection to the app server closed'));
      });
      ws.addEventListener('message', (event) => {
        let reply: { id?: unknown; result?: Result<unknown> };
        try {
          reply = JSON.parse(String(event.data));
        } catch {
          return;
        }
        if (typeof reply.id === 'number' && reply.result) settle(reply.id, reply.result);
      });
    });
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

  return {
    info: (request = {}) => call(CHANNELS.info, request) as ReturnType<AppBridge['info']>,
    engineInfo: (request = {}) => call(CHANNELS.engineInfo, request) as ReturnType<AppBridge['engineInfo']>,
  };
}
