// Flow fields as pictures, with the standard optical-flow colour coding (Baker et al., the Middlebury
// flow benchmark): hue = direction of the displacement, saturation = its length, value = 1. No
// displacement is white; a displacement of `maxMagnitude` or more is fully saturated.
//   hue: 0 = pointing right (red), 1/4 = pointing down (yellow-green) — image coordinates, y down —,
//   1/2 = left (cyan), 3/4 = up (violet).
// Used by the Explain view: a Leffa flow (grid_sample coordinates in [−1, 1], per token) is shown as the
// displacement of each token from its own position (the coords of models/losses/attention-flow.ts).
// Pure maths over plain arrays: no tensors.
import type { RgbImage } from './types.ts';

/** HSV in [0, 1] each → 8-bit RGB (rounded half up). */
export function hsvToRgb8(h: number, s: number, v: number): [number, number, number] {
  const hh = ((h % 1) + 1) % 1;
  const i = Math.floor(hh * 6);
  const f = hh * 6 - i;
  const p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  const rgb = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6]!;
  return [Math.round(rgb[0]! * 255), Math.round(rgb[1]! * 255), Math.round(rgb[2]! * 255)];
}

/** The colour of one displacement (dx, dy) (y down), saturated at `maxMagnitude`. */
export function flowColour(dx: number, dy: number, maxMagnitude = 1): [number, number, number] {
  if (!(maxMagnitude > 0)) throw new RangeError(`flowColour: maxMagnitude = ${maxMagnitude}; expected a number > 0`);
  const mag = Math.hypot(dx, dy);
  if (!Number.isFinite(mag)) return [0, 0, 0]; // NaN/∞ shows black, never a plausible colour
  const hue = mag === 0 ? 0 : Math.atan2(dy, dx) / (2 * Math.PI);
  return hsvToRgb8(hue, Math.min(1, mag / maxMagnitude), 1);
}

/** (linspace(−1, 1, n))[i], the token coordinate convention of the Leffa flow (n = 1 gives −1). */
function lin(i: number, n: number): number {
  return n === 1 ? -1 : -1 + (2 * i) / (n - 1);
}

/**
 * A low-resolution Leffa flow [h, w, 2] (x, y in [−1, 1], item `index` of a batch [B, h, w, 2]) as a colour
 * image h × w: each token's colour codes where it looks relative to its own position. `maxMagnitude` is in
 * the same units (2 = the whole width); default 1, half the image.
 */
export function flowToColourImage(flow: Float32Array, h: number, w: number, opts: { maxMagnitude?: number; index?: number } = {}): RgbImage {
  const index = opts.index ?? 0;
  if (flow.length < (index + 1) * h * w * 2) throw new RangeError(`flowToColourImage: flow has ${flow.length} values; item ${index} of [B, ${h}, ${w}, 2] needs ${(index + 1) * h * w * 2}`);
  const data = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = ((index * h + y) * w + x) * 2;
      data.set(flowColour(flow[o]! - lin(x, w), flow[o + 1]! - lin(y, h), opts.maxMagnitude ?? 1), (y * w + x) * 3);
    }
  }
  return { data, width: w, height: h };
}

/**
 * The legend: a size × size disc whose pixel at offset (dx, dy) from the centre has the colour of that
 * displacement, the rim being `maxMagnitude`; outside the disc is `background` (default white).
 */
export function colourWheelLegend(size = 128, background: [number, number, number] = [255, 255, 255]): RgbImage {
  const data = new Uint8Array(size * size * 3);
  const r = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = (x + 0.5 - r) / r, dy = (y + 0.5 - r) / r;
      data.set(Math.hypot(dx, dy) <= 1 ? flowColour(dx, dy, 1) : background, (y * size + x) * 3);
    }
  }
  return { data, width: size, height: size };
}
