// The reproducibility record of a result: every input's hash, the weights' hash, every setting, the
// engine version and backend. Its deterministic part is embedded in the PNG (so the same seed gives the
// same bytes); the full record, with timing and date, goes to a JSON sidecar.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import * as tf from '../tf.ts';
import { cachedSha256File, sha256Bytes } from '../io/file-hash.ts';
import { GENERATOR_NAME, GENERATOR_VERSION } from '../version.ts';
import type { GenerationSettings, ImageInput } from './tryon.ts';

export interface InputRef { name: string; sha256: string; }

export interface ResultRecord {
  generator: { name: string; version: string };
  task: 'tryon' | 'pose';
  inputs: Record<string, InputRef>;
  weights: { name: string; sha256: string; arch: string; baseConfig: string };
  settings: GenerationSettings;
}

export interface FullRecord extends ResultRecord {
  backend: { name: string; threads?: number };
  timing: { totalMs: number; stepsMs: number[] };
  createdAt: string;
}

export function inputRef(input: ImageInput, fallbackName: string): InputRef {
  const bytes = typeof input === 'string' ? readFileSync(input) : input;
  return { name: typeof input === 'string' ? basename(input) : fallbackName, sha256: sha256Bytes(bytes) };
}

export async function makeRecord(task: 'tryon' | 'pose', inputs: Record<string, ImageInput>, weightsPath: string, arch: string, baseFolder: string, settings: GenerationSettings): Promise<ResultRecord> {
  const refs: Record<string, InputRef> = {};
  for (const [k, v] of Object.entries(inputs)) refs[k] = inputRef(v, k);
  return {
    generator: { name: GENERATOR_NAME, version: GENERATOR_VERSION },
    task,
    inputs: refs,
    weights: { name: basename(weightsPath), sha256: await cachedSha256File(weightsPath), arch, baseConfig: basename(baseFolder) },
    settings,
  };
}

export function withRun(rec: ResultRecord, timing: FullRecord['timing'], threads?: number): FullRecord {
  return { ...rec, backend: { name: tf.getBackend(), ...(threads ? { threads } : {}) }, timing, createdAt: new Date().toISOString() };
}
