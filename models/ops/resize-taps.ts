// Source positions of PyTorch's 1-D resize rules, computed in plain JS (no tensors).
// Both rules emulate PyTorch's float32 arithmetic with Math.fround so that the chosen source pixels
// are the ones PyTorch picks, including when dst·in/out lands exactly on an integer.
//
// PyTorch references (aten/src/ATen/native/UpSample.h):
//   area_pixel_compute_scale      scale = (float)in / out             (no scale_factor given)
//   area_pixel_compute_source_index  src = max(scale·(dst + 0.5) − 0.5, 0)   (align_corners=False, linear)
//   nearest_idx                   src = min(floor(dst·scale), in − 1)     ('nearest', not 'nearest-exact')

/** Two-tap linear interpolation along one axis: out[j] = w0[j]·in[i0[j]] + w1[j]·in[i1[j]]. */
export interface LinearTaps {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

function checkSizes(op: string, inSize: number, outSize: number): void {
  if (!Number.isInteger(inSize) || inSize < 1 || !Number.isInteger(outSize) || outSize < 1) {
    throw new Error(`${op}: sizes must be positive integers, got in=${inSize}, out=${outSize}`);
  }
}

/** F.interpolate(mode='bilinear', align_corners=False) taps along one axis (half-pixel centres). */
export function linearTaps(inSize: number, outSize: number): LinearTaps {
  checkSizes('linearTaps', inSize, outSize);
  const f = Math.fround;
  const scale = f(inSize / outSize);
  const taps: LinearTaps = {
    i0: new Int32Array(outSize),
    i1: new Int32Array(outSize),
    w0: new Float32Array(outSize),
    w1: new Float32Array(outSize),
  };
  for (let j = 0; j < outSize; j++) {
    const src = Math.max(f(f(scale * f(j + 0.5)) - 0.5), 0); // clamped at 0 like PyTorch
    const i0 = Math.floor(src);
    const lambda1 = f(src - i0);
    taps.i0[j] = i0;
    taps.i1[j] = i0 < inSize - 1 ? i0 + 1 : i0; // last row/column repeats itself
    taps.w1[j] = lambda1;
    taps.w0[j] = f(1 - lambda1);
  }
  return taps;
}

/** F.interpolate(mode='nearest') source index per output position: floor(dst·in/out), clamped. */
export function nearestIndices(inSize: number, outSize: number): Int32Array {
  checkSizes('nearestIndices', inSize, outSize);
  const f = Math.fround;
  const scale = f(inSize / outSize);
  const idx = new Int32Array(outSize);
  for (let j = 0; j < outSize; j++) idx[j] = Math.min(Math.floor(f(j * scale)), inSize - 1);
  return idx;
}

/**
 * Dense [rows, cols] matrix of a 1-D resampling, for the separable matmul formulation.
 * forward=true gives R [out, in] with out = R·in; forward=false gives Rᵀ [in, out] (the adjoint),
 * laid out so that both are used as the right-hand operand without transposeB.
 */
export function linearMatrix(taps: LinearTaps, inSize: number, transposed: boolean): Float32Array {
  const outSize = taps.i0.length;
  const m = new Float32Array(outSize * inSize);
  for (let j = 0; j < outSize; j++) {
    const a = transposed ? taps.i0[j]! * outSize + j : j * inSize + taps.i0[j]!;
    const b = transposed ? taps.i1[j]! * outSize + j : j * inSize + taps.i1[j]!;
    m[a] += taps.w0[j]!;
    m[b] += taps.w1[j]!;
  }
  return m;
}

/** Nearest selection as linear taps (weight 1 on the chosen source, 0 on a dummy second tap). */
export function nearestAsTaps(idx: Int32Array): LinearTaps {
  return { i0: idx, i1: idx, w0: new Float32Array(idx.length).fill(1), w1: new Float32Array(idx.length) };
}
