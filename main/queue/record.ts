// The reproducibility record stored with every result (product.md C.1 #7): every input by content hash
// and id, the checkpoint and its licence, seed, all settings, what the engine reports about itself
// (version, backend, ...) and timing. File paths are left out on purpose: they differ between machines,
// hashes do not, so a record can re-render the same image months later anywhere.
import { z } from 'zod';
import type { CellWork } from './cell-work.ts';

/** What runCell must report; anything else it adds (preprocessor versions, ...) is kept as is. */
export const EngineRecord = z
  .object({
    engineVersion: z.string().min(1).max(200),
    backend: z.string().min(1).max(200),
  })
  .catchall(z.unknown());

export type EngineRecord = z.output<typeof EngineRecord>;

export const RECORD_FORMAT = 'leffa-studio-result/1';

export interface Timing {
  queuedAt: number;
  startedAt: number;
  finishedAt: number;
  runMs: number;
  stepMs: number | null;
}

export function buildRecord(cell: CellWork, engine: EngineRecord, timing: Timing): Record<string, unknown> {
  const { photoPath: _photoPath, ...garment } = cell.garment;
  const strip = <T extends { path: string }>(x: T | null) => {
    if (!x) return null;
    const { path: _p, ...rest } = x;
    return rest;
  };
  return {
    format: RECORD_FORMAT,
    jobId: cell.jobId,
    batchId: cell.batchId,
    attempt: cell.attempt,
    inputs: {
      garment,
      person: strip(cell.person),
      mask: strip(cell.mask),
      densepose: strip(cell.densepose),
      checkpoint: strip(cell.checkpoint),
    },
    category: cell.category,
    seed: cell.seed,
    settings: cell.settings,
    settingsHash: cell.settingsHash,
    engine,
    timing,
  };
}
