// Checkpoints (model weights) of the project: the list with kind, architecture, size, hash, licence
// and commercial-use flag, the default one new batches use, and the import form with its progress
// (hashing and copying gigabytes takes a while; the host pushes `checkpoints:importProgress`).
import type { Architecture, CheckpointKind, CheckpointListItem, FileRef } from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';

export type CheckpointsApi = Pick<Api, 'call' | 'on' | 'fileRefs' | 'openFiles'>;

export const KIND_LABELS: Record<CheckpointKind, string> = {
  'try-on-HD': 'Try-on (VITON-HD)',
  'try-on-DC': 'Try-on (DressCode)',
  pose: 'Pose transfer',
  finetune: 'Fine-tune',
  LoRA: 'LoRA',
};

export const ARCHITECTURE_LABELS: Record<Architecture, string> = { sd15: 'SD 1.5', sdxl: 'SDXL' };

export interface CheckpointForm {
  name: string;
  kind: CheckpointKind;
  architecture: Architecture;
  licence: string;
  commercialUse: boolean;
  source: string;
}

export function emptyForm(): CheckpointForm {
  return { name: '', kind: 'try-on-HD', architecture: 'sd15', licence: '', commercialUse: false, source: '' };
}

export class CheckpointsState {
  items = $state.raw<CheckpointListItem[]>([]);
  defaultId = $state<number | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);

  form = $state<CheckpointForm>(emptyForm());
  /** The weights file picked for import, and optionally a folder of diffusers configs. */
  file = $state.raw<FileRef | null>(null);
  base = $state.raw<FileRef | null>(null);
  /** 'uploading' (serve mode sends the file first), then 'importing' (host hashes and copies). */
  phase = $state<'idle' | 'uploading' | 'importing'>('idle');
  progress = $state.raw<{ bytes: number; totalBytes: number } | null>(null);

  readonly #api: CheckpointsApi;

  constructor(api: CheckpointsApi) {
    this.#api = api;
  }

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  connect(): () => void {
    return this.#api.on('checkpoints:importProgress', (p) => {
      if (this.phase === 'importing' && (!this.file || p.file === this.file.id || p.file === this.file.name)) {
        this.progress = { bytes: p.bytes, totalBytes: p.totalBytes };
      }
    });
  }

  async load(): Promise<void> {
    try {
      const { items, defaultId } = await this.#api.call('checkpoints:list', {});
      this.items = items;
      this.defaultId = defaultId;
      this.error = null;
    } catch (err) {
      this.error = readableError(err, 'load checkpoints');
    } finally {
      this.loaded = true;
    }
  }

  /** A file from an <input type=file> or a drop (uploaded in serve mode). */
  async chooseFile(file: File): Promise<void> {
    if (!/\.(safetensors|pth|pt|bin|ckpt)$/i.test(file.name)) {
      this.error = `${file.name} is not a weights file (.safetensors or .pth).`;
      return;
    }
    this.phase = 'uploading';
    this.error = null;
    this.progress = { bytes: 0, totalBytes: file.size };
    try {
      const [ref] = await this.#api.fileRefs([file]);
      this.#setFile(ref);
    } catch (err) {
      this.error = readableError(err, 'read the weights file');
    } finally {
      this.phase = 'idle';
      this.progress = null;
    }
  }

  /** Electron: native dialog for the weights file. False in serve mode. */
  async pickFile(): Promise<boolean> {
    try {
      const refs = await this.#api.openFiles({ purpose: 'checkpoint', title: 'Import checkpoint weights' });
      if (refs === null) return false;
      if (refs[0]) this.#setFile(refs[0]);
    } catch (err) {
      this.error = readableError(err, 'show the open dialog');
    }
    return true;
  }

  /** Electron: a folder with unet/, vae/ and scheduler/ configs, for non-standard models. */
  async pickBase(): Promise<void> {
    try {
      const refs = await this.#api.openFiles({ purpose: 'folder', title: 'Folder with the model configs (unet, vae, scheduler)' });
      if (refs?.[0]) this.base = refs[0];
    } catch (err) {
      this.error = readableError(err, 'show the open dialog');
    }
  }

  #setFile(ref: FileRef): void {
    this.file = ref;
    if (!this.form.name.trim()) this.form.name = ref.name.replace(/\.[a-z0-9]+$/i, '');
  }

  /** What stops the import, or null when it can go. */
  readonly problem = $derived.by(() => {
    if (!this.file) return 'Choose a weights file.';
    if (!this.form.name.trim()) return 'Give the checkpoint a name.';
    if (!this.form.licence.trim()) return 'Say under which licence the weights are (e.g. "CC BY-NC-SA 4.0").';
    return null;
  });

  async import(): Promise<CheckpointListItem | null> {
    if (this.problem || !this.file) {
      this.error = this.problem;
      return null;
    }
    const f = $state.snapshot(this.form);
    this.phase = 'importing';
    this.error = null;
    this.progress = { bytes: 0, totalBytes: this.file.size };
    try {
      const item = await this.#api.call('checkpoints:import', {
        file: this.file.id,
        ...(this.base ? { base: this.base.id } : {}),
        name: f.name.trim(),
        kind: f.kind,
        architecture: f.architecture,
        licence: f.licence.trim(),
        commercialUse: f.commercialUse,
        ...(f.source.trim() ? { source: f.source.trim() } : {}),
      });
      this.file = null;
      this.base = null;
      this.form = emptyForm();
      await this.load();
      return item;
    } catch (err) {
      this.error = readableError(err, 'import the checkpoint');
      return null;
    } finally {
      this.phase = 'idle';
      this.progress = null;
    }
  }

  async setDefault(id: number): Promise<void> {
    try {
      this.defaultId = (await this.#api.call('checkpoints:setDefault', { id })).defaultId;
      this.items = this.items.map((c) => ({ ...c, isDefault: c.id === this.defaultId }));
    } catch (err) {
      this.error = readableError(err, 'set the default checkpoint');
    }
  }
}
