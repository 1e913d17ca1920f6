// The team's worker tokens on the Projects screen: the list (names and dates only), issuing one for a new GPU
// machine (the token and the command that starts the worker are shown once, then forgotten by the page), and
// revoking one.
import type { IssuedWorkerToken, WorkerTokenInfo } from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';

export type WorkerTokensApi = Pick<Api, 'call'>;

export class WorkerTokensStore {
  tokens = $state.raw<WorkerTokenInfo[]>([]);
  /** The token just issued, until dismissed: it cannot be shown again. */
  issued = $state.raw<IssuedWorkerToken | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);

  readonly #api: WorkerTokensApi;

  constructor(api: WorkerTokensApi) {
    this.#api = api;
  }

  readonly active = $derived(this.tokens.filter((t) => t.revokedAt === null));

  async load(): Promise<void> {
    try {
      this.tokens = (await this.#api.call('queue:workerTokens', {})).tokens;
      this.error = null;
    } catch (err) {
      this.error = readableError(err, 'load the worker tokens');
    }
  }

  async issue(name: string): Promise<boolean> {
    this.busy = true;
    try {
      this.issued = await this.#api.call('queue:issueWorkerToken', { name });
      this.tokens = this.issued.tokens;
      this.error = null;
      return true;
    } catch (err) {
      this.error = readableError(err, 'issue a worker token');
      return false;
    } finally {
      this.busy = false;
    }
  }

  async revoke(name: string): Promise<void> {
    this.busy = true;
    try {
      this.tokens = (await this.#api.call('queue:revokeWorkerToken', { name })).tokens;
      if (this.issued?.name === name) this.issued = null;
      this.error = null;
    } catch (err) {
      this.error = readableError(err, 'revoke the worker token');
    } finally {
      this.busy = false;
    }
  }

  dismiss(): void {
    this.issued = null;
  }
}
