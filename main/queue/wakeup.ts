// A one-slot wake-up signal for the runner loop: `notify` before `wait` is remembered, so an enqueue
// that lands between "nothing to claim" and "go to sleep" is never lost (no polling needed).
export class Wakeup {
  #resolve: (() => void) | null = null;
  #pending = false;

  notify(): void {
    const resolve = this.#resolve;
    if (resolve) {
      this.#resolve = null;
      resolve();
    } else {
      this.#pending = true;
    }
  }

  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.#resolve = resolve));
  }
}
