// Queue test fixtures: a project with garments (each with a flat-lay photo), model photos (each with an
// upper-body mask and an HD DensePose map) and a checkpoint, plus a runCell that makes a small PNG
// without a model (the real tiny-model runner is tiny-run-cell.ts, used by the crash test).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Project } from '../../../main/store/index.ts';
import type { CellOutput } from '../../../main/queue/index.ts';
import type { CellWork } from '../../../main/queue/cell-work.ts';
import type { RunCellContext } from '../../../main/queue/runner.ts';
import { pngBytes } from '../store/helpers.ts';

export interface QueueFixture {
  garmentIds: number[];
  modelPhotoIds: number[];
  checkpointId: number;
}

export async function addFixture(
  project: Project,
  options: { garments?: number; people?: number; size?: [number, number]; checkpointFile?: string; category?: 'upper_body' | 'lower_body' | 'dresses' } = {},
): Promise<QueueFixture> {
  const [w, h] = options.size ?? [48, 64];
  const garmentIds: number[] = [];
  for (let i = 0; i < (options.garments ?? 2); i++) {
    const g = project.garments.add({ sku: `SKU-${i}`, name: `Garment ${i}`, category: options.category ?? 'upper_body', tags: ['test'] });
    await project.garments.addPhoto({ garmentId: g.id, file: await pngBytes(w, h, 100 + i), type: 'flat-lay' });
    garmentIds.push(g.id);
  }
  const modelPhotoIds: number[] = [];
  for (let i = 0; i < (options.people ?? 1); i++) {
    const p = await project.modelPhotos.add({ name: `Person ${i}`, file: await pngBytes(w, h, 200 + i) });
    await project.modelPhotos.addMask({ modelPhotoId: p.id, category: options.category ?? 'upper_body', file: await pngBytes(w, h, 300 + i, 1) });
    await project.modelPhotos.addDensePose({ modelPhotoId: p.id, file: await pngBytes(w, h, 400 + i), format: 'HD-parula', origin: 'imported', approximated: false });
    modelPhotoIds.push(p.id);
  }
  let file = options.checkpointFile;
  if (!file) {
    file = join(project.dir, 'incoming-weights.bin');
    await writeFile(file, 'not really weights');
  }
  const ckpt = await project.checkpoints.import({ file, name: 'Tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true });
  return { garmentIds, modelPhotoIds, checkpointId: ckpt.id };
}

/** A runCell without a model: one progress call per step, then a PNG that differs per cell. */
export function fakeRunCell(options: { stepDelayMs?: number } = {}) {
  const calls: number[] = [];
  const run = async (cell: CellWork, ctx: RunCellContext): Promise<CellOutput> => {
    calls.push(cell.jobId);
    const steps = cell.settings.steps;
    for (let i = 1; i <= steps; i++) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (options.stepDelayMs) await new Promise((r) => setTimeout(r, options.stepDelayMs));
      ctx.onProgress({ step: i, steps, stepMs: 2 });
    }
    return { image: await pngBytes(8, 8, cell.seed * 7919 + cell.garment.id), record: { engineVersion: 'fake-1', backend: 'none' } };
  };
  return { run, calls };
}

/** A promise plus its resolve/reject, for tests that decide by hand when something finishes. */
export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}
