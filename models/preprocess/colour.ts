// Colour science for the quality checks: 8-bit sRGB → CIE L*a*b* (D65) and the CIEDE2000 colour
// difference (Sharma, Wu & Dalal 2005, "The CIEDE2000 Color-Difference Formula: Implementation Notes").
// ΔE00 ≈ 1 is a just-noticeable difference under good viewing conditions; 2–3 is what colour-managed
// print workflows accept; > 5 is a clearly different shade.

export type Lab = [number, number, number];

const LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

// D65 reference white (2° observer), XYZ scaled so Y = 1.
const XN = 0.95047;
const ZN = 1.08883;

const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);

export function srgbToLab(r: number, g: number, b: number): Lab {
  const R = LINEAR[r];
  const G = LINEAR[g];
  const B = LINEAR[b];
  const X = 0.4124564 * R + 0.3575761 * G + 0.1804375 * B;
  const Y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const Z = 0.0193339 * R + 0.119192 * G + 0.9503041 * B;
  const fx = f(X / XN);
  const fy = f(Y);
  const fz = f(Z / ZN);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** CIE76 ΔE: Euclidean distance in Lab (cheap; used for per-pixel change maps). */
export function deltaE76(p: Lab, q: Lab): number {
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** CIEDE2000 ΔE with kL = kC = kH = 1. */
export function deltaE2000(p: Lab, q: Lab): number {
  const [L1, a1, b1] = p;
  const [L2, a2, b2] = q;
  const deg = Math.PI / 180;
  const C1 = Math.hypot(a1, b1);
  const C2 = Math.hypot(a2, b2);
  const Cm = (C1 + C2) / 2;
  const G = 0.5 * (1 - Math.sqrt(Cm ** 7 / (Cm ** 7 + 25 ** 7)));
  const a1p = (1 + G) * a1;
  const a2p = (1 + G) * a2;
  const C1p = Math.hypot(a1p, b1);
  const C2p = Math.hypot(a2p, b2);
  const hue = (a: number, b: number): number => (a === 0 && b === 0 ? 0 : (Math.atan2(b, a) / deg + 360) % 360);
  const h1p = hue(a1p, b1);
  const h2p = hue(a2p, b2);
  const dLp = L2 - L1;
  const dCp = C2p - C1p;
  let dhp = 0;
  if (C1p * C2p !== 0) {
    dhp = h2p - h1p;
    if (dhp > 180) dhp -= 360;
    else if (dhp < -180) dhp += 360;
  }
  const dHp = 2 * Math.sqrt(C1p * C2p) * Math.sin((dhp / 2) * deg);
  const Lpm = (L1 + L2) / 2;
  const Cpm = (C1p + C2p) / 2;
  let hpm = h1p + h2p;
  if (C1p * C2p !== 0) {
    if (Math.abs(h1p - h2p) <= 180) hpm = (h1p + h2p) / 2;
    else hpm = h1p + h2p < 360 ? (h1p + h2p + 360) / 2 : (h1p + h2p - 360) / 2;
  }
  const T =
    1 -
    0.17 * Math.cos((hpm - 30) * deg) +
    0.24 * Math.cos(2 * hpm * deg) +
    0.32 * Math.cos((3 * hpm + 6) * deg) -
    0.2 * Math.cos((4 * hpm - 63) * deg);
  const dTheta = 30 * Math.exp(-(((hpm - 275) / 25) ** 2));
  const Rc = 2 * Math.sqrt(Cpm ** 7 / (Cpm ** 7 + 25 ** 7));
  const Sl = 1 + (0.015 * (Lpm - 50) ** 2) / Math.sqrt(20 + (Lpm - 50) ** 2);
  const Sc = 1 + 0.045 * Cpm;
  const Sh = 1 + 0.015 * Cpm * T;
  const Rt = -Math.sin(2 * dTheta * deg) * Rc;
  return Math.sqrt((dLp / Sl) ** 2 + (dCp / Sc) ** 2 + (dHp / Sh) ** 2 + Rt * (dCp / Sc) * (dHp / Sh));
}

/**
 * Representative colour of a region (grey mask ≥ 128): the per-channel median of its pixels in Lab.
 * Medians ignore small prints, seams and specular highlights that would drag a mean. Returns null for
 * an empty region.
 */
export function medianLab(rgb: Uint8Array, region: Uint8Array): Lab | null {
  let n = 0;
  for (let i = 0; i < region.length; i++) if (region[i] >= 128) n++;
  if (n === 0) return null;
  // A regular subsample of at most 65 536 pixels: the median of a garment-sized region does not move
  // measurably, and a 768×1024 region costs milliseconds instead of a second of sorting.
  const stride = Math.max(1, Math.ceil(n / 65536));
  const m = Math.ceil(n / stride);
  const L = new Float64Array(m);
  const A = new Float64Array(m);
  const B = new Float64Array(m);
  let k = 0;
  let seen = 0;
  for (let i = 0; i < region.length && k < m; i++) {
    if (region[i] < 128) continue;
    if (seen++ % stride !== 0) continue;
    const lab = srgbToLab(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
    L[k] = lab[0];
    A[k] = lab[1];
    B[k] = lab[2];
    k++;
  }
  const med = (v: Float64Array): number => {
    const s = v.subarray(0, k).sort(); // typed-array sort is numeric
    const h = k >> 1;
    return k % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
  };
  return [med(L), med(A), med(B)];
}
