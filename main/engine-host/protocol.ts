// Messages between the engine host (main side) and the engine worker thread. Every request carries
// a sequence id; the worker answers each with exactly one response, and may send events tagged with
// the same seq before it (progress, later). `cancel` aborts the request's AbortSignal in the worker.
// To add a method (run, load, ...): add it to EngineMethods and to the worker's method table.
import type { EngineInfo, WireError } from '../../preload/contract.ts';

export interface EngineMethods {
  info: { params: Record<string, never>; result: EngineInfo };
}
export type EngineMethod = keyof EngineMethods;
export type ParamsOf<M extends EngineMethod> = EngineMethods[M]['params'];
export type ResultOf<M extends EngineMethod> = EngineMethods[M]['result'];

/** Events a running request may emit before its response. Only logs for now; progress slots in. */
export type EngineEvent = { type: 'log'; message: string };

/** Host -> worker. */
export type HostMessage =
  | { [M in EngineMethod]: { kind: 'request'; seq: number; method: M; params: ParamsOf<M> } }[EngineMethod]
  | { kind: 'cancel'; seq: number }
  | { kind: 'shutdown' };

/** Worker -> host. seq 0 on an event means "not about any request" (e.g. start-up logs). */
export type WorkerMessage =
  | { kind: 'response'; seq: number; ok: true; result: unknown }
  | { kind: 'response'; seq: number; ok: false; error: WireError }
  | { kind: 'event'; seq: number; event: EngineEvent }
  | { kind: 'closed' };

/** What the host passes as workerData when it starts the worker. */
export interface EngineWorkerData {
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  threads?: number;
  /** Set by the host when the entry is TypeScript: the URL tsx-bootstrap.mjs imports. */
  tsEntry?: string;
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'response' || kind === 'event' || kind === 'closed';
}
