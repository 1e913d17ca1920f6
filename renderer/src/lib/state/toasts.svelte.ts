// Short messages in the corner: "Batch finished", "Could not save the mask: …". Errors stay until
// dismissed; others fade after a few seconds.
import { createContext } from 'svelte';

export type ToastTone = 'info' | 'ok' | 'error';

export interface Toast {
  id: number;
  tone: ToastTone;
  text: string;
}

export class Toasts {
  items = $state.raw<Toast[]>([]);
  #nextId = 1;
  readonly #ttlMs: number;

  /** `ttlMs` 0 keeps every toast until dismissed (tests). */
  constructor(ttlMs = 4500) {
    this.#ttlMs = ttlMs;
  }

  push(text: string, tone: ToastTone = 'info'): number {
    const id = this.#nextId++;
    this.items = [...this.items.slice(-2), { id, tone, text }];
    if (tone !== 'error' && this.#ttlMs > 0) setTimeout(() => this.dismiss(id), this.#ttlMs);
    return id;
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const [getToasts, setToasts] = createContext<Toasts>();
