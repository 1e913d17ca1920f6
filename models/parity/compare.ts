// Compares a produced tensor with the fixture's stored one.
import type { RawTensor } from '../io/types.ts';
import type { ProducedTensor } from './types.ts';

export interface Comparison {
  name: string;
  shape: number[];
  maxAbsErr: number;
  maxAbsRef: number;
  /** maxAbsErr / max|reference| (or maxAbsErr when the reference is all zeros). */
  relErr: number;
  /** For integer images: number of elements that differ at all. */
  mismatches?: number;
  /** float: relative bound; int: exact; uint8: level bound. */
  kind?: 'float' | 'int' | 'uint8';
  ok: boolean;
  note?: string;
}

export interface Tolerance {
  /** Relative bound on float tensors (max-abs error / max |reference|). */
  rel: number;
  /** Allowed level difference for uint8 images. */
  uint8Levels: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { rel: 1e-4, uint8Levels: 1 };

export function compareTensor(name: string, ref: RawTensor, got: ProducedTensor, tol: Tolerance = DEFAULT_TOLERANCE): Comparison {
  const shapeOk = got.shape.length === ref.shape.length && got.shape.every((d, i) => d === ref.shape[i]);
  if (!shapeOk) {
    return { name, shape: got.shape, maxAbsErr: Infinity, maxAbsRef: 0, relErr: Infinity, ok: false, note: `shape [${got.shape}] != expected [${ref.shape}]` };
  }
  const a = got.data as ArrayLike<number | bigint>;
  const b = ref.data as ArrayLike<number | bigint>;
  if (a.length !== b.length) {
    return { name, shape: got.shape, maxAbsErr: Infinity, maxAbsRef: 0, relErr: Infinity, ok: false, note: `${a.length} values, expected ${b.length}` };
  }
  let maxErr = 0;
  let maxRef = 0;
  let mismatches = 0;
  let nonFinite = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    if (!Number.isFinite(x)) nonFinite++;
    const e = Math.abs(x - y);
    if (e > maxErr || Number.isNaN(e)) maxErr = Number.isNaN(e) ? Infinity : e;
    if (Math.abs(y) > maxRef) maxRef = Math.abs(y);
    if (e !== 0) mismatches++;
  }
  const rel = maxRef > 0 ? maxErr / maxRef : maxErr;
  const isInt = ref.dtype !== 'F32' && ref.dtype !== 'F64' && ref.dtype !== 'F16' && ref.dtype !== 'BF16';
  let ok: boolean;
  let note: string | undefined;
  if (nonFinite) { ok = false; note = `${nonFinite} non-finite values`; }
  else if (ref.dtype === 'U8') { ok = maxErr <= tol.uint8Levels; note = `${mismatches} of ${a.length} differ (max ${maxErr} levels)`; }
  else if (isInt) { ok = maxErr === 0; }
  else ok = rel <= tol.rel;
  const kind = ref.dtype === 'U8' ? 'uint8' : isInt ? 'int' : 'float';
  return { name, shape: got.shape, maxAbsErr: maxErr, maxAbsRef: maxRef, relErr: rel, mismatches, kind, ok, note };
}
