// Who runs the open project's cells, and how the project's queue is set up: the workers list (this
// computer for the local queue, the team's GPU machines for the team queue: backend, GPU, current cell,
// speed), kept current by pushed `queue:workers` events, and the queue settings (local / team on Redis)
// with "test connection" and save. The team queue's connection state and its Redis error (shown in the
// settings panel) follow the host: its `queue:event` state events re-read the settings once loaded.
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
  /** Bumps at each settings request: only the latest one's answer is kept. */
  #settingsSeq = 0;

  constructor(api: WorkersApi) {
    this.#api = api;
  }

  connect(): () => void {
    const offWorkers = this.#api.on('queue:workers', (w) => (this.workers = w));
    // Connected, lost, or a new Redis error: the host pushes a state event; the panel shows what it says now.
    const offQueue = this.#api.on('queue:event', (e) => {
      if (e.type === 'state' && this.settings !== null) void this.loadSettings();
    });
    return () => {
      offWorkers();
      offQueue();
    };
  }

  readonly online = $derived(this.workers?.items.filter((w) => w.online).length ?? 0);
  /** Why the project's queue is not (yet) connected: the host's error (Redis, redacted), or null. */
  readonly connectionError = $derived(this.settings?.error ?? null);

  async load(): Promise<void> {
    try {
      this.workers = await this.#api.call('queue:workers', {});
      this.error = null;
    } catch (err) {
      this.error = readableError(err, 'load the workers');
    }
  }

  async loadSettings(): Promise<void> {
    const seq = ++this.#settingsSeq;
    try {
      const settings = await this.#api.call('queue:settings', {});
      if (seq !== this.#settingsSeq) return;
      this.settings = settings;
      this.settingsError = null;
    } catch (err) {
      if (seq === this.#settingsSeq) this.settingsError = readableError(err, 'load the queue settings');
    }
  }

  /** Saves and switches the project's queue; true when it worked. */
  async save(input: QueueSettingsInput): Promise<boolean> {
    this.saving = true;
    const seq = ++this.#settingsSeq;
    try {
      const settings = await this.#api.call('queue:saveSettings', input);
      // A state event during the save may have read newer settings already.
      if (seq === this.#settingsSeq) this.settings = settings;
      this.settingsError = null;
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
