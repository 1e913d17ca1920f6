// The host's event hub: services emit, transports (Electron webContents, serve-mode sockets) subscribe
// and push each event to their pages. A failing subscriber never stops the others or the emitter.
import type { EventName, EventSpec } from '../../preload/contract.ts';

export type EventListener = <E extends EventName>(event: E, payload: EventSpec[E]) => void;

export class EventHub {
  readonly #listeners = new Set<EventListener>();

  constructor(private readonly log: (message: string) => void = (m) => console.error(m)) {}

  emit<E extends EventName>(event: E, payload: EventSpec[E]): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event, payload);
      } catch (err) {
        this.log(`[events] ${event} subscriber failed: ${(err as Error).message}`);
      }
    }
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  get size(): number {
    return this.#listeners.size;
  }
}
