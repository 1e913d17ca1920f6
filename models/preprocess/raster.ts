// Filled shapes drawn into binary masks: thick polylines with round joints and caps (cv2.line with
// LINE_AA-free thickness plus the reference's "curved joints"), discs, polygons and ellipses. A pixel is
// on when its centre (x+0.5, y+0.5) is inside the shape, so shapes scale cleanly with resolution.
import type { BinaryMask } from './binary_mask.ts';
import type { Point } from './keypoints.ts';

/** Distance from (px, py) to the segment a–b. */
export function segmentDistance(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / len2));
  return Math.hypot(px - (a.x + t * dx), py - (a.y + t * dy));
}

/** Draws a polyline of the given total width (round caps and joins). */
export function drawPolyline(m: BinaryMask, pts: Point[], width: number): void {
  const r = width / 2;
  if (pts.length === 1) {
    drawDisc(m, pts[0], r);
    return;
  }
  for (let i = 0; i + 1 < pts.length; i++) {
    const a = pts[i];
    const b = pts[i + 1];
    const [x0, x1, y0, y1] = bounds(m, Math.min(a.x, b.x) - r, Math.max(a.x, b.x) + r, Math.min(a.y, b.y) - r, Math.max(a.y, b.y) + r);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (segmentDistance(x + 0.5, y + 0.5, a, b) <= r) m.data[y * m.width + x] = 1;
      }
    }
  }
}

export function drawDisc(m: BinaryMask, c: Point, r: number): void {
  drawEllipse(m, c, r, r, 0);
}

/** Filled ellipse with semi-axes rx (along `angle`, radians) and ry. */
export function drawEllipse(m: BinaryMask, c: Point, rx: number, ry: number, angle: number): void {
  if (!(rx > 0) || !(ry > 0)) return;
  const R = Math.max(rx, ry);
  const [x0, x1, y0, y1] = bounds(m, c.x - R, c.x + R, c.y - R, c.y + R);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - c.x;
      const dy = y + 0.5 - c.y;
      const u = (dx * cos + dy * sin) / rx;
      const v = (-dx * sin + dy * cos) / ry;
      if (u * u + v * v <= 1) m.data[y * m.width + x] = 1;
    }
  }
}

/** Filled polygon (even-odd rule over pixel centres). */
export function drawPolygon(m: BinaryMask, pts: Point[]): void {
  if (pts.length < 3) return;
  const ys = pts.map((p) => p.y);
  const [, , y0, y1] = bounds(m, 0, 0, Math.min(...ys), Math.max(...ys));
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < pts.length; i++) {
      const a = pts[i];
      const b = pts[(i + 1) % pts.length];
      if ((a.y <= cy && b.y > cy) || (b.y <= cy && a.y > cy)) xs.push(a.x + ((cy - a.y) / (b.y - a.y)) * (b.x - a.x));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const xa = Math.max(0, Math.ceil(xs[k] - 0.5));
      const xb = Math.min(m.width - 1, Math.floor(xs[k + 1] - 0.5));
      for (let x = xa; x <= xb; x++) m.data[y * m.width + x] = 1;
    }
  }
}

/** Convex hull (monotone chain), for hand and foot outlines from a few landmarks. */
export function convexHull(pts: Point[]): Point[] {
  const p = [...pts].sort((a, b) => a.x - b.x || a.y - b.y);
  if (p.length < 3) return p;
  const cross = (o: Point, a: Point, b: Point): number => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const lower: Point[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: Point[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** Integer pixel bounds clipped to the mask: [x0, x1, y0, y1] (may be empty: x0 > x1). */
function bounds(m: BinaryMask, xa: number, xb: number, ya: number, yb: number): [number, number, number, number] {
  return [
    Math.max(0, Math.floor(xa - 0.5)),
    Math.min(m.width - 1, Math.ceil(xb)),
    Math.max(0, Math.floor(ya - 0.5)),
    Math.min(m.height - 1, Math.ceil(yb)),
  ];
}
