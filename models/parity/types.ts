// The parity runner's plug-in interface. Each record kind of a fixture set (`fixture.json` →
// `records[].id`) is handled by one RecordHandler; the runner itself knows nothing about records.
import type { RawTensor, TypedData } from '../io/types.ts';

export interface FixtureTensorMeta {
  shape: number[];
  dtype: string;
  role: 'input' | 'output' | string;
  desc: string;
  max_abs?: number;
  fp64_max_abs_diff?: number;
}

export interface FixtureRecord {
  id: string;
  call?: string;
  inputs: string[];
  outputs: string[];
  params?: Record<string, unknown>;
}

export interface FixtureManifest {
  format: string;
  name: string;
  config: { arch: 'sd15' | 'sdxl'; base_folder: string; [k: string]: unknown };
  weights: { safetensors: string; pth: string; num_tensors: number; num_params: number; [k: string]: unknown };
  tensors_file: string;
  records: FixtureRecord[];
  tensors: Record<string, FixtureTensorMeta>;
}

/** One produced output, in the fixture's stored layout (NCHW for images/latents, as the record says). */
export interface ProducedTensor {
  shape: number[];
  data: TypedData | number[];
}

export interface ParityContext {
  /** Absolute path of the fixture set folder. */
  dir: string;
  manifest: FixtureManifest;
  /** Reads a tensor of tensors.safetensors as stored. */
  tensor(name: string): RawTensor;
  /** Reads a float tensor of tensors.safetensors as float32 (stored layout). */
  float(name: string): Float32Array;
  /**
   * The Leffa model of this set, built from `config.base_folder` and loaded from the weights file
   * the runner is checking (weights.safetensors or weights.pth). Loaded once, shared by handlers.
   */
  model(): Promise<unknown>;
  /** Absolute path of the diffusers base folder (unet/, vae/, scheduler/ configs). */
  baseFolder: string;
}

export interface RecordHandler {
  /** Record ids this handler understands: exact ids or a prefix ending in '*'. */
  ids: string[];
  /** Whether the model weights are needed (handlers that are pure maths run once, not per weights file). */
  needsModel: boolean;
  /** Computes every output of the record (a map from output tensor name to value). */
  run(record: FixtureRecord, ctx: ParityContext): Promise<Map<string, ProducedTensor>>;
}
