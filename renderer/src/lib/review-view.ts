// The compare view's shared viewport: every pane shows its image with the same zoom and pan, so the same
// spot lines up across result, model photo, garment and another version. Zoom is around a point (the
// cursor), clamped to [1, 16] (1 = the image fits its pane); pan is clamped so the image never leaves the
// pane. Pure, in pane-relative units (0..1 of the pane's width and height).

export interface View {
  zoom: number;
  /** Offset of the image's top-left corner from the pane's, in pane units (≤ 0 when zoomed in). */
  x: number;
  y: number;
}

export const MIN_ZOOM = 1;
export const MAX_ZOOM = 16;
export const FIT: View = Object.freeze({ zoom: 1, x: 0, y: 0 });

function clampPan(v: View): View {
  const lo = 1 - v.zoom;
  return { zoom: v.zoom, x: Math.min(0, Math.max(lo, v.x)), y: Math.min(0, Math.max(lo, v.y)) };
}

/** Zooms by `factor` keeping the pane point (px, py) (0..1) over the same image point. */
export function zoomAt(v: View, factor: number, px: number, py: number): View {
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom * factor));
  const k = zoom / v.zoom;
  return clampPan({ zoom, x: px - (px - v.x) * k, y: py - (py - v.y) * k });
}

/** Pans by (dx, dy) pane units. */
export function panBy(v: View, dx: number, dy: number): View {
  return clampPan({ zoom: v.zoom, x: v.x + dx, y: v.y + dy });
}

/** The CSS transform of an image filling its pane at this view. */
export function viewTransform(v: View): string {
  return `translate(${(v.x * 100).toFixed(3)}%, ${(v.y * 100).toFixed(3)}%) scale(${v.zoom.toFixed(4)})`;
}

/** Slider position (0..1) from a pointer x within the pane's box. */
export function sliderAt(clientX: number, left: number, width: number): number {
  if (width <= 0) return 0.5;
  return Math.min(1, Math.max(0, (clientX - left) / width));
}
