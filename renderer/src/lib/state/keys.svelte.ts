// Routes key presses to whoever is on screen. Components register handlers for shortcut ids while
// mounted; the newest registration for an id wins (a dialog over a screen). The table itself is in
// shortcuts.ts, which the help overlay also reads.
import { findShortcut, type KeyLike, type ShortcutScope } from '../shortcuts.ts';
import { setOf } from '../immutable.ts';

type Handlers = Partial<Record<string, () => void>>;

interface Registration {
  scope: ShortcutScope;
  handlers: Handlers;
}

export class Keys {
  #stack = $state.raw<Registration[]>([]);

  /** Active scopes, for the help overlay to list first. */
  readonly scopes = $derived([...setOf<ShortcutScope>(['global', ...this.#stack.map((r) => r.scope)])]);

  register(scope: ShortcutScope, handlers: Handlers): () => void {
    const reg = { scope, handlers };
    this.#stack = [...this.#stack, reg];
    return () => {
      this.#stack = this.#stack.filter((r) => r !== reg);
    };
  }

  /** Handles a key event; true when a shortcut ran (the caller then prevents the default). */
  handle(event: KeyLike, inField: boolean): boolean {
    const shortcut = findShortcut(event, this.scopes, inField);
    if (!shortcut) return false;
    for (let i = this.#stack.length - 1; i >= 0; i--) {
      const reg = this.#stack[i];
      const handler = reg.scope === shortcut.scope || shortcut.scope === 'global' ? reg.handlers[shortcut.id] : undefined;
      if (handler) {
        handler();
        return true;
      }
    }
    return false;
  }
}
