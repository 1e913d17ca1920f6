// The worker's side of the coordinator API (wire.ts): JSON calls, the blob download and the result
// upload, with the worker token in the Authorization header. Transport trouble (connection refused, a
// coordinator restarting, 5xx) is retried with backoff for a while, since every call is idempotent on
// the coordinator's side; a refused token is not (the worker stops); other 4xx are bugs, reported.
import { Readable } from 'node:stream';
import type { z } from 'zod';
import { redactSecrets } from './redact.ts';
import { encodeResultFrame } from './result-frame.ts';
import {
  API_PREFIX, ClaimReply, ProgressReply, PROTOCOL_VERSION, RESULT_CONTENT_TYPE, ResultReply,
  type Hello, type ProgressRequest, type ResultHeader,
} from './wire.ts';

export class TokenRejectedError extends Error {
  constructor() {
    super('the coordinator refused this worker token (unknown or revoked): ask for a new one in the app (Team → Workers)');
    this.name = 'TokenRejectedError';
  }
}

export class CoordinatorUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CoordinatorUnreachableError';
  }
}

export class CoordinatorError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'CoordinatorError';
  }
}

export interface CoordinatorClientOptions {
  /** How long transport errors are retried before a call gives up. Default 120 s. */
  retryForMs?: number;
  /** Timeout of one JSON call. Default 30 s. */
  timeoutMs?: number;
}

export class CoordinatorClient {
  readonly #base: string;
  readonly #token: string;
  readonly #retryForMs: number;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, token: string, options: CoordinatorClientOptions = {}) {
    this.#base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.#token = token;
    this.#retryForMs = options.retryForMs ?? 120_000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  #url(route: string): URL {
    return new URL(`${API_PREFIX.slice(1)}${route}`, this.#base);
  }

  /** One HTTP call, retried on transport errors and 5xx; 401 throws TokenRejectedError. */
  async #fetch(route: string, init: RequestInit & { okStatuses?: number[]; timeoutMs?: number | null }): Promise<Response> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      try {
        const res = await fetch(this.#url(route), {
          ...init,
          headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${this.#token}` },
          signal: init.timeoutMs === null ? undefined : AbortSignal.timeout(init.timeoutMs ?? this.#timeoutMs),
        });
        if (res.status === 401) throw new TokenRejectedError();
        if (res.ok || init.okStatuses?.includes(res.status)) return res;
        const text = redactSecrets(await res.text().catch(() => ''));
        // A coordinator of another release (one that predates the version check answers 404 for our prefix).
        if (res.status === 404 && text.includes('this coordinator speaks')) {
          throw new CoordinatorError(res.status, `coordinator: ${route}: ${text.slice(0, 300)}: it runs another Leffa Studio version than this worker (team protocol v${PROTOCOL_VERSION}); run the same version on both`);
        }
        if (res.status < 500) throw new CoordinatorError(res.status, `coordinator: ${route}: HTTP ${res.status}: ${text.slice(0, 500)}`);
        problem = `HTTP ${res.status}: ${text.slice(0, 200)}`;
      } catch (err) {
        if (err instanceof TokenRejectedError || err instanceof CoordinatorError) throw err;
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        problem = redactSecrets(cause?.code ?? cause?.message ?? (err as Error).message);
      }
      if (Date.now() - started > this.#retryForMs) {
        throw new CoordinatorUnreachableError(`coordinator unreachable for ${Math.round((Date.now() - started) / 1000)} s (${route}: ${problem})`);
      }
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(attempt, 5))));
    }
  }

  async #json<T extends z.ZodType>(route: string, body: unknown, reply: T | null, okStatuses?: number[]): Promise<z.output<T>> {
    const res = await this.#fetch(route, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), okStatuses });
    const json = (await res.json()) as unknown;
    return reply ? reply.parse(json) : (json as z.output<T>);
  }

  hello(h: Hello): Promise<{ name: string }> {
    return this.#json('hello', h, null) as Promise<{ name: string }>;
  }

  claim(key: string): Promise<ClaimReply> {
    return this.#json('claim', { key }, ClaimReply);
  }

  progress(p: ProgressRequest): Promise<ProgressReply> {
    return this.#json('progress', p, ProgressReply);
  }

  /** `requeued`: a device fault on a first attempt, the cell is back in the queue (give the BullMQ job back). */
  async fail(claim: string, error: { type: string; message: string }): Promise<{ recorded: boolean; requeued: boolean }> {
    const r = (await this.#json('fail', { claim, error: { type: error.type.slice(0, 200), message: error.message.slice(0, 4000) } }, null)) as { recorded: boolean; requeued?: boolean };
    return { recorded: r.recorded, requeued: r.requeued === true };
  }

  async release(claim: string): Promise<boolean> {
    return ((await this.#json('release', { claim }, null)) as { released: boolean }).released;
  }

  async result(header: ResultHeader, image: Uint8Array): Promise<ResultReply> {
    const res = await this.#fetch('result', {
      method: 'POST', headers: { 'Content-Type': RESULT_CONTENT_TYPE }, body: encodeResultFrame(header, image) as unknown as BodyInit, okStatuses: [409], timeoutMs: 10 * 60_000,
    });
    return ResultReply.parse(await res.json());
  }

  /** The bytes of a blob of a cell this worker holds, from `offset` on (a resumed download). */
  async blob(hash: string, claim: string, offset: number): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.#fetch(`blobs/${hash}?claim=${encodeURIComponent(claim)}`, {
      method: 'GET', headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, timeoutMs: null,
    });
    if (offset > 0 && res.status !== 206) throw new CoordinatorError(res.status, `coordinator ignored Range: bytes=${offset}- for blob ${hash}`);
    if (!res.body) throw new CoordinatorError(res.status, `coordinator sent no body for blob ${hash}`);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
}
