// One cell through the engine host (EngineSupervisor: the real pipeline in a worker thread), shared by
// the local queue and the team worker so that both produce the same bytes for the same cell: the same
// request, the same settings mapping, and inputs whose file names are their content hashes (the engine
// records input and weights file names in the PNG, and a blob is named by its hash in the project and in
// a worker's cache alike).
import type { EngineSupervisor } from '../engine-host/supervisor.ts';
import type { CellOutput } from '../queue/job-store.ts';
import type { RunCell, RunCellContext } from '../queue/runner.ts';
import type { CellWork } from '../queue/cell-work.ts';
import type { CellSettings } from '../queue/settings.ts';
import type { Category } from '../store/schemas.ts';
import { GENERATOR_NAME, GENERATOR_VERSION } from '../../models/version.ts';

export const ENGINE_VERSION = `${GENERATOR_NAME} ${GENERATOR_VERSION}`;

/** What the engine needs for one try-on cell; every path is a file named by its SHA-256. */
export interface EngineCell {
  jobId: number;
  person: string;
  garment: string;
  mask: string | null;
  densepose: string | null;
  checkpoint: { path: string; base?: string };
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
      return { image: res.png, record: { engineVersion: ENGINE_VERSION, backend: res.backend, result: res.record, stepsMs: res.timings.stepsMs } };
    },
    close: () => engine.close(),
  };
}

/** The local queue's runCell: a cell of the project, its blobs read in place. */
export function localRunCell(engine: CellEngine, options: { base?: (cell: CellWork) => string | undefined } = {}): RunCell {
  return (cell, ctx) => engine.run({
    jobId: cell.jobId,
    person: cell.person.path,
    garment: cell.garment.photoPath,
    mask: cell.mask?.path ?? null,
    densepose: cell.densepose?.path ?? null,
    checkpoint: { path: cell.checkpoint.path, base: options.base?.(cell) },
    provenance: { checkpointName: cell.checkpoint.name, licence: cell.checkpoint.licence },
    seed: cell.seed,
    settings: cell.settings,
    category: cell.category,
  }, ctx);
}
