// "Get models": the model catalogue (hub:catalogue) with each model's state (not downloaded, partly
// downloaded, queued, downloading, in the Hugging Face cache, registered in this project), the download
// queue's live progress (`hub:progress`: bytes, speed, ETA), Download / Cancel, and "add to project" for a
// model another tool already downloaded. A finished download reloads the checkpoint list (`onRegistered`).
import { SvelteSet } from 'svelte/reactivity';
import type { HubCatalogueItem, HubProgress } from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';

export type HubApi = Pick<Api, 'call' | 'on'>;

export const STATE_LABELS: Record<HubCatalogueItem['state'], string> = {
  'not-downloaded': 'Not downloaded',
  partial: 'Partly downloaded',
  queued: 'Waiting',
  downloading: 'Downloading',
  'in-cache': 'In your Hugging Face cache',
  registering: 'Adding to project',
  registered: 'In this project',
};

export class HubState {
  items = $state.raw<HubCatalogueItem[]>([]);
  cacheDir = $state('');
  offline = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Model ids with a call in flight (buttons disabled meanwhile). */
  readonly pending = new SvelteSet<string>();

  readonly #api: HubApi;
  readonly #onRegistered: (checkpointId: number) => void;

  constructor(api: HubApi, onRegistered: (checkpointId: number) => void = () => {}) {
    this.#api = api;
    this.#onRegistered = onRegistered;
  }

  connect(): () => void {
    return this.#api.on('hub:progress', (p) => this.#progress(p));
  }

  async load(): Promise<void> {
    try {
      const cat = await this.#api.call('hub:catalogue', {});
      this.items = cat.items;
      this.cacheDir = cat.cacheDir;
      this.offline = cat.offline;
      this.error = null;
    } catch (err) {
      this.error = readableError(err, 'list the models');
    } finally {
      this.loaded = true;
    }
  }

  async download(modelId: string): Promise<void> {
    await this.#busy(modelId, async () => {
      await this.#api.call('hub:download', { modelId });
      this.#patch(modelId, { state: 'queued', error: null });
    }, 'start the download');
  }

  async cancel(modelId: string): Promise<void> {
    await this.#busy(modelId, async () => {
      await this.#api.call('hub:cancel', { modelId });
    }, 'cancel the download');
  }

  /** A model found in the Hugging Face cache: register it in the project without downloading. */
  async register(modelId: string): Promise<number | null> {
    let id: number | null = null;
    await this.#busy(modelId, async () => {
      this.#patch(modelId, { state: 'registering' });
      const item = await this.#api.call('hub:register', { modelId });
      id = item.id;
      this.#onRegistered(item.id);
      await this.load();
    }, 'add the model to the project');
    return id;
  }

  async #busy(modelId: string, run: () => Promise<void>, action: string): Promise<void> {
    this.pending.add(modelId);
    try {
      await run();
      this.error = null;
    } catch (err) {
      // The reload shows what the host has now; it must not wipe the message of what failed.
      const message = readableError(err, action);
      await this.load();
      this.error = message;
    } finally {
      this.pending.delete(modelId);
    }
  }

  #patch(modelId: string, patch: Partial<HubCatalogueItem>): void {
    this.items = this.items.map((m) => (m.id === modelId ? { ...m, ...patch } : m));
  }

  #progress(p: HubProgress): void {
    switch (p.state) {
      case 'queued':
        this.#patch(p.modelId, { state: 'queued', progress: p, error: null });
        return;
      case 'checking':
      case 'downloading':
        this.#patch(p.modelId, { state: 'downloading', progress: p });
        return;
      case 'registering':
        this.#patch(p.modelId, { state: 'registering', progress: p });
        return;
      case 'failed':
        this.#patch(p.modelId, { progress: null, error: p.error ?? 'the download failed' });
        void this.load();
        return;
      case 'done':
        if (p.checkpointId !== undefined) this.#onRegistered(p.checkpointId);
        void this.load();
        return;
      case 'cancelled':
        void this.load();
        return;
    }
  }
}

/** "3.2 MB/s", or an empty string while the rate is unknown. */
export function formatRate(bytesPerSecond: number, format: (bytes: number) => string): string {
  return bytesPerSecond > 0 ? `${format(bytesPerSecond)}/s` : '';
}
