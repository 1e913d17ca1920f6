// torch.linspace(start, end, steps, dtype=torch.float32) on the CPU, reproduced bit for bit.
//
// Why not just start + i·step: PyTorch's CPU kernel (aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp,
// `linspace_kernel`) computes in float32 and its rounding depends on how it is evaluated:
//   - step = (end − start) / (steps − 1) in float32;
//   - element i is `start + step·i` for i < steps/2 and `end − step·(steps − 1 − i)` otherwise, and the
//     compiler contracts both into one fused multiply-add;
//   - the vectorised loop writes blocks of 8 floats (AVX2 build) as `base + k·step`, k = 0…7, where
//     `base` is the block's first element computed as above; it covers the largest multiple of
//     2 × 8 elements (two vectors per iteration), the rest goes through the scalar path.
// The Leffa fixtures (PyTorch 1.13, CPU) match this emulation exactly for the 1000-entry betas tables;
// the plain formula gives betas that differ from them by up to 3 float32 ulps in about a third of the entries.

import { f32, fmaF32 } from './float32.ts';

/** Float32 vector width of the PyTorch CPU kernel that produced the reference tables (AVX2: 8). */
const VEC = 8;

/** torch.linspace(start, end, steps) in float32, as computed by PyTorch's CPU kernel. */
export function linspaceF32(start: number, end: number, steps: number): Float32Array {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`linspaceF32: steps must be a positive integer, got ${steps}`);
  }
  const out = new Float32Array(steps);
  const s = f32(start);
  const e = f32(end);
  if (steps === 1) {
    out[0] = s;
    return out;
  }
  const step = f32(f32(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  // One element by the scalar formula: a fused multiply-add from whichever end is nearer.
  const scalar = (i: number): number => (i < halfway ? fmaF32(step, i, s) : fmaF32(-step, steps - 1 - i, e));

  const vectorised = Math.floor(steps / (2 * VEC)) * 2 * VEC;
  for (let i = 0; i < vectorised; i += VEC) {
    const base = scalar(i);
    for (let k = 0; k < VEC; k++) out[i + k] = f32(base + f32(k * step));
  }
  for (let i = vectorised; i < steps; i++) out[i] = scalar(i);
  return out;
}
