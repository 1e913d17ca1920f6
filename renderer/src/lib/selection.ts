// Multi-selection in a list or grid, the way file managers do it: click selects one, Ctrl/Cmd-click
// toggles, Shift-click selects the range from the anchor. Ids, not indices, so a selection survives
// reloads and filtering. Pure; the state classes keep a Selection in a $state.raw field and replace
// it on every change (each method returns a new Selection).

export interface ClickModifiers {
  shift?: boolean;
  /** Ctrl, or Cmd on macOS. */
  toggle?: boolean;
}

export class Selection {
  readonly ids: ReadonlySet<number>;
  /** Index the next Shift-click extends from. */
  readonly anchor: number | null;

  constructor(ids: Iterable<number> = [], anchor: number | null = null) {
    this.ids = new Set(ids);
    this.anchor = anchor;
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  /** Applies a click on the item at `index`; `idAt` maps indices to ids (undefined where not loaded). */
  click(index: number, idAt: (i: number) => number | undefined, mods: ClickModifiers = {}): Selection {
    const id = idAt(index);
    if (id === undefined) return this;
    if (mods.shift && this.anchor !== null) {
      const ids = mods.toggle ? new Set(this.ids) : new Set<number>();
      const [from, to] = this.anchor <= index ? [this.anchor, index] : [index, this.anchor];
      for (let i = from; i <= to; i++) {
        const other = idAt(i);
        if (other !== undefined) ids.add(other);
      }
      return new Selection(ids, this.anchor);
    }
    if (mods.toggle) {
      const ids = new Set(this.ids);
      if (ids.has(id)) ids.delete(id);
      else ids.add(id);
      return new Selection(ids, index);
    }
    return new Selection([id], index);
  }

  toggle(id: number, index: number | null = null): Selection {
    const ids = new Set(this.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return new Selection(ids, index ?? this.anchor);
  }

  withAll(ids: Iterable<number>): Selection {
    return new Selection([...this.ids, ...ids], this.anchor);
  }

  /** Keeps only ids that still exist (after a delete or a reload). */
  retain(exists: (id: number) => boolean): Selection {
    const ids = [...this.ids].filter(exists);
    return ids.length === this.ids.size ? this : new Selection(ids, this.anchor);
  }

  static empty(): Selection {
    return new Selection();
  }
}
