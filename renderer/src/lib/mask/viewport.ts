// Zoom and pan for the mask editor: a view maps image pixels to screen pixels as
// screen = image × scale + offset. Zooming keeps the image point under the cursor fixed; panning is
// clamped so some of the image always stays on screen. Pure functions over plain values.

export interface View {
  scale: number;
  /** Screen position of image pixel (0, 0). */
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 32;
/** How much of the image (in screen pixels) must stay visible after a pan. */
export const KEEP_VISIBLE = 48;

export function clampScale(scale: number, min = MIN_SCALE, max = MAX_SCALE): number {
  return Math.min(max, Math.max(min, scale));
}

export function screenToImage(view: View, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - view.x) / view.scale, y: (sy - view.y) / view.scale };
}

export function imageToScreen(view: View, ix: number, iy: number): { x: number; y: number } {
  return { x: ix * view.scale + view.x, y: iy * view.scale + view.y };
}

/** The whole image centred in the viewport, with `padding` screen pixels around it. */
export function fitView(image: Size, viewport: Size, padding = 16): View {
  const scale = clampScale(Math.min((viewport.width - 2 * padding) / image.width, (viewport.height - 2 * padding) / image.height));
  return { scale, x: (viewport.width - image.width * scale) / 2, y: (viewport.height - image.height * scale) / 2 };
}

/** Multiplies the scale by `factor` (clamped) around screen point (sx, sy), which stays over the same image point. */
export function zoomAt(view: View, factor: number, sx: number, sy: number): View {
  const scale = clampScale(view.scale * factor);
  const k = scale / view.scale;
  return { scale, x: sx - (sx - view.x) * k, y: sy - (sy - view.y) * k };
}

/** Sets an absolute scale around the viewport centre (the "100 %" button). */
export function zoomTo(view: View, scale: number, viewport: Size): View {
  return zoomAt(view, scale / view.scale, viewport.width / 2, viewport.height / 2);
}

/** Moves by (dx, dy) screen pixels, keeping at least KEEP_VISIBLE pixels of the image in the viewport. */
export function panBy(view: View, dx: number, dy: number, image: Size, viewport: Size): View {
  return clampPan({ ...view, x: view.x + dx, y: view.y + dy }, image, viewport);
}

export function clampPan(view: View, image: Size, viewport: Size): View {
  const w = image.width * view.scale;
  const h = image.height * view.scale;
  const keepX = Math.min(KEEP_VISIBLE, w);
  const keepY = Math.min(KEEP_VISIBLE, h);
  return {
    scale: view.scale,
    x: Math.min(viewport.width - keepX, Math.max(keepX - w, view.x)),
    y: Math.min(viewport.height - keepY, Math.max(keepY - h, view.y)),
  };
}

/** Wheel delta (pixels) to a zoom factor: one notch (100 px) ≈ ×1.2, smooth for trackpads. */
export function wheelZoomFactor(deltaY: number): number {
  return Math.pow(1.2, -deltaY / 100);
}
