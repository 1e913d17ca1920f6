// What the shell shows about the host: the app's identity, the engine's backend, and the engine's
// live status (idle/busy/down, memory), each loaded from the real API. App info answers at once; the
// engine may still be initialising its backend, so the two load independently and the page fills in
// as each arrives. Engine status then follows the `engine:status` pushes.
import { createContext } from 'svelte';
import type { AppInfo, EngineInfo, EngineStatus } from '../../../preload/contract.ts';
import type { Api } from './api.ts';

export type LoadState = 'loading' | 'ready' | 'error';

export type AppStateApi = Pick<Api, 'info' | 'engineInfo'> & Partial<Pick<Api, 'call' | 'on'>>;

export class AppState {
  info = $state.raw<AppInfo | null>(null);
  engine = $state.raw<EngineInfo | null>(null);
  engineStatus = $state.raw<EngineStatus | null>(null);
  infoState = $state<LoadState>('loading');
  engineState = $state<LoadState>('loading');
  error = $state<string | null>(null);

  /** One line for the status bar. */
  statusText = $derived.by(() => {
    if (this.error) return this.error;
    if (this.infoState === 'loading') return 'Connecting…';
    if (this.engineStatus?.state === 'down') return `Engine stopped${this.engineStatus.error ? `: ${this.engineStatus.error}` : ''}`;
    if (this.engineState === 'loading') return 'Starting the engine…';
    return 'Ready';
  });

  readonly #api: AppStateApi;

  constructor(api: AppStateApi) {
    this.#api = api;
  }

  /** Follows engine status pushes; returns the unsubscribe function. */
  connect(): () => void {
    return this.#api.on?.('engine:status', (status) => (this.engineStatus = status)) ?? (() => {});
  }

  async load(): Promise<void> {
    await Promise.all([this.#loadInfo(), this.#loadEngine(), this.#loadStatus()]);
  }

  async #loadInfo(): Promise<void> {
    this.infoState = 'loading';
    try {
      this.info = await this.#api.info();
      this.infoState = 'ready';
    } catch (err) {
      this.infoState = 'error';
      this.error = `Could not reach the app: ${(err as Error).message}`;
    }
  }

  async #loadEngine(): Promise<void> {
    this.engineState = 'loading';
    try {
      this.engine = await this.#api.engineInfo();
      this.engineState = 'ready';
    } catch (err) {
      this.engineState = 'error';
      this.error ??= `Engine unavailable: ${(err as Error).message}`;
    }
  }

  async #loadStatus(): Promise<void> {
    if (!this.#api.call) return;
    try {
      this.engineStatus = await this.#api.call('engine:status', {});
    } catch {
      // Older hosts or an engine still starting: the pushes fill it in.
    }
  }
}

export const [getAppState, setAppState] = createContext<AppState>();
