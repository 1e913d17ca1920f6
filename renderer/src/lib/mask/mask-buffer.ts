// A binary mask as one byte per pixel (0 = keep, 255 = regenerate: the convention of
// models/preprocess/agnostic_mask.ts), and the raster operations the mask editor applies to it.
// Pure and DOM-free, so node:test covers every pixel rule. Every operation returns the rectangle it
// may have changed ("dirty rect"), which the history records and the canvas repaints.

export const ON = 255;
export const OFF = 0;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export class MaskBuffer {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;

  constructor(width: number, height: number, data?: Uint8Array) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`MaskBuffer: expected a positive integer width and height, got ${width}×${height}`);
    }
    if (data && data.length !== width * height) {
      throw new RangeError(`MaskBuffer: data has ${data.length} bytes, expected width × height = ${width * height}`);
    }
    this.width = width;
    this.height = height;
    this.data = data ?? new Uint8Array(width * height);
  }

  get(x: number, y: number): number {
    return this.data[y * this.width + x];
  }

  clone(): MaskBuffer {
    return new MaskBuffer(this.width, this.height, this.data.slice());
  }

  /** Pixels set to ON. */
  count(): number {
    let n = 0;
    for (let i = 0; i < this.data.length; i++) if (this.data[i] !== OFF) n++;
    return n;
  }

  get bounds(): Rect {
    return { x: 0, y: 0, w: this.width, h: this.height };
  }
}

/** Smallest rect holding both; either may be null. */
export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

/** The rect clipped to the mask; null when nothing is left. */
export function clipRect(mask: MaskBuffer, r: Rect): Rect | null {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(mask.width, Math.ceil(r.x + r.w));
  const y1 = Math.min(mask.height, Math.ceil(r.y + r.h));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null;
}

/** Copies a rect's bytes out (row by row). */
export function readRect(mask: MaskBuffer, r: Rect): Uint8Array {
  const out = new Uint8Array(r.w * r.h);
  for (let row = 0; row < r.h; row++) {
    const start = (r.y + row) * mask.width + r.x;
    out.set(mask.data.subarray(start, start + r.w), row * r.w);
  }
  return out;
}

/** Writes bytes read by readRect back. */
export function writeRect(mask: MaskBuffer, r: Rect, bytes: Uint8Array): void {
  for (let row = 0; row < r.h; row++) {
    mask.data.set(bytes.subarray(row * r.w, (row + 1) * r.w), (r.y + row) * mask.width + r.x);
  }
}

/**
 * Paints a round-capped line of the given radius from (x0, y0) to (x1, y1) in image coordinates: every
 * pixel whose centre lies within `radius` of the segment gets `value`. One call per pointer move
 * leaves no gaps however fast the pointer moves (unlike stamping discs at event positions); a
 * zero-length segment is a disc. Returns the dirty rect, or null if no pixel changed.
 */
export function paintSegment(mask: MaskBuffer, x0: number, y0: number, x1: number, y1: number, radius: number, value: number): Rect | null {
  const r = Math.max(0.5, radius);
  const box = clipRect(mask, {
    x: Math.min(x0, x1) - r,
    y: Math.min(y0, y1) - r,
    w: Math.abs(x1 - x0) + 2 * r,
    h: Math.abs(y1 - y0) + 2 * r,
  });
  if (!box) return null;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const r2 = r * r;
  const { width, data } = mask;
  let changed = false;
  for (let py = box.y; py < box.y + box.h; py++) {
    const cy = py + 0.5;
    for (let px = box.x; px < box.x + box.w; px++) {
      const cx = px + 0.5;
      // Closest point of the segment to the pixel centre.
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((cx - x0) * dx + (cy - y0) * dy) / len2));
      const ex = cx - (x0 + t * dx);
      const ey = cy - (y0 + t * dy);
      if (ex * ex + ey * ey <= r2 && data[py * width + px] !== value) {
        data[py * width + px] = value;
        changed = true;
      }
    }
  }
  return changed ? box : null;
}

export function invertMask(mask: MaskBuffer): Rect {
  const { data } = mask;
  for (let i = 0; i < data.length; i++) data[i] = data[i] === OFF ? ON : OFF;
  return mask.bounds;
}

export function fillMask(mask: MaskBuffer, value: number = ON): Rect {
  mask.data.fill(value);
  return mask.bounds;
}

export function clearMask(mask: MaskBuffer): Rect {
  return fillMask(mask, OFF);
}

/**
 * Bucket fill: sets the 4-connected region of pixels equal to the one at (x, y) to `value` (scanline
 * fill, so a full 768×1024 mask needs no deep recursion). Returns the dirty rect, or null when the
 * point is outside or the region already has the value.
 */
export function floodFill(mask: MaskBuffer, x: number, y: number, value: number): Rect | null {
  const sx = Math.floor(x);
  const sy = Math.floor(y);
  if (sx < 0 || sy < 0 || sx >= mask.width || sy >= mask.height) return null;
  const { width, height, data } = mask;
  const target = data[sy * width + sx];
  if (target === value) return null;
  let minX = sx, maxX = sx, minY = sy, maxY = sy;
  const stack: number[] = [sx, sy];
  while (stack.length) {
    const cy = stack.pop()!;
    let cx = stack.pop()!;
    const row = cy * width;
    if (data[row + cx] !== target) continue;
    while (cx > 0 && data[row + cx - 1] === target) cx--;
    let spanUp = false;
    let spanDown = false;
    for (; cx < width && data[row + cx] === target; cx++) {
      data[row + cx] = value;
      if (cx < minX) minX = cx;
      if (cx > maxX) maxX = cx;
      if (cy > 0) {
        const up = data[row - width + cx] === target;
        if (up && !spanUp) stack.push(cx, cy - 1);
        spanUp = up;
      }
      if (cy < height - 1) {
        const down = data[row + width + cx] === target;
        if (down && !spanDown) stack.push(cx, cy + 1);
        spanDown = down;
      }
    }
    if (cy < minY) minY = cy;
    if (cy > maxY) maxY = cy;
  }
  return { x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1 };
}

/** Reads a mask from decoded RGBA pixels (a grey mask PNG): luminance at or above `threshold` is ON. */
export function maskFromRgba(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, threshold = 128): MaskBuffer {
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`maskFromRgba: expected ${width * height * 4} bytes for ${width}×${height} RGBA, got ${rgba.length}`);
  }
  const mask = new MaskBuffer(width, height);
  for (let i = 0, p = 0; i < mask.data.length; i++, p += 4) {
    // Rec. 601 luma in integer maths; transparent pixels count as black.
    const luma = (rgba[p] * 299 + rgba[p + 1] * 587 + rgba[p + 2] * 114) / 1000;
    mask.data[i] = rgba[p + 3] >= 128 && luma >= threshold ? ON : OFF;
  }
  return mask;
}

/** RGBA pixels of a rect of the mask for an ImageData: ON pixels get `colour`, OFF ones are transparent. */
export function maskToRgba(mask: MaskBuffer, rect: Rect, colour: readonly [number, number, number, number]): Uint8ClampedArray {
  const out = new Uint8ClampedArray(rect.w * rect.h * 4);
  const [r, g, b, a] = colour;
  for (let row = 0; row < rect.h; row++) {
    let src = (rect.y + row) * mask.width + rect.x;
    let dst = row * rect.w * 4;
    for (let col = 0; col < rect.w; col++, src++, dst += 4) {
      if (mask.data[src] !== OFF) {
        out[dst] = r;
        out[dst + 1] = g;
        out[dst + 2] = b;
        out[dst + 3] = a;
      }
    }
  }
  return out;
}
