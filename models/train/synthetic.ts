// A synthetic try-on set with known ground-truth correspondence, generated on the fly from a seed.
//
// Each pair: a flat garment (stripes, checks or printed glyphs, with a collar band) on a white canvas, and a
// person-like figure (head, neck, bare arms, legs, a torso) whose torso wears that garment through a known
// smooth deformation. For every torso pixel p the generator knows the garment coordinate it shows, so:
//   mask (= warped_mask) = the torso region,
//   flow(p)              = where p's texture came from in the garment image, in grid_sample coordinates
//                          (align_corners=False: −1 / +1 are the outer edges of the first / last pixel),
//                          NaN outside the mask.
// The pair's parameters are drawn in normalised units, so the same (seed, index) renders the same pair at
// every resolution (progressive stages). Texture is evaluated analytically and supersampled 2×2, so edges
// are anti-aliased the same way in the garment and on the person.
import type { GreyImage, RgbImage } from '../image/index.ts';
import type { PairImages, PairSource } from './dataset.ts';
import { KeyedRng } from './rng-state.ts';
import type { Xoshiro128 } from '../pipelines/rng.ts';

type Rgb = [number, number, number];

/** 5×7 glyphs drawn for this set (asymmetric on purpose, so a match is unambiguous). '#' = ink. */
const GLYPHS: string[][] = [
  ['####.', '#....', '###..', '#....', '#....', '#....', '#....'], // F
  ['#....', '#....', '#....', '#....', '#....', '#....', '#####'], // L
  ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'], // R
  ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'], // 7
  ['..#..', '.###.', '#.#.#', '..#..', '..#..', '..#..', '..#..'], // arrow up
  ['#...#', '#..#.', '#.#..', '##...', '#.#..', '#..#.', '#...#'], // K
  ['.###.', '#...#', '....#', '..##.', '.#...', '#....', '#####'], // 2
  ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'], // 5
];

type Pattern =
  | { kind: 'stripes'; colors: Rgb[]; period: number; angle: number }
  | { kind: 'checks'; colors: Rgb[]; period: number }
  | { kind: 'glyphs'; base: Rgb; ink: Rgb; cells: number; glyphs: number[] };

interface PairParams {
  pattern: Pattern;
  collar: Rgb;
  /** Colour the dye gradient tends to across the garment (see texture). */
  tint: Rgb;
  /** Garment rectangle on its canvas, fractions of width / height. */
  box: { x0: number; y0: number; x1: number; y1: number };
  figure: {
    cx: number; top: number; bottom: number; halfTop: number; halfBottom: number; waist: number;
    skin: Rgb; pants: Rgb; bg: Rgb; armSpread: number;
  };
  warp: { a1: number; f1: number; p1: number; a2: number; f2: number; p2: number };
}

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;

function colour(g: Xoshiro128): Rgb {
  return [Math.floor(g.uniform() * 256), Math.floor(g.uniform() * 256), Math.floor(g.uniform() * 256)];
}

/** A colour at least `min` away (L1) from every colour in `others`, so patterns keep their contrast. */
function distinct(g: Xoshiro128, others: Rgb[], min = 180): Rgb {
  for (let i = 0; i < 50; i++) {
    const c = colour(g);
    if (others.every((o) => Math.abs(o[0] - c[0]) + Math.abs(o[1] - c[1]) + Math.abs(o[2] - c[2]) >= min)) return c;
  }
  const o = others[0] ?? [0, 0, 0];
  return [255 - o[0], 255 - o[1], 255 - o[2]];
}

/**
 * Draws one pair's parameters, in a fixed order, from its own stream. `detail` scales the print's spatial
 * frequency (1: stripes every 16–30 % of the garment width, 2–3 glyph cells; 0.5: half as fine). The
 * attention flow lives on the latent token grid (8×8 pixels per token), so a small image needs a coarse
 * print for the correspondence to be visible at token scale.
 */
export function pairParams(seed: number, index: number, detail = 1): PairParams {
  const g = new KeyedRng(seed).stream(`synthetic/pair/${index}`);
  const u = (a: number, b: number) => lerp(a, b, g.uniform());
  const kind = (['stripes', 'checks', 'glyphs'] as const)[Math.floor(g.uniform() * 3)]!;
  const c0 = colour(g);
  const c1 = distinct(g, [c0]);
  let pattern: Pattern;
  if (kind === 'stripes') pattern = { kind, colors: [c0, c1, distinct(g, [c0, c1], 120)], period: u(0.16, 0.3) / detail, angle: u(-0.8, 0.8) };
  else if (kind === 'checks') pattern = { kind, colors: [c0, c1], period: u(0.2, 0.34) / detail };
  else pattern = { kind, base: c0, ink: c1, cells: Math.max(1, Math.round((2 + Math.floor(g.uniform() * 2)) * detail)), glyphs: Array.from({ length: 9 }, () => Math.floor(g.uniform() * GLYPHS.length)) };
  const collar = distinct(g, [c0, c1], 150);
  const box = { x0: u(0.12, 0.2), y0: u(0.1, 0.18), x1: u(0.8, 0.88), y1: u(0.82, 0.9) };
  const bg = colour(g).map((v) => 140 + Math.floor(v / 3)) as Rgb; // light, muted background
  const skin: Rgb = [Math.floor(u(150, 235)), Math.floor(u(110, 190)), Math.floor(u(90, 160))];
  const figure = {
    cx: u(0.45, 0.55), top: u(0.2, 0.25), bottom: u(0.6, 0.66), halfTop: u(0.19, 0.24), halfBottom: u(0.14, 0.19), waist: u(0, 0.03),
    skin, pants: distinct(g, [bg, skin], 150), bg, armSpread: u(0.15, 0.45),
  };
  const warp = { a1: u(0.02, 0.06), f1: u(0.5, 1.5), p1: g.uniform(), a2: u(0.02, 0.05), f2: u(0.5, 1.5), p2: g.uniform() };
  const tint = distinct(g, [c0, c1], 200);
  return { pattern, collar, tint, box, figure, warp };
}

/**
 * Garment colour at garment coordinates (u, v) ∈ [0, 1]² (u across, v down): the print, under a smooth
 * dye gradient (darker towards the hem, tinted towards one side). Why the gradient: stripes and checks
 * repeat and have flat areas, so the print alone leaves the correspondence ambiguous and a photometric
 * loss without signal; the gradient makes every garment position distinguishable, as fabric shading and
 * dye variation do in photos.
 */
function texture(p: PairParams, u: number, v: number): Rgb {
  const c = print(p, u, v);
  const shade = 1 - 0.45 * v, mix = 0.5 * u;
  return [0, 1, 2].map((k) => (c[k]! * shade) * (1 - mix) + p.tint[k]! * mix) as Rgb;
}

function print(p: PairParams, u: number, v: number): Rgb {
  if (v < 0.07) return p.collar;
  const t = p.pattern;
  if (t.kind === 'stripes') {
    const d = (u * Math.cos(t.angle) + v * Math.sin(t.angle)) / t.period;
    return t.colors[Math.floor(((d % 3) + 3) % 3)]!;
  }
  if (t.kind === 'checks') return t.colors[(Math.floor(u / t.period) + Math.floor(v / t.period)) & 1]!;
  // glyphs: a cells×cells grid, one glyph per cell, drawn in the cell's central 5×7 area
  const cu = u * t.cells, cv = v * t.cells;
  const ci = Math.min(t.cells - 1, Math.floor(cu)), cj = Math.min(t.cells - 1, Math.floor(cv));
  const gx = (cu - ci - 0.15) / 0.7 * 5, gy = (cv - cj - 0.1) / 0.8 * 7;
  if (gx < 0 || gy < 0 || gx >= 5 || gy >= 7) return t.base;
  const glyph = GLYPHS[t.glyphs[cj * t.cells + ci]!]!;
  return glyph[Math.floor(gy)]![Math.floor(gx)] === '#' ? t.ink : t.base;
}

/** Torso geometry: (x, y) in image fractions → torso coordinates (s, t) ∈ [0,1]², or null outside. */
function torsoCoords(p: PairParams, x: number, y: number, aspect: number): [number, number] | null {
  const f = p.figure;
  const t = (y - f.top) / (f.bottom - f.top);
  if (t < 0 || t > 1) return null;
  const half = (lerp(f.halfTop, f.halfBottom, t) - f.waist * Math.sin(Math.PI * t)) / aspect; // widths in height units
  const s = (x - (f.cx - half)) / (2 * half);
  return s < 0 || s > 1 ? null : [s, t];
}

/** The known deformation: torso coordinates → garment coordinates (smooth, within [0, 1]²). */
function deform(p: PairParams, s: number, t: number): [number, number] {
  const w = p.warp;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return [clamp(s + w.a1 * Math.sin(2 * Math.PI * (w.f1 * t + w.p1))), clamp(t + w.a2 * Math.sin(2 * Math.PI * (w.f2 * s + w.p2)))];
}

const SUB = [0.25, 0.75]; // 2×2 supersampling offsets inside a pixel

/** Renders one pair at W×H. */
export function renderPair(seed: number, index: number, width: number, height: number, id = `synthetic-${seed}-${index}`, detail = 1): PairImages {
  const p = pairParams(seed, index, detail);
  const W = width, H = height, n = W * H;
  const aspect = W / H; // x fractions → height units for round shapes
  const f = p.figure;
  const garment = new Uint8Array(n * 3).fill(255);
  const person = new Uint8Array(n * 3);
  const mask = new Uint8Array(n);
  const densepose = new Uint8Array(n * 3);
  const flow = new Float32Array(n * 2).fill(NaN);
  const { x0, y0, x1, y1 } = p.box;
  // 1. Flat garment on white.
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const acc = [0, 0, 0];
      for (const oy of SUB) for (const ox of SUB) {
        const gu = ((x + ox) / W - x0) / (x1 - x0), gv = ((y + oy) / H - y0) / (y1 - y0);
        const c = gu >= 0 && gu <= 1 && gv >= 0 && gv <= 1 ? texture(p, gu, gv) : [255, 255, 255];
        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2];
      }
      for (let c = 0; c < 3; c++) garment[(y * W + x) * 3 + c] = Math.round(acc[c]! / 4);
    }
  }
  // 2. Person: background, legs, arms, neck, head, then the torso wearing the garment.
  const part = (x: number, y: number): { rgb: Rgb; dp: Rgb } | null => {
    const fx = x / W, fy = y / H;
    const xs = (fx - f.cx) * aspect; // horizontal offset in height units
    if ((xs * xs) + (fy - f.top + 0.11) ** 2 < 0.075 ** 2) return { rgb: f.skin, dp: [250, 220, 40] }; // head
    if (Math.abs(xs) < 0.035 && fy >= f.top - 0.05 && fy <= f.top) return { rgb: f.skin, dp: [240, 180, 60] }; // neck
    if (fy > f.bottom && fy < 0.97 && Math.abs(xs) < f.halfBottom && Math.abs(xs) > 0.015) return { rgb: f.pants, dp: xs < 0 ? [20, 120, 210] : [30, 160, 190] }; // legs
    for (const side of [-1, 1]) { // arms: thick segments from the shoulders, down and outwards
      const sx = side * (f.halfTop - 0.03), sy = f.top + 0.03;
      const dx = side * Math.sin(f.armSpread), dy = Math.cos(f.armSpread);
      const px = xs - sx, py = fy - sy;
      const along = px * dx + py * dy, across = Math.abs(px * dy - py * dx);
      if (along >= 0 && along <= 0.36 && across <= 0.035) return { rgb: f.skin, dp: side < 0 ? [90, 190, 100] : [140, 200, 80] };
    }
    return null;
  };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const centre = torsoCoords(p, (x + 0.5) / W, (y + 0.5) / H, aspect);
      const acc = [0, 0, 0];
      for (const oy of SUB) for (const ox of SUB) {
        const tc = torsoCoords(p, (x + ox) / W, (y + oy) / H, aspect);
        let c: Rgb;
        if (tc) {
          const [gu, gv] = deform(p, tc[0], tc[1]);
          const shade = 1 - 0.12 * (2 * tc[0] - 1) ** 2; // mild cylinder shading
          const t = texture(p, gu, gv);
          c = [t[0] * shade, t[1] * shade, t[2] * shade];
        } else c = part(x + ox, y + oy)?.rgb ?? f.bg;
        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2];
      }
      for (let c = 0; c < 3; c++) person[i * 3 + c] = Math.round(acc[c]! / 4);
      if (centre) {
        mask[i] = 255;
        densepose[i * 3] = 60; densepose[i * 3 + 1] = 80; densepose[i * 3 + 2] = 230; // torso part colour
        const [gu, gv] = deform(p, centre[0], centre[1]);
        // garment coordinates → garment-canvas position → grid_sample coordinates (align_corners=False)
        flow[i * 2] = 2 * lerp(x0, x1, gu) - 1;
        flow[i * 2 + 1] = 2 * lerp(y0, y1, gv) - 1;
      } else {
        const d = part(x + 0.5, y + 0.5);
        if (d) for (let c = 0; c < 3; c++) densepose[i * 3 + c] = d.dp[c]!;
      }
    }
  }
  const grey = (d: Uint8Array): GreyImage => ({ data: d, width: W, height: H });
  const rgb = (d: Uint8Array): RgbImage => ({ data: d, width: W, height: H });
  const torso = grey(mask); // agnostic mask and Leffa mask are the same region here
  return { id, category: 'upper_body', person: rgb(person), garment: rgb(garment), mask: torso, densepose: rgb(densepose), warpedMask: torso, flow };
}

export interface SyntheticOptions {
  seed: number;
  /** Training pairs. */
  size: number;
  /** Held-out pairs (indices after the training ones, never trained on). */
  holdout: number;
  /** Print frequency (see pairParams); default 1. */
  detail?: number;
}

/** The synthetic set as a PairSource (no files; every pair is rendered when loaded). */
export class SyntheticDataset implements PairSource {
  constructor(readonly opts: SyntheticOptions) {
    if (!(Number.isInteger(opts.size) && opts.size >= 1)) throw new RangeError(`synthetic dataset: size = ${opts.size}; expected a positive integer`);
    if (!(Number.isInteger(opts.holdout) && opts.holdout >= 0)) throw new RangeError(`synthetic dataset: holdout = ${opts.holdout}; expected an integer ≥ 0`);
  }
  get trainSize(): number { return this.opts.size; }
  get heldOutSize(): number { return this.opts.holdout; }
  async load(split: 'train' | 'heldout', index: number, size: { width: number; height: number }): Promise<PairImages> {
    const n = split === 'train' ? this.opts.size : this.opts.holdout;
    if (!(Number.isInteger(index) && index >= 0 && index < n)) throw new RangeError(`synthetic dataset: ${split} pair ${index} does not exist (${n} pairs)`);
    const i = split === 'train' ? index : this.opts.size + index;
    return renderPair(this.opts.seed, i, size.width, size.height, `synthetic-${this.opts.seed}-${split}-${index}`, this.opts.detail ?? 1);
  }
}
