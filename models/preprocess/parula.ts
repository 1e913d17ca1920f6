// OpenCV's COLORMAP_PARULA as a 256-entry RGB table, built the way OpenCV builds it (imgproc
// colormap.cpp): nine key colours at linspace(0, 1, 9), linearly interpolated in float32 at
// linspace(0, 1, 256) with OpenCV's interp1 (binary search for the bracketing keys), then converted to
// 8 bits with rounding (convertTo(CV_8U, 255) → cvRound). The VITON-HD checkpoint was trained on
// DensePose fine segmentations rendered through this table (spec §3.6), so the exact bytes matter: the
// model sees these colours, and importing a user's map means recognising them.
const f = Math.fround;

/** The key colours (R, G, B in 0…1), as numbers: the colormap's definition, not code. */
const KEYS_R = [0.2078, 0.0118, 0.0784, 0.0235, 0.2196, 0.5725, 0.851, 0.9882, 0.9765];
const KEYS_G = [0.1647, 0.3882, 0.5216, 0.6549, 0.7255, 0.749, 0.7294, 0.8078, 0.9843];
const KEYS_B = [0.5294, 0.8824, 0.8314, 0.7765, 0.6196, 0.451, 0.3373, 0.1804, 0.0549];

/** float32 linspace as OpenCV computes it: x0 + i·step with step = (x1 − x0)/(n − 1), all float32. */
function linspace(n: number): Float32Array {
  const out = new Float32Array(n);
  const step = f(1 / (n - 1));
  for (let i = 0; i < n; i++) out[i] = f(i * step);
  return out;
}

/** OpenCV interp1 for one value: bracket by binary search, then Y[lo] + (x − X[lo])·(Y[hi] − Y[lo])/(X[hi] − X[lo]). */
function interp(X: Float32Array, Y: Float32Array, x: number): number {
  let lo = 0;
  let hi = X.length - 1;
  if (x < X[lo]) hi = 1;
  if (x > X[hi]) lo = hi - 1;
  while (hi - lo > 1) {
    const c = lo + ((hi - lo) >> 1);
    if (x > X[c]) lo = c;
    else hi = c;
  }
  return f(Y[lo] + f(f(f(x - X[lo]) * f(Y[hi] - Y[lo])) / f(X[hi] - X[lo])));
}

/** cvRound: round half to even. */
function roundEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function buildLut(): Uint8Array {
  const X = linspace(9);
  const xi = linspace(256);
  const lut = new Uint8Array(256 * 3);
  const keys = [KEYS_R, KEYS_G, KEYS_B].map((k) => Float32Array.from(k));
  for (let i = 0; i < 256; i++) {
    for (let c = 0; c < 3; c++) {
      const v = f(interp(X, keys[c], xi[i]) * 255);
      lut[3 * i + c] = Math.max(0, Math.min(255, roundEven(v)));
    }
  }
  return lut;
}

/** PARULA_LUT[3·v + c]: RGB of grey level v (0…255). */
export const PARULA_LUT: Uint8Array = buildLut();

/**
 * The colour of DensePose part I (1…24) in the VITON-HD rendering: grey level floor(I·255/24) (detectron2's
 * MatrixVisualizer scales by 255/24 in float32 and truncates to uint8; 10.625·I is exact), through Parula.
 * Index 0 (background) is black: the visualiser leaves background pixels untouched on a black image.
 */
export function partColour(i: number): [number, number, number] {
  if (i === 0) return [0, 0, 0];
  const v = Math.floor(i * 10.625);
  return [PARULA_LUT[3 * v], PARULA_LUT[3 * v + 1], PARULA_LUT[3 * v + 2]];
}
