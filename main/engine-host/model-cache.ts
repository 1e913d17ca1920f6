// The worker's loaded checkpoints. Loading the released try-on model reads 7.2 GB, so a checkpoint stays
// loaded while cells use it; a different one replaces it (one model at a time keeps memory bounded), and
// `unload` frees it on demand (e.g. before training, or when the app goes idle).
import { openLeffa, type OpenedLeffa } from '../../models/leffa/open.ts';
import type { CheckpointRef, LoadedCheckpointInfo } from './protocol.ts';

export function checkpointKey(ref: CheckpointRef): string {
  return JSON.stringify([ref.path, ref.base ?? null, ref.placement ?? 'auto', ref.precision ?? 'fp32']);
}

export class ModelCache {
  #key: string | null = null;
  #model: OpenedLeffa | null = null;
  #info: LoadedCheckpointInfo | null = null;

  get(ref: CheckpointRef): { model: OpenedLeffa; info: LoadedCheckpointInfo } {
    const key = checkpointKey(ref);
    if (this.#model && this.#key === key) return { model: this.#model, info: this.#info! };
    this.unload();
    const t0 = performance.now();
    const model = openLeffa(ref.path, { base: ref.base, placement: ref.placement, precision: ref.precision });
    this.#model = model;
    this.#key = key;
    this.#info = { key, arch: model.model.arch, placement: model.placement, precision: model.precision, loadMs: performance.now() - t0 };
    return { model, info: this.#info };
  }

  unload(): number {
    if (!this.#model) return 0;
    this.#model.dispose();
    this.#model = null;
    this.#key = null;
    this.#info = null;
    return 1;
  }
}
