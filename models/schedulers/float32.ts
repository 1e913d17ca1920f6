// Float32 arithmetic on JS numbers, for reproducing PyTorch's float32 scheduler tables bit for bit.
//
// A JS number is a float64. For +, −, ×, ÷ and sqrt of float32 operands, computing in float64 and
// rounding once with Math.fround gives exactly the float32 IEEE result (float64 has more than
// 2·24 + 2 significand bits, so the double rounding is innocuous). A fused multiply-add is the one
// operation where that argument fails, hence fmaF32 below.

/** Rounds to the nearest float32 (ties to even). */
export const f32 = Math.fround;

/**
 * fma(a, b, c) = a·b + c rounded once to float32, for float32 a, b, c (what a C++ compiler emits for
 * `c + a*b` under -ffp-contract=fast on an FMA-capable CPU).
 *
 * a·b of two float32 values is exact in float64 (48 significand bits). The sum p + c is rounded to
 * float64 first; that intermediate rounding can only change the final float32 result when it lands
 * exactly on a float32 midpoint, so that case is resolved with the exact residual of the sum.
 */
export function fmaF32(a: number, b: number, c: number): number {
  const p = a * b; // exact
  const s = p + c;
  // Knuth's TwoSum: err is the exact rounding error of s = p + c.
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  const f = Math.fround(s);
  if (err === 0 || f === s) return f;
  // Is s exactly halfway between f and its other float32 neighbour g? (g = 2s − f is then exact.)
  const g = 2 * s - f;
  if (g === f || Math.fround(g) !== g) return f;
  // True value = s + err: round toward the neighbour on err's side of the midpoint.
  return err > 0 ? Math.max(f, g) : Math.min(f, g);
}

/** Rounds half to even, like NumPy's `np.round` (and Python's `round`) on float64 values. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // rounds halves up (toward +∞)
  if (Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}
