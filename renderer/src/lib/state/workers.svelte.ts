// Who runs the open project's cells, and how the project's queue is set up: the workers list (this
// computer for the local queue, the team's GPU machines for the team queue: backend, GPU, current cell,
// speed), kept current by pushed `queue:workers` events, and the queue settings (local / team on Redis)
// with "test connection" and save.
import type { QueueSettingsInfo, QueueSettingsInput, QueueWorkers } from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';

export type WorkersApi = Pick<Api, 'call' | 'on'>;

export interface ConnectionTest {
  ok: boolean;
  message: string;
}

export class WorkersStore {
  workers = $state.raw<QueueWorkers | null>(null);
  settings = $state.raw<QueueSettingsInfo | null>(null);
  error = $state<string | null>(null);
  settingsError = $state<string | null>(null);
  saving = $state(false);
  testing = $state(false);
  test = $state.raw<ConnectionTest | null>(null);

  readonly #api: WorkersApi;

  constructor(api: WorkersApi) {
    this.#api = api;
  }

  connect(): () => void {
    return this.#api.on('queue:workers', (w) => (this.workers = w));
  }

  readonly online = $derived(this.workers?.items.filter((w) => w.online).length ?? 0);

  async load(): Promise<void> {
    try {
      this.workers = await this.#api.call('queue:workers', {});
      this.error = null;
    } catch (err) {
      this.error = readableError(err, 'load the workers');
    }
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = await this.#api.call('queue:settings', {});
      this.settingsError = null;
    } catch (err) {
      this.settingsError = readableError(err, 'load the queue settings');
    }
  }

  /** Saves and switches the project's queue; true when it worked. */
  async save(input: QueueSettingsInput): Promise<boolean> {
    this.saving = true;
    try {
      this.settings = await this.#api.call('queue:saveSettings', input);
      this.settingsError = this.settings.error ?? null;
      await this.load();
      return true;
    } catch (err) {
      this.settingsError = readableError(err, 'save the queue settings');
      return false;
    } finally {
      this.saving = false;
    }
  }

  async testConnection(redisUrl: string, passwordFile?: string): Promise<void> {
    this.testing = true;
    this.test = null;
    try {
      const r = await this.#api.call('queue:testConnection', { redisUrl, ...(passwordFile ? { passwordFile } : {}) });
      this.test = { ok: r.ok, message: r.message };
    } catch (err) {
      this.test = { ok: false, message: readableError(err, 'test the connection') };
    } finally {
      this.testing = false;
    }
  }
}
