// Messages between the engine host (main side) and the engine worker thread. Every request carries
// a sequence id; the worker answers each with exactly one response, and may send events tagged with
// the same seq before it (progress, later). `cancel` aborts the request's AbortSignal in the worker.
// To add a method (run, load, ...): add it to EngineMethods and to the worker's method table.
import type { EngineInfo, WireError } from '../../preload/contract.ts';
import type { MemoryReport } from '../../models/backend/memory.ts';
import type { GenerationSettings } from '../../models/pipelines/tryon.ts';
import type { ResultRecord } from '../../models/pipelines/record.ts';

/** A checkpoint to sample with: the weights file and, for non-standard models, its diffusers base configs. */
export interface CheckpointRef {
  path: string;
  base?: string;
  placement?: 'auto' | 'resident' | 'host';
  precision?: 'fp32' | 'fp16';
}

export interface LoadedCheckpointInfo {
  key: string;
  arch: string;
  placement: string;
  precision: string;
  loadMs: number;
}

/** One try-on or pose cell. Inputs are file paths (the project's blobs); the result comes back as PNG bytes. */
export interface GenerateParams {
  task: 'tryon' | 'pose';
  checkpoint: CheckpointRef;
  /** tryon: person, garment, mask, densepose; pose: reference, target, densepose. */
  inputs: Record<string, string>;
  settings: Partial<GenerationSettings>;
  /** Minimum milliseconds between preview events (default 500; 0 = none). */
  previewEveryMs?: number;
}

export interface GenerateResult {
  /** PNG with the deterministic record embedded (text chunk `leffa-studio`). */
  png: Uint8Array;
  width: number;
  height: number;
  record: ResultRecord;
  timings: { totalMs: number; stepsMs: number[] };
  backend: string;
}

export interface EngineMethods {
  info: { params: Record<string, never>; result: EngineInfo };
  load: { params: CheckpointRef; result: LoadedCheckpointInfo };
  unload: { params: Record<string, never>; result: { freed: number } };
  generate: { params: GenerateParams; result: GenerateResult };
  memory: { params: Record<string, never>; result: MemoryReport };
}
export type EngineMethod = keyof EngineMethods;
export type ParamsOf<M extends EngineMethod> = EngineMethods[M]['params'];
export type ResultOf<M extends EngineMethod> = EngineMethods[M]['result'];

/** Events a running request may emit before its response. */
export type EngineEvent =
  | { type: 'log'; message: string }
  | { type: 'progress'; step: number; steps: number; stepMs: number; etaMs: number }
  | { type: 'preview'; step: number; width: number; height: number; rgb: Uint8Array };

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
