// The generic fixture runner: driven only by a fixture set's `fixture.json`. It loads the model weights
// (each format the set provides), runs every record some handler understands, and compares every output.
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '../tf.ts';
import { openCheckpoint } from '../io/index.ts';
import { openSafetensors } from '../io/safetensors.ts';
import type { TensorSource } from '../io/types.ts';
import { loadLeffa, type LoadedLeffa } from '../leffa/loaded.ts';
import { compareTensor, DEFAULT_TOLERANCE, type Comparison, type Tolerance } from './compare.ts';
import { formatComparison } from './runner-format.ts';
import type { FixtureManifest, FixtureRecord, ParityContext, RecordHandler } from './types.ts';

export interface RecordResult {
  record: string;
  weights: string | null;
  comparisons: Comparison[];
  error?: string;
  ms: number;
}

export interface ParitySummary {
  dir: string;
  results: RecordResult[];
  /** Record ids no handler understands (reported, not failures). */
  unsupported: string[];
  failed: number;
  passed: number;
}

export interface ParityOptions {
  /** Which weight files to check the model records with (default: every one the set lists). */
  weights?: ('safetensors' | 'pth')[];
  /** Check the model records with this checkpoint file instead (e.g. one the model manager downloaded). */
  weightsFile?: string;
  /** Only these record ids. */
  only?: string[];
  tolerance?: Tolerance;
  /** One line per compared tensor. */
  log?: (line: string) => void;
}

function matches(h: RecordHandler, id: string): boolean {
  return h.ids.some((p) => (p.endsWith('*') ? id.startsWith(p.slice(0, -1)) : p === id));
}

export function readManifest(dir: string): FixtureManifest {
  const path = join(dir, 'fixture.json');
  if (!existsSync(path)) throw new Error(`parity: ${path} does not exist (expected a fixture set folder with fixture.json)`);
  const m = JSON.parse(readFileSync(path, 'utf8')) as FixtureManifest;
  if (typeof m.format !== 'string' || !m.format.startsWith('leffa-reference-fixture/')) {
    throw new Error(`parity: ${path} has format ${JSON.stringify(m.format)}, expected "leffa-reference-fixture/1"`);
  }
  return m;
}

export async function runParity(dirIn: string, handlers: RecordHandler[], opts: ParityOptions = {}): Promise<ParitySummary> {
  const dir = resolve(dirIn);
  const manifest = readManifest(dir);
  const tol = opts.tolerance ?? DEFAULT_TOLERANCE;
  const log = opts.log ?? (() => {});
  const tensors = openSafetensors(join(dir, manifest.tensors_file));
  const baseFolder = join(dir, manifest.config.base_folder);
  const summary: ParitySummary = { dir, results: [], unsupported: [], failed: 0, passed: 0 };
  const weightFiles = opts.weightsFile
    ? [{ kind: opts.weightsFile, path: resolve(opts.weightsFile) }]
    : (opts.weights ?? ['safetensors', 'pth']).filter((k) => manifest.weights[k]).map((k) => ({ kind: k, path: join(dir, manifest.weights[k] as string) }));
  const records = manifest.records.filter((r) => !opts.only || opts.only.includes(r.id));
  const plan = records.map((r) => ({ r, h: handlers.find((h) => matches(h, r.id)) }));
  for (const { r, h } of plan) if (!h) summary.unsupported.push(r.id);

  const runRecord = async (r: FixtureRecord, h: RecordHandler, ctx: ParityContext, weights: string | null) => {
    const t0 = performance.now();
    const res: RecordResult = { record: r.id, weights, comparisons: [], ms: 0 };
    const before = tf.memory().numTensors;
    try {
      const produced = await h.run(r, ctx);
      for (const name of r.outputs) {
        const got = produced.get(name);
        const c: Comparison = got
          ? compareTensor(name, ctx.tensor(name), got, tol)
          : { name, shape: [], maxAbsErr: Infinity, maxAbsRef: 0, relErr: Infinity, ok: false, note: 'not produced by the handler' };
        res.comparisons.push(c);
        log(formatComparison(c));
      }
      const leaked = tf.memory().numTensors - before;
      if (leaked !== 0) throw new Error(`handler for ${r.id} leaked ${leaked} tensors`);
    } catch (e) {
      res.error = (e as Error).message;
      log(`FAIL ${r.id}: ${res.error}`);
    }
    res.ms = performance.now() - t0;
    const bad = res.error !== undefined || res.comparisons.some((c) => !c.ok);
    if (bad) summary.failed++; else summary.passed++;
    summary.results.push(res);
  };

  try {
    // Pure records (schedulers, CFG, ops, losses) run once; model records once per weights file.
    for (const { r, h } of plan) {
      if (!h || h.needsModel) continue;
      log(`# ${r.id}`);
      await runRecord(r, h, makeContext(dir, manifest, tensors, baseFolder, async () => { throw new Error(`${r.id}: handler declared needsModel=false but asked for the model`); }), null);
    }
    for (const wf of weightFiles) {
      const modelRecords = plan.filter((x) => x.h?.needsModel);
      if (modelRecords.length === 0) break;
      let loaded: LoadedLeffa | null = null;
      let src: TensorSource | null = null;
      const getModel = async () => {
        if (!loaded) {
          src = openCheckpoint(wf.path);
          loaded = loadLeffa(baseFolder, src);
        }
        return loaded;
      };
      try {
        await getModel(); // loaded before the first record, so its tensors are not counted as a handler's leak
        for (const { r, h } of modelRecords) {
          log(`# ${r.id} (${wf.kind})`);
          await runRecord(r, h!, makeContext(dir, manifest, tensors, baseFolder, getModel), wf.kind);
        }
      } finally {
        (loaded as LoadedLeffa | null)?.dispose();
        (src as TensorSource | null)?.close();
      }
    }
  } finally {
    tensors.close();
  }
  return summary;
}

function makeContext(dir: string, manifest: FixtureManifest, tensors: TensorSource, baseFolder: string, model: () => Promise<unknown>): ParityContext {
  return { dir, manifest, baseFolder, tensor: (n) => tensors.read(n), float: (n) => tensors.readFloat32(n), model };
}
