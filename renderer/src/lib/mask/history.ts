// Undo/redo for mask edits as patches: each edit stores only the bytes of the rect it changed, before
// and after, so a brush dab on a 768×1024 mask costs a few kilobytes, not a full copy. The stack is
// capped by bytes (oldest edits drop first); a new edit after undo discards the redo branch.
import { readRect, writeRect, type MaskBuffer, type Rect } from './mask-buffer.ts';

export interface Patch {
  rect: Rect;
  before: Uint8Array;
  after: Uint8Array;
  /** What the user did, for the undo button's tooltip ("Undo brush stroke"). */
  label: string;
}

/** Default cap: 64 MB, about 80 full-mask operations at 768×1024. */
export const DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024;

export class MaskHistory {
  readonly #done: Patch[] = [];
  readonly #undone: Patch[] = [];
  readonly #limitBytes: number;
  #bytes = 0;

  constructor(limitBytes = DEFAULT_HISTORY_BYTES) {
    this.#limitBytes = limitBytes;
  }

  get canUndo(): boolean {
    return this.#done.length > 0;
  }

  get canRedo(): boolean {
    return this.#undone.length > 0;
  }

  get undoLabel(): string | null {
    return this.#done.at(-1)?.label ?? null;
  }

  get redoLabel(): string | null {
    return this.#undone.at(-1)?.label ?? null;
  }

  /** Bytes held by both stacks. */
  get bytes(): number {
    return this.#bytes;
  }

  get depth(): number {
    return this.#done.length;
  }

  /** Records an edit already applied to the mask. Patches that change nothing are dropped (false). */
  push(patch: Patch): boolean {
    if (equalBytes(patch.before, patch.after)) return false;
    for (const p of this.#undone.splice(0)) this.#bytes -= size(p);
    this.#done.push(patch);
    this.#bytes += size(patch);
    while (this.#bytes > this.#limitBytes && this.#done.length > 1) this.#bytes -= size(this.#done.shift()!);
    return true;
  }

  /** Reverts the last edit on `mask`; returns the rect to repaint, or null if there was none. */
  undo(mask: MaskBuffer): Rect | null {
    const patch = this.#done.pop();
    if (!patch) return null;
    writeRect(mask, patch.rect, patch.before);
    this.#undone.push(patch);
    return patch.rect;
  }

  redo(mask: MaskBuffer): Rect | null {
    const patch = this.#undone.pop();
    if (!patch) return null;
    writeRect(mask, patch.rect, patch.after);
    this.#done.push(patch);
    return patch.rect;
  }

  clear(): void {
    this.#done.length = 0;
    this.#undone.length = 0;
    this.#bytes = 0;
  }
}

function size(p: Patch): number {
  return p.before.byteLength + p.after.byteLength;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Builds a patch for `rect` from a copy taken before the edit and the mask after it. */
export function patchFrom(beforeMask: MaskBuffer, afterMask: MaskBuffer, rect: Rect, label: string): Patch {
  return { rect, before: readRect(beforeMask, rect), after: readRect(afterMask, rect), label };
}
