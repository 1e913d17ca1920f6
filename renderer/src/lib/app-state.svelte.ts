// What the home page shows: the app's identity and the engine's backend, each loaded from the real
// API. App info answers at once; the engine may still be initialising its backend, so the two load
// independently and the page fills in as each arrives.
import { createContext } from 'svelte';
import type { AppInfo, EngineInfo } from '../../../preload/contract.ts';
import type { Api } from './api.ts';

export type LoadState = 'loading' | 'ready' | 'error';

export class AppState {
  info = $state.raw<AppInfo | null>(null);
  engine = $state.raw<EngineInfo | null>(null);
  infoState = $state<LoadState>('loading');
  engineState = $state<LoadState>('loading');
  error = $state<string | null>(null);

  /** One line for the status bar. */
  statusText = $derived.by(() => {
    if (this.error) return this.error;
    if (this.infoState === 'loading') return 'Connecting…';
    if (this.engineState === 'loading') return 'Starting the engine…';
    return 'Ready';
  });

  readonly #api: Pick<Api, 'info' | 'engineInfo'>;

  constructor(api: Pick<Api, 'info' | 'engineInfo'>) {
    this.#api = api;
  }

  async load(): Promise<void> {
    await Promise.all([this.#loadInfo(), this.#loadEngine()]);
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
}

export const [getAppState, setAppState] = createContext<AppState>();
