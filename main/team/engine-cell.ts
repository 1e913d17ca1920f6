// One cell through the engine host (EngineSupervisor: the real pipeline in a worker thread), shared by
// the local queue and the team worker so that both produce the same bytes for the same cell: the same
// request, the same settings mapping, and inputs whose file names are their content hashes (the engine
// records input and weights file names in the PNG, and a blob is named by its hash in the project and in
// a worker's cache alike). A LoRA cell loads its base checkpoint's weights with the adapter merged in at
// load (engine-host/generate.ts), on both queues: `cellWeights` says which blobs that takes.
import type { EngineSupervisor } from '../engine-host/supervisor.ts';
import type { CellOutput } from '../queue/job-store.ts';
import type { RunCell, RunCellContext } from '../queue/runner.ts';
import type { CellWork } from '../queue/cell-work.ts';
import type { CellSettings } from '../queue/settings.ts';
import type { Category } from '../store/schemas.ts';
import type { Project } from '../store/index.ts';
import { GENERATOR_NAME, GENERATOR_VERSION } from '../../models/version.ts';

export const ENGINE_VERSION = `${GENERATOR_NAME} ${GENERATOR_VERSION}`;

/** What the engine needs for one try-on cell; every path is a file named by its SHA-256. */
export interface EngineCell {
  jobId: number;
  person: string;
  garment: string;
  mask: string | null;
  densepose: string | null;
  /** `path`: the weights file; `lora`: a LoRA adapter merged into them at load; `base`: diffusers configs. */
  checkpoint: { path: string; base?: string; lora?: string };
  /** The checkpoint's name and licence in the project, written into the output's XMP. */
  provenance?: { checkpointName: string; licence: string };
  seed: number;
  settings: CellSettings;
  category: Category;
}

/** The engine as a cell runner; the supervisor in the app and in workers, a stub in the queue benchmark. */
export interface CellEngine {
  run(cell: EngineCell, ctx: RunCellContext): Promise<CellOutput>;
  close(): Promise<void>;
}

export class MissingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingInputError';
  }
}

/** A LoRA checkpoint the engine cannot use yet (an adapter on another adapter). */
export class UnsupportedCheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unsupported';
  }
}

/** A checkpoint's blob, as the engine needs it. */
export interface WeightsBlob {
  id: number;
  name: string;
  hash: string;
  size: number;
}

/** What a cell's checkpoint loads: its own weights, or for a LoRA adapter its base's weights with the adapter merged in. */
export interface CellWeights {
  weights: WeightsBlob;
  lora: WeightsBlob | null;
}

/**
 * The blobs the engine loads for `checkpointId` (the rule of the local queue, main/services/queue-service.ts:
 * a LoRA checkpoint is merged into its parent's weights). Throws, naming the checkpoint, for a LoRA without a
 * base (MissingInputError), an adapter on an adapter (UnsupportedCheckpointError) and, with `requireBlobs`,
 * a blob that is not in the project (MissingInputError with its hash).
 */
export function cellWeights(project: Pick<Project, 'checkpoints' | 'files'>, checkpointId: number, options: { requireBlobs?: boolean } = {}): CellWeights {
  const c = project.checkpoints.get(checkpointId);
  if (!c) throw new MissingInputError(`checkpoint ${checkpointId} is not in the project (deleted?)`);
  const blob = (x: typeof c): WeightsBlob => ({ id: x.id, name: x.name, hash: x.blobHash, size: x.size });
  const check = (x: WeightsBlob, what: string): WeightsBlob => {
    if (options.requireBlobs && !project.files.exists(x.hash)) {
      throw new MissingInputError(`checkpoint ${x.id} (${x.name}): ${what} blob ${x.hash} is missing from the project's blobs; import the file again`);
    }
    return x;
  };
  if (c.kind !== 'LoRA') return { weights: check(blob(c), 'its weights'), lora: null };
  const parent = c.parentId !== null ? project.checkpoints.get(c.parentId) : undefined;
  if (!parent) throw new MissingInputError(`checkpoint ${c.id} (${c.name}) is a LoRA adapter without a base checkpoint (parentId); import it with the model it adapts as its parent`);
  if (parent.kind === 'LoRA') {
    throw new UnsupportedCheckpointError(`checkpoint ${c.id} (${c.name}) is a LoRA adapter whose base, checkpoint ${parent.id} (${parent.name}), is an adapter too; an adapter merges into full weights only (give it a try-on or finetune checkpoint as its parent)`);
  }
  const lora = check(blob(c), 'its LoRA adapter');
  return { weights: check(blob(parent), `the base of LoRA checkpoint ${c.id}, its weights`), lora };
}

export function supervisorEngine(engine: Pick<EngineSupervisor, 'request' | 'close'>): CellEngine {
  return {
    async run(cell, { signal, onProgress }) {
      // The engine has no automatic mask or DensePose yet: such a cell fails with a reason to act on.
      if (!cell.mask) throw new MissingInputError(`cell ${cell.jobId}: the model photo has no mask for ${cell.category}; add or generate one first`);
      if (!cell.densepose) throw new MissingInputError(`cell ${cell.jobId}: the model photo has no DensePose map in this checkpoint's format; add one first`);
      const res = await engine.request('generate', {
        task: 'tryon',
        checkpoint: cell.checkpoint,
        inputs: { person: cell.person, garment: cell.garment, mask: cell.mask, densepose: cell.densepose },
        settings: {
          seed: cell.seed, steps: cell.settings.steps, guidanceScale: cell.settings.guidanceScale,
          refAcceleration: cell.settings.refAcceleration, repaint: cell.settings.repaint, category: cell.category,
        },
        previewEveryMs: 0,
        ...(cell.provenance && { provenance: cell.provenance }),
      }, {
        signal,
        // The engine counts steps from 0; the queue from 1 (step n of n = done).
        onEvent: (e) => { if (e.type === 'progress') onProgress({ step: e.step + 1, steps: e.steps, stepMs: e.stepMs }); },
      });
      // The record's shape is the app's local queue's (queue-service.ts): the engine's record under `generator`
      // (weights, a LoRA's adapter, quality), which the review, explain and re-render read.
      return { image: res.png, record: { engineVersion: ENGINE_VERSION, backend: res.backend, generator: res.record, timings: res.timings } };
    },
    close: () => engine.close(),
  };
}

/**
 * The local queue's runCell: a cell of the project, its blobs read in place. A LoRA cell needs `project`
 * (its base checkpoint's weights, merged with the adapter at load).
 */
export function localRunCell(engine: CellEngine, options: { base?: (cell: CellWork) => string | undefined; project?: Pick<Project, 'checkpoints' | 'files'> } = {}): RunCell {
  return async (cell, ctx) => {
    let checkpoint: EngineCell['checkpoint'] = { path: cell.checkpoint.path, base: options.base?.(cell) };
    if (cell.checkpoint.kind === 'LoRA') {
      if (!options.project) throw new Error(`cell ${cell.jobId}: checkpoint ${cell.checkpoint.id} is a LoRA adapter; localRunCell needs options.project to find its base`);
      const { weights } = cellWeights(options.project, cell.checkpoint.id);
      checkpoint = { ...checkpoint, path: options.project.files.pathOf(weights.hash), lora: cell.checkpoint.path };
    }
    return engine.run({
      jobId: cell.jobId,
      person: cell.person.path,
      garment: cell.garment.photoPath,
      mask: cell.mask?.path ?? null,
      densepose: cell.densepose?.path ?? null,
      checkpoint,
      provenance: { checkpointName: cell.checkpoint.name, licence: cell.checkpoint.licence },
      seed: cell.seed,
      settings: cell.settings,
      category: cell.category,
    }, ctx);
  };
}
