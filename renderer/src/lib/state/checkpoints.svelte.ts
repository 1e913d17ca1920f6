// Checkpoints (model weights) of the project: the list with kind, architecture, size, hash, licence
// and commercial-use flag, the default one new batches use, and the import form with its progress
// (hashing and copying gigabytes takes a while; the host pushes `checkpoints:importProgress`).
import type { Architecture, CheckpointKind, CheckpointListItem, CheckpointTask, FileRef } from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';
import { HubState } from './hub.svelte.ts';

export type CheckpointsApi = Pick<Api, 'call' | 'on' | 'fileRefs' | 'openFiles'>;

export const KIND_LABELS: Record<CheckpointKind, string> = {
  'try-on-HD': 'Try-on (VITON-HD)',
  'try-on-DC': 'Try-on (DressCode)',
  pose: 'Pose transfer',
  finetune: 'Fine-tune',
  LoRA: 'LoRA',
};

export const ARCHITECTURE_LABELS: Record<Architecture, string> = { sd15: 'SD 1.5', sdxl: 'SDXL' };

export const TASK_LABELS: Record<CheckpointTask, string> = { 'try-on-HD': 'Try-on HD', 'try-on-DC': 'Try-on DC', pose: 'Pose' };
export const TASKS: readonly CheckpointTask[] = ['try-on-HD', 'try-on-DC', 'pose'];

/** The tasks a checkpoint can be the default of: its kind's, or both try-on tasks for a finetune/LoRA. */
export function tasksFor(kind: CheckpointKind): CheckpointTask[] {
  if (kind === 'try-on-HD' || kind === 'try-on-DC' || kind === 'pose') return [kind];
  return ['try-on-HD', 'try-on-DC'];
}

/** True when batches may use the checkpoint (its licence was accepted; older hosts send no field). */
export function licenceAccepted(c: CheckpointListItem): boolean {
  return c.licenceAcceptedAt !== null;
}

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
  /** The default checkpoint per task. */
  defaults = $state.raw<Partial<Record<CheckpointTask, number>>>({});
  /** The checkpoint whose licence dialog is open. */
  licenceFor = $state.raw<CheckpointListItem | null>(null);
  accepting = $state(false);
  /** "Get models": the catalogue and its downloads. */
  readonly hub: HubState;
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
    this.hub = new HubState(api, () => void this.load());
  }

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  connect(): () => void {
    const offHub = this.hub.connect();
    const off = this.#api.on('checkpoints:importProgress', (p) => {
      if (this.phase === 'importing' && (!this.file || p.file === this.file.id || p.file === this.file.name)) {
        this.progress = { bytes: p.bytes, totalBytes: p.totalBytes };
      }
    });
    return () => {
      off();
      offHub();
    };
  }

  async load(): Promise<void> {
    try {
      const { items, defaultId, defaults } = await this.#api.call('checkpoints:list', {});
      this.items = items;
      this.defaultId = defaultId;
      this.defaults = defaults ?? {};
      if (this.hub.loaded) void this.hub.load(); // "registered in this project" depends on the open project
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

  async setDefault(id: number, task?: CheckpointTask): Promise<void> {
    try {
      const set = await this.#api.call('checkpoints:setDefault', task ? { id, task } : { id });
      this.defaultId = set.defaultId;
      if (set.defaults) this.defaults = set.defaults;
      const defaults = this.defaults;
      this.items = this.items.map((c) => ({
        ...c, isDefault: c.id === this.defaultId, defaultFor: TASKS.filter((t) => defaults[t] === c.id),
      }));
    } catch (err) {
      this.error = readableError(err, 'set the default checkpoint');
    }
  }

  /** Serve mode: a .zip of the config folder (unet/, vae/, scheduler/), unpacked by the host into a folder ref. */
  async chooseBase(file: File): Promise<void> {
    if (!/\.zip$/i.test(file.name)) {
      this.error = `${file.name} is not a .zip of a config folder (unet/, vae/, scheduler/).`;
      return;
    }
    this.phase = 'uploading';
    this.error = null;
    try {
      const [ref] = await this.#api.fileRefs([file]);
      this.base = ref ?? null;
    } catch (err) {
      this.error = readableError(err, 'upload the config folder');
    } finally {
      this.phase = 'idle';
    }
  }

  openLicence(c: CheckpointListItem): void {
    this.licenceFor = c;
  }

  closeLicence(): void {
    this.licenceFor = null;
  }

  /** Records that `by` accepted the open dialog's licence; batches may use the checkpoint from then on. */
  async acceptLicence(by: string): Promise<CheckpointListItem | null> {
    const c = this.licenceFor;
    if (!c) return null;
    this.accepting = true;
    try {
      const who = by.trim();
      const item = await this.#api.call('checkpoints:acceptLicence', who ? { id: c.id, by: who } : { id: c.id });
      this.items = this.items.map((x) => (x.id === item.id ? item : x));
      this.licenceFor = null;
      this.error = null;
      return item;
    } catch (err) {
      this.error = readableError(err, 'accept the licence');
      return null;
    } finally {
      this.accepting = false;
    }
  }
}
