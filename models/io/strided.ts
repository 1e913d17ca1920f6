// Strided views of a storage, as PyTorch tensors are stored: element (i0, i1, ...) of a view lives at
// storage element offset + i0*stride0 + i1*stride1 + ... Checkpoint tensors are almost always contiguous
// (one positioned read); this file handles the rest (transposes, slices, shared storages, expand).

/** Row-major (C order) strides of `shape`, in elements. */
export function contiguousStride(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

/** True when the view's elements are consecutive in C order (size-1 dimensions may have any stride). */
export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 0) return true;
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

/** Largest element offset the view touches, relative to its first element (-1 for an empty view). */
export function maxElementOffset(shape: readonly number[], stride: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return -1;
    m += (shape[i]! - 1) * stride[i]!;
  }
  return m;
}

/** Drops size-1 dimensions and merges neighbours that are contiguous with each other. */
function collapse(shape: readonly number[], stride: readonly number[]): { sizes: number[]; strides: number[] } {
  const sizes: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const n = sizes.length;
    if (n > 0 && strides[n - 1] === shape[i]! * stride[i]!) {
      sizes[n - 1]! *= shape[i]!;
      strides[n - 1] = stride[i]!;
    } else {
      sizes.push(shape[i]!);
      strides.push(stride[i]!);
    }
  }
  return { sizes, strides };
}

/**
 * Calls `visit(elementOffset, runLength, outElementIndex)` for each maximal run of consecutive storage
 * elements of the view, in C order of the output.
 */
function forEachRun(shape: readonly number[], stride: readonly number[], visit: (off: number, len: number, outIndex: number) => void): void {
  const { sizes, strides } = collapse(shape, stride);
  if (sizes.length === 0) { visit(0, 1, 0); return; }
  const last = sizes.length - 1;
  const runLen = strides[last] === 1 ? sizes[last]! : 1;
  const outer = runLen === 1 ? sizes.length : last; // dimensions iterated by the odometer
  const idx = new Array<number>(outer).fill(0);
  let off = 0;
  let outIndex = 0;
  for (;;) {
    visit(off, runLen, outIndex);
    outIndex += runLen;
    let d = outer - 1;
    for (; d >= 0; d--) {
      if (++idx[d]! < sizes[d]!) { off += strides[d]!; break; }
      off -= (sizes[d]! - 1) * strides[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/**
 * Reads a strided view. `readAt(elementOffset, elementCount)` returns the storage's bytes from the view's
 * first element on. Memory stays near one tensor: when the touched span is much larger than the tensor
 * (a thin slice of a big shared storage), the span is visited through a sliding window of `windowBytes`.
 */
export function readStrided(
  readAt: (elementOffset: number, elementCount: number) => Uint8Array,
  shape: readonly number[],
  stride: readonly number[],
  elemSize: number,
  windowBytes = 16 * 1024 * 1024,
): Uint8Array {
  const numel = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(numel * elemSize);
  if (numel === 0) return out;
  const span = maxElementOffset(shape, stride) + 1;

  if (span * elemSize <= Math.max(2 * out.length, windowBytes)) {
    // Dense enough: one read of the whole span, gathered in memory.
    const buf = readAt(0, span);
    forEachRun(shape, stride, (off, len, o) => {
      if (len === 1) { for (let b = 0; b < elemSize; b++) out[o * elemSize + b] = buf[off * elemSize + b]!; }
      else out.set(buf.subarray(off * elemSize, (off + len) * elemSize), o * elemSize);
    });
    return out;
  }

  const windowElems = Math.max(1, Math.floor(windowBytes / elemSize));
  let winStart = -1;
  let win: Uint8Array = new Uint8Array(0);
  forEachRun(shape, stride, (off, len, o) => {
    if (len >= windowElems) { out.set(readAt(off, len), o * elemSize); return; }
    if (winStart < 0 || off < winStart || (off + len) * elemSize > winStart * elemSize + win.length) {
      winStart = off;
      win = readAt(off, Math.max(len, Math.min(windowElems, span - off)));
    }
    out.set(win.subarray((off - winStart) * elemSize, (off - winStart + len) * elemSize), o * elemSize);
  });
  return out;
}
