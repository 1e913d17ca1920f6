// The mask editor's state: the mask document (pixels + undo history), the tool and its size, and the
// zoom/pan view. Pointer input arrives in screen coordinates of the canvas element and is mapped to
// image pixels here, so the component only draws. Every change reports the rect to repaint through
// `onPaint`. Saving adds a new mask version (origin 'manual'); nothing is overwritten.
import type { Category, Mask } from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';
import { bytesToBase64 } from '../mask/base64.ts';
import { MaskDocument } from '../mask/mask-document.ts';
import type { MaskBuffer, Rect } from '../mask/mask-buffer.ts';
import { encodeMaskPng } from '../mask/png.ts';
import { fitView, panBy, screenToImage, wheelZoomFactor, zoomAt, zoomTo, type Size, type View } from '../mask/viewport.ts';

export type Tool = 'brush' | 'eraser' | 'bucket';
export const MIN_RADIUS = 1;
export const MAX_RADIUS = 256;

export interface MaskEditorInit {
  modelPhotoId: number;
  category: Category;
  /** The starting pixels: the shown version, or an empty mask of the photo's size. */
  mask: MaskBuffer;
  /** The version it started from, for the title ("editing v2"); null for a new mask. */
  baseVersion: number | null;
}

export class MaskEditorState {
  readonly modelPhotoId: number;
  readonly category: Category;
  readonly baseVersion: number | null;
  readonly doc: MaskDocument;

  tool = $state<Tool>('brush');
  /** Brush radius in image pixels. */
  radius = $state(24);
  view = $state.raw<View>({ scale: 1, x: 0, y: 0 });
  viewport = $state.raw<Size>({ width: 1, height: 1 });
  /** Mirrors doc.revision so derived values and the template update after each edit. */
  revision = $state(0);
  savedRevision = $state(0);
  saving = $state(false);
  error = $state<string | null>(null);
  /** Where the brush outline is drawn (screen coordinates), or null when the pointer is away. */
  cursor = $state.raw<{ x: number; y: number } | null>(null);

  readonly dirty = $derived(this.revision !== this.savedRevision);

  /** Set by the canvas component: repaints a rect of the mask layer. */
  onPaint: (rect: Rect) => void = () => {};

  #drag: { mode: 'paint' | 'pan'; lastX: number; lastY: number } | null = null;

  constructor(init: MaskEditorInit) {
    this.modelPhotoId = init.modelPhotoId;
    this.category = init.category;
    this.baseVersion = init.baseVersion;
    this.doc = new MaskDocument(init.mask);
  }

  // Getters rather than $derived: they read `revision`, so templates update after each edit.
  get canUndo(): boolean {
    return this.revision >= 0 && this.doc.history.canUndo;
  }

  get canRedo(): boolean {
    return this.revision >= 0 && this.doc.history.canRedo;
  }

  /** Fraction of the photo the mask covers. */
  get coverage(): number {
    return this.revision >= 0 ? this.doc.mask.count() / this.doc.mask.data.length : 0;
  }

  get image(): Size {
    return { width: this.doc.mask.width, height: this.doc.mask.height };
  }

  get dragging(): boolean {
    return this.#drag !== null;
  }

  #changed(rect: Rect | null): void {
    this.revision = this.doc.revision;
    if (rect) this.onPaint(rect);
  }

  // ---- view -------------------------------------------------------------------------------------

  setViewport(size: Size, refit = false): void {
    this.viewport = size;
    if (refit) this.fit();
  }

  fit(): void {
    this.view = fitView(this.image, this.viewport);
  }

  actualSize(): void {
    this.view = zoomTo(this.view, 1, this.viewport);
  }

  zoomBy(factor: number, sx = this.viewport.width / 2, sy = this.viewport.height / 2): void {
    this.view = zoomAt(this.view, factor, sx, sy);
  }

  wheel(deltaY: number, sx: number, sy: number): void {
    this.zoomBy(wheelZoomFactor(deltaY), sx, sy);
  }

  panBy(dx: number, dy: number): void {
    this.view = panBy(this.view, dx, dy, this.image, this.viewport);
  }

  // ---- pointer ----------------------------------------------------------------------------------

  /** `pan`: middle button, Space held, or the hand modifier. */
  pointerDown(sx: number, sy: number, pan = false): void {
    this.cursor = { x: sx, y: sy };
    if (pan) {
      this.#drag = { mode: 'pan', lastX: sx, lastY: sy };
      return;
    }
    const p = screenToImage(this.view, sx, sy);
    if (this.tool === 'bucket') {
      this.#changed(this.doc.bucket(p.x, p.y));
      return;
    }
    this.#drag = { mode: 'paint', lastX: sx, lastY: sy };
    this.#changed(this.doc.beginStroke(this.tool, p.x, p.y, this.radius));
  }

  pointerMove(sx: number, sy: number): void {
    this.cursor = { x: sx, y: sy };
    const drag = this.#drag;
    if (!drag) return;
    if (drag.mode === 'pan') this.panBy(sx - drag.lastX, sy - drag.lastY);
    else {
      const p = screenToImage(this.view, sx, sy);
      this.#changed(this.doc.strokeTo(p.x, p.y));
    }
    drag.lastX = sx;
    drag.lastY = sy;
  }

  pointerUp(): void {
    if (this.#drag?.mode === 'paint') {
      this.doc.endStroke();
      this.#changed(null);
    }
    this.#drag = null;
  }

  pointerLeave(): void {
    this.cursor = null;
  }

  // ---- tools and actions ------------------------------------------------------------------------

  setRadius(radius: number): void {
    this.radius = Math.round(Math.min(MAX_RADIUS, Math.max(MIN_RADIUS, radius)));
  }

  /** `[` and `]`: about 20 % per press, at least one pixel. */
  stepRadius(direction: 1 | -1): void {
    this.setRadius(this.radius + direction * Math.max(1, Math.round(this.radius * 0.2)));
  }

  undo(): void {
    this.#changed(this.doc.undo());
  }

  redo(): void {
    this.#changed(this.doc.redo());
  }

  invert(): void {
    this.#changed(this.doc.invert());
  }

  fill(): void {
    this.#changed(this.doc.fill());
  }

  clear(): void {
    this.#changed(this.doc.clear());
  }

  /** Saves the pixels as a new version of this photo's mask for the category. */
  async save(api: Pick<Api, 'call'>): Promise<Mask | null> {
    if (this.saving) return null;
    this.saving = true;
    this.error = null;
    const revision = this.doc.revision;
    try {
      const png = await encodeMaskPng(this.doc.mask);
      const mask = await api.call('masks:save', {
        modelPhotoId: this.modelPhotoId, category: this.category, origin: 'manual', pngBase64: bytesToBase64(png),
      });
      this.savedRevision = revision;
      return mask;
    } catch (err) {
      this.error = readableError(err, 'save the mask');
      return null;
    } finally {
      this.saving = false;
    }
  }
}
