// Training checkpoints: everything a run needs to continue exactly where it was, saved atomically.
//
//   <output>/checkpoints/step-00000500/
//     weights.safetensors    trained tensors, PyTorch layout, state-dict keys (LoRA: PEFT keys)
//     optimizer.safetensors  AdamW moments: "exp_avg/<key>", "exp_avg_sq/<key>"
//     ema.safetensors        EMA of the trained tensors, "<key>" (absent when EMA is off)
//     state.json             step, stage, RNG state, data position, optimizer step counts, EMA updates, loss
//     train.json             the run's configuration
//   <output>/checkpoints/latest.json   {"step": 500, "dir": "step-00000500"}
//
// Atomicity: the folder is written under a temporary name (every file fsynced), then renamed into place,
// then latest.json is replaced (write + fsync + rename). A crash at any point leaves the previous complete
// checkpoint, and a half-written folder is never mistaken for one (it has the wrong name). Older complete
// checkpoints beyond `keep` are removed only after the new one is in place.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as tf from '../tf.ts';
import { openSafetensors, writeSafetensors, type SafetensorsTensor } from '../io/index.ts';
import { toEngineTensorData, engineShape, type ParamSpec } from '../nn/params.ts';
import type { TrainConfig } from './config.ts';
import type { DataPosition } from './dataset.ts';
import type { Ema } from './ema.ts';
import { loraMetadata } from './lora.ts';
import type { AdamW } from './optimizer.ts';
import type { RngState } from './rng-state.ts';
import { toTorchData } from './torch-layout.ts';
import type { Trainable } from './trainable.ts';

export const CHECKPOINT_FORMAT = 'leffa-studio/train-checkpoint/v1';

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  /** Optimizer steps completed. */
  step: number;
  totalSteps: number;
  stage: { index: number; name: string; stageStep: number };
  mode: 'full' | 'lora';
  rng: RngState;
  data: DataPosition;
  optimizer: { type: 'adamw'; steps: Record<string, number> };
  ema: { updates: number } | null;
  /** Loss of the last step (for the record). */
  lastLoss: { total: number; diffusion: number; leffa: number | null } | null;
  createdAt: string;
}

export interface TrainerParts {
  config: TrainConfig;
  trainable: Trainable;
  optimizer: AdamW;
  ema: Ema | null;
}

export function checkpointDirName(step: number): string { return `step-${String(step).padStart(8, '0')}`; }

function fsyncPath(p: string, flags = 'r'): void {
  try { const fd = openSync(p, flags); try { fsyncSync(fd); } finally { closeSync(fd); } } catch { /* directories cannot be fsynced on every OS: best effort */ }
}

/** Writes a JSON file durably and atomically (temporary file, fsync, rename). */
export function writeJsonAtomic(path: string, data: unknown): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx');
  try { writeSync(fd, `${JSON.stringify(data, null, 2)}\n`); fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, path);
}

function tensorsOf(specs: Map<string, ParamSpec>, get: (name: string) => tf.Tensor | undefined, prefix = ''): SafetensorsTensor[] {
  const out: SafetensorsTensor[] = [];
  for (const [name, spec] of specs) {
    const t = get(name);
    if (!t) continue;
    out.push({ name: `${prefix}${name}`, dtype: 'F32', shape: spec.shape, data: toTorchData(spec, t.dataSync() as Float32Array) });
  }
  return out;
}

/** Saves a checkpoint under `<root>/step-XXXXXXXX`; returns its folder. */
export function saveCheckpoint(root: string, parts: TrainerParts, state: Omit<CheckpointState, 'format' | 'optimizer' | 'ema' | 'createdAt' | 'mode'>, keep: number): string {
  mkdirSync(root, { recursive: true });
  const { trainable, optimizer, ema } = parts;
  const name = checkpointDirName(state.step);
  const tmp = join(root, `.partial-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  try {
    const meta = { format: CHECKPOINT_FORMAT, step: String(state.step) };
    // LoRA: the adapter metadata too, so weights.safetensors is itself a loadable adapter (lora.ts readLora).
    const loraMeta = trainable.lora ? loraMetadata(trainable.lora.options) : {};
    writeSafetensors(join(tmp, 'weights.safetensors'), tensorsOf(trainable.specs, (n) => trainable.vars.get(n)), { ...loraMeta, ...meta, content: 'weights', mode: trainable.mode });
    const slots = optimizer.slots;
    writeSafetensors(join(tmp, 'optimizer.safetensors'), [
      ...tensorsOf(trainable.specs, (n) => slots.get(n)?.m, 'exp_avg/'),
      ...tensorsOf(trainable.specs, (n) => slots.get(n)?.v, 'exp_avg_sq/'),
    ], { ...meta, content: 'adamw' });
    if (ema) writeSafetensors(join(tmp, 'ema.safetensors'), tensorsOf(trainable.specs, (n) => ema.shadow.get(n)), { ...meta, content: 'ema' });
    const full: CheckpointState = {
      format: CHECKPOINT_FORMAT, ...state, mode: trainable.mode,
      optimizer: { type: 'adamw', steps: Object.fromEntries([...slots].map(([k, s]) => [k, s.step])) },
      ema: ema ? { updates: ema.updates } : null,
      createdAt: new Date().toISOString(),
    };
    writeJsonAtomic(join(tmp, 'train.json'), parts.config);
    writeJsonAtomic(join(tmp, 'state.json'), full);
    fsyncPath(tmp);
    const final = join(root, name);
    if (existsSync(final)) { // a checkpoint of this step from an earlier attempt: replace it
      const old = join(root, `.old-${name}-${randomBytes(4).toString('hex')}`);
      renameSync(final, old);
      rmSync(old, { recursive: true, force: true });
    }
    renameSync(tmp, final);
    fsyncPath(root);
    writeJsonAtomic(join(root, 'latest.json'), { step: state.step, dir: name });
    prune(root, keep, name);
    return final;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Complete checkpoints under root, newest first. */
export function listCheckpoints(root: string): { step: number; dir: string }[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((n) => /^step-(\d{8})$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(root, m[0], 'state.json')))
    .map((m) => ({ step: Number(m[1]), dir: join(root, m[0]) }))
    .sort((a, b) => b.step - a.step);
}

function prune(root: string, keep: number, justWritten: string): void {
  for (const c of listCheckpoints(root).slice(keep)) {
    if (c.dir.endsWith(justWritten)) continue;
    rmSync(c.dir, { recursive: true, force: true });
  }
  for (const n of readdirSync(root)) if (n.startsWith('.partial-') && !n.includes(`-${process.pid}-`)) rmSync(join(root, n), { recursive: true, force: true }); // crashed writers
}

/** The checkpoint to resume from: latest.json when it names a complete one, else the newest complete one. */
export function latestCheckpoint(root: string): string | null {
  const pointer = join(root, 'latest.json');
  if (existsSync(pointer)) {
    try {
      const p = JSON.parse(readFileSync(pointer, 'utf8')) as { dir?: string };
      if (p.dir && /^step-\d{8}$/.test(p.dir) && existsSync(join(root, p.dir, 'state.json'))) return join(root, p.dir);
    } catch { /* fall through to the scan */ }
  }
  return listCheckpoints(root)[0]?.dir ?? null;
}

export function readCheckpointState(dir: string): { state: CheckpointState; config: unknown } {
  const read = (f: string) => {
    try { return JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown; } catch (e) { throw new Error(`checkpoint ${dir}: cannot read ${f} (${(e as Error).message})`, { cause: e }); }
  };
  const state = read('state.json') as CheckpointState;
  if (state.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint ${dir}: format ${JSON.stringify(state.format)}, expected ${CHECKPOINT_FORMAT}`);
  return { state, config: read('train.json') };
}

/** Reads a safetensors file of the checkpoint into engine-layout tensors for the given specs. */
function readTensors(path: string, specs: Map<string, ParamSpec>, prefix: string, names: Iterable<string>): Map<string, tf.Tensor> {
  const src = openSafetensors(path);
  const out = new Map<string, tf.Tensor>();
  try {
    for (const name of names) {
      const spec = specs.get(name);
      if (!spec) throw new Error(`checkpoint ${path}: ${name} is not trained by this run (different mode or LoRA targets?)`);
      const key = `${prefix}${name}`;
      if (!src.has(key)) throw new Error(`checkpoint ${path}: ${key} is missing`);
      const info = src.info(key);
      if (info.shape.join(',') !== spec.shape.join(',')) throw new Error(`checkpoint ${path}: ${key} has shape [${info.shape}], expected [${spec.shape}]`);
      out.set(name, tf.tensor(toEngineTensorData(spec, src.readFloat32(key)), engineShape(spec), 'float32'));
    }
    return out;
  } catch (e) {
    tf.dispose([...out.values()]);
    throw e;
  } finally {
    src.close();
  }
}

/** Puts a checkpoint's weights, moments and EMA into a freshly built run. Returns its state. */
export function restoreCheckpoint(dir: string, parts: Omit<TrainerParts, 'config'>): CheckpointState {
  const { state } = readCheckpointState(dir);
  const { trainable, optimizer, ema } = parts;
  if (state.mode !== trainable.mode) throw new Error(`checkpoint ${dir}: mode ${state.mode}, this run trains ${trainable.mode}`);
  const weights = readTensors(join(dir, 'weights.safetensors'), trainable.specs, '', trainable.specs.keys());
  for (const [name, t] of weights) { trainable.vars.get(name)!.assign(t); t.dispose(); }
  const stepNames = Object.keys(state.optimizer.steps);
  const m = readTensors(join(dir, 'optimizer.safetensors'), trainable.specs, 'exp_avg/', stepNames);
  const v = readTensors(join(dir, 'optimizer.safetensors'), trainable.specs, 'exp_avg_sq/', stepNames);
  optimizer.dispose();
  for (const name of stepNames) optimizer.setSlot(name, { step: state.optimizer.steps[name]!, m: m.get(name)!, v: v.get(name)! });
  if (ema) {
    if (!state.ema) throw new Error(`checkpoint ${dir}: has no EMA, but this run keeps one (ema.enabled)`);
    const e = readTensors(join(dir, 'ema.safetensors'), trainable.specs, '', trainable.specs.keys());
    for (const [name, t] of e) ema.set(name, t);
    ema.updates = state.ema.updates;
  }
  return state;
}
