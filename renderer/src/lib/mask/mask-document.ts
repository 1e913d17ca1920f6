// The mask being edited: a MaskBuffer, its undo history and the stroke in progress. Tools and
// actions go through here so every change is undoable and reports the rect to repaint. No DOM and
// no runes; MaskEditorState (mask-editor.svelte.ts) makes it reactive.
import { MaskHistory, patchFrom } from './history.ts';
import {
  MaskBuffer, ON, OFF, clearMask, fillMask, floodFill, invertMask, paintSegment, unionRect, type Rect,
} from './mask-buffer.ts';

export type PaintTool = 'brush' | 'eraser';

interface Stroke {
  tool: PaintTool;
  radius: number;
  lastX: number;
  lastY: number;
  dirty: Rect | null;
  /** The mask as it was when the stroke began, to build the undo patch at the end. */
  before: MaskBuffer;
}

export class MaskDocument {
  readonly mask: MaskBuffer;
  readonly history: MaskHistory;
  #stroke: Stroke | null = null;
  /** Bumped on every change, so savers can tell whether the mask changed since they looked. */
  revision = 0;

  constructor(mask: MaskBuffer, history = new MaskHistory()) {
    this.mask = mask;
    this.history = history;
  }

  get stroking(): boolean {
    return this.#stroke !== null;
  }

  /** Starts a brush (ON) or eraser (OFF) stroke with a dab at (x, y); returns the rect to repaint. */
  beginStroke(tool: PaintTool, x: number, y: number, radius: number): Rect | null {
    if (this.#stroke) this.endStroke();
    this.#stroke = { tool, radius, lastX: x, lastY: y, dirty: null, before: this.mask.clone() };
    return this.#paint(x, y);
  }

  /** Extends the stroke to (x, y) with a gap-free segment from the last point. */
  strokeTo(x: number, y: number): Rect | null {
    return this.#stroke ? this.#paint(x, y) : null;
  }

  /** Ends the stroke and records it as one undo step. */
  endStroke(): void {
    const s = this.#stroke;
    this.#stroke = null;
    if (s?.dirty) this.history.push(patchFrom(s.before, this.mask, s.dirty, s.tool === 'brush' ? 'brush stroke' : 'eraser stroke'));
  }

  #paint(x: number, y: number): Rect | null {
    const s = this.#stroke!;
    const rect = paintSegment(this.mask, s.lastX, s.lastY, x, y, s.radius, s.tool === 'brush' ? ON : OFF);
    s.lastX = x;
    s.lastY = y;
    if (rect) {
      s.dirty = unionRect(s.dirty, rect);
      this.revision++;
    }
    return rect;
  }

  /** Bucket fill of the region under (x, y) with ON (or OFF when `erase`). */
  bucket(x: number, y: number, erase = false): Rect | null {
    return this.#whole('fill region', (m) => floodFill(m, x, y, erase ? OFF : ON));
  }

  invert(): Rect | null {
    return this.#whole('invert', invertMask);
  }

  fill(): Rect | null {
    return this.#whole('fill', (m) => fillMask(m));
  }

  clear(): Rect | null {
    return this.#whole('clear', clearMask);
  }

  undo(): Rect | null {
    if (this.#stroke) this.endStroke();
    const rect = this.history.undo(this.mask);
    if (rect) this.revision++;
    return rect;
  }

  redo(): Rect | null {
    if (this.#stroke) this.endStroke();
    const rect = this.history.redo(this.mask);
    if (rect) this.revision++;
    return rect;
  }

  #whole(label: string, op: (mask: MaskBuffer) => Rect | null): Rect | null {
    if (this.#stroke) this.endStroke();
    const before = this.mask.clone();
    const rect = op(this.mask);
    if (!rect) return null;
    if (!this.history.push(patchFrom(before, this.mask, rect, label))) return null;
    this.revision++;
    return rect;
  }
}
