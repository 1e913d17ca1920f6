// Messages between the engine host (main side) and the engine worker thread. Every request carries
// a sequence id; the worker answers each with exactly one response, and may send events tagged with
// the same seq before it (progress, later). `cancel` aborts the request's AbortSignal in the worker.
// To add a method (run, load, ...): add it to EngineMethods and to the worker's method table.
import type { EngineInfo, WireError } from '../../preload/contract.ts';
import type { MemoryReport } from '../../models/backend/memory.ts';
import type { GenerationSettings } from '../../models/pipelines/tryon.ts';
import type { ExplainLayerInfo, ExplainRunInfo } from '../../models/pipelines/explain-attention.ts';
import type { ResultRecord } from '../../models/pipelines/record.ts';
import type { TrainEvent } from '../../models/train/events.ts';
import type {
  PreprocessDenseposeParams, PreprocessDenseposeResult, PreprocessGarmentParams, PreprocessGarmentResult, PreprocessPersonParams, PreprocessPersonResult,
} from './preprocess.ts';

/** A checkpoint to sample with: the weights file and, for non-standard models, its diffusers base configs. */
export interface CheckpointRef {
  path: string;
  base?: string;
  placement?: 'auto' | 'resident' | 'host';
  precision?: 'fp32' | 'fp16';
  /** A LoRA adapter (safetensors) merged into `path`'s weights at load (models/train/lora.ts). */
  lora?: string;
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
  /** The checkpoint as the project names it and its licence, for the output's XMP (default: file name, licence 'unknown'). */
  provenance?: { checkpointName: string; licence: string };
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

/** A training run (main/engine-host/train.ts): a train.json object (absolute paths) and whether to resume. */
export interface TrainParams {
  config: Record<string, unknown>;
  resume: boolean;
  /** Where the finished run's result is written: a full state dict (.safetensors) or, for LoRA runs, the adapter. */
  exportTo: string;
}

export interface TrainResult {
  step: number;
  cancelled: boolean;
  /** The newest training checkpoint folder (resume point). */
  checkpoint: string | null;
  lastLoss: { total: number; diffusion: number; leffa: number | null } | null;
  /** The exported weights (set when the run finished all its steps). */
  exported: string | null;
}

/** Explain (main/engine-host/explain.ts): re-run a result's sampling from its record with explain on. */
export interface ExplainParams {
  task: 'tryon' | 'pose';
  checkpoint: CheckpointRef;
  /** As GenerateParams.inputs: the result's input files. */
  inputs: Record<string, string>;
  /** The result's recorded settings (seed included). */
  settings: Partial<GenerationSettings>;
  /** Attention layer name; default a mid-resolution layer (defaultExplainLayer). */
  layer?: string;
  /** 0-based step; default the last. */
  step?: number;
}

export type { ExplainLayerInfo } from '../../models/pipelines/explain-attention.ts';

export interface ExplainResult extends ExplainRunInfo {
  /** flow_lowres [h, w, 2] in [-1, 1]; Q_gen and K_ref [h·w, heads·headDim] (conditional branch). */
  flow: Float32Array;
  query: Float32Array;
  key: Float32Array;
  /** PNGs: colour-wheel flow (h × w), warped garment, canvas result, canvas garment, legend wheel. */
  flowPng: Uint8Array;
  warpedPng: Uint8Array;
  resultPng: Uint8Array;
  garmentPng: Uint8Array;
  legendPng: Uint8Array;
  backend: string;
}

export interface ExplainLayersParams {
  checkpoint: CheckpointRef;
  /** The result's architecture (its record), for the shipped base configs when the checkpoint has none. */
  arch: string;
  width: number;
  height: number;
}

export interface ExplainLayersResult {
  layers: ExplainLayerInfo[];
  defaultLayer: string;
}

export interface EngineMethods {
  info: { params: Record<string, never>; result: EngineInfo };
  load: { params: CheckpointRef; result: LoadedCheckpointInfo };
  unload: { params: Record<string, never>; result: { freed: number } };
  generate: { params: GenerateParams; result: GenerateResult };
  memory: { params: Record<string, never>; result: MemoryReport };
  explain: { params: ExplainParams; result: ExplainResult };
  explainLayers: { params: ExplainLayersParams; result: ExplainLayersResult };
  train: { params: TrainParams; result: TrainResult };
  'preprocess.person': { params: PreprocessPersonParams; result: PreprocessPersonResult };
  'preprocess.densepose': { params: PreprocessDenseposeParams; result: PreprocessDenseposeResult };
  'preprocess.garment': { params: PreprocessGarmentParams; result: PreprocessGarmentResult };
}
export type EngineMethod = keyof EngineMethods;
export type ParamsOf<M extends EngineMethod> = EngineMethods[M]['params'];
export type ResultOf<M extends EngineMethod> = EngineMethods[M]['result'];

/** Events a running request may emit before its response. */
export type EngineEvent =
  | { type: 'log'; message: string }
  | { type: 'progress'; step: number; steps: number; stepMs: number; etaMs: number }
  | { type: 'preview'; step: number; width: number; height: number; rgb: Uint8Array }
  | { type: 'train'; event: Exclude<TrainEvent, { type: 'sample' }> }
  | { type: 'train-sample'; step: number; png: Uint8Array };

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
  /** 'webgpu' forces WebGPU, a software adapter (SwiftShader) included; 'auto' takes only a real GPU adapter. */
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu' | 'webgpu';
  threads?: number;
  /** Set by the host when the entry is TypeScript: the URL tsx-bootstrap.mjs imports. */
  tsEntry?: string;
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'response' || kind === 'event' || kind === 'closed';
}
