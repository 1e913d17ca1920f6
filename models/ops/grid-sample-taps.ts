// The bilinear taps of F.grid_sample(mode='bilinear', padding_mode='zeros', align_corners=False), shared by
// the forward and backward passes of grid-sample.ts.
//
// PyTorch (aten/src/ATen/native/GridSampler.h, grid_sampler_2d_cpu):
//   ix = ((x + 1)·W − 1) / 2,  iy = ((y + 1)·H − 1) / 2          (grid_sampler_unnormalize, align_corners=False)
//   x0 = floor(ix), x1 = x0 + 1 (same for y)
//   nw = (x1 − ix)(y1 − iy), ne = (ix − x0)(y1 − iy), sw = (x1 − ix)(iy − y0), se = (ix − x0)(iy − y0)
//   a tap outside [0, W−1]×[0, H−1] reads 0 (zeros padding).
//
// Layout, chosen from measurements on wasm (tfjs 4.22, M = B·Ho·Wo = 786,432 outputs, C = 3):
// * Neighbourhood table. The input is padded with two rings of zeros and every 2×2 neighbourhood is laid
//   out as one row of 4·C values [nw | ne | sw | se] (a 2×2 'valid' conv2d with a one-hot filter: exact, and
//   a few ms). One gatherND of M rows of 4·C floats then reads all four taps: gatherND's cost is per row
//   (four gathers of C-wide rows took ~3× longer than one of 4C-wide rows). Clamping x0 to [−2, W] and y0 to
//   [−2, H] lands every out-of-range tap on the zero rings, so no validity masks are needed.
// * Per-output scalars (coordinates, weights) are kept as planar rows [1, M]: slicing or concatenating
//   along a size-2 last axis, and broadcasting [M, C] × [M, 1], are 10–30× slower on wasm than plain
//   elementwise ops, so channel broadcasts are done by small one-hot matMuls instead.
import * as tf from '../tf.ts';

/** Zero rings around the input: taps as far as 2 pixels outside still read zeros. */
export const PAD = 2;

export interface GridTaps {
  /** [B, Ho, Wo] of the grid (and of the output). */
  outShape: [number, number, number];
  /** Row of each output's 2×2 neighbourhood in the neighbourhood table, int32 [M, 1]. */
  row: tf.Tensor2D;
  /** Bilinear weights [M, 4] of the taps nw, ne, sw, se. */
  weights: tf.Tensor2D;
  /** Per-axis interpolation factors as rows [1, M]: wx0 = x1 − ix, wx1 = ix − x0, same for y. */
  wx0: tf.Tensor2D;
  wx1: tf.Tensor2D;
  wy0: tf.Tensor2D;
  wy1: tf.Tensor2D;
}

/** Rows of the grid's x and y coordinates, [1, M] each (M = B·Ho·Wo). */
export function gridRows(grid: tf.Tensor4D): [tf.Tensor2D, tf.Tensor2D] {
  const M = grid.size / 2;
  return tf.tidy(() => {
    const rows = tf.transpose(tf.reshape(grid, [M, 2])); // [2, M]
    return [tf.slice(rows, [0, 0], [1, M]), tf.slice(rows, [1, 0], [1, M])] as [tf.Tensor2D, tf.Tensor2D];
  });
}

/** The inverse of gridRows: x and y rows [1, M] → [B, Ho, Wo, 2]. */
export function gridFromRows(x: tf.Tensor2D, y: tf.Tensor2D, outShape: [number, number, number]): tf.Tensor4D {
  return tf.tidy(() => tf.reshape(tf.transpose(tf.concat([x, y], 0)), [...outShape, 2]) as tf.Tensor4D); // [2, M] → [M, 2] → [B, Ho, Wo, 2]
}

/** Shape [B, H + 2·PAD − 1, W + 2·PAD − 1] of the neighbourhood table of an input [B, H, W, C]. */
export function tableShape(B: number, H: number, W: number): [number, number, number] {
  return [B, H + 2 * PAD - 1, W + 2 * PAD - 1];
}

/**
 * Table row of the neighbourhood whose top-left tap is (x0, y0), for rows xs, ys [1, M] of already clamped
 * coordinates: (b·Ht + y0 + PAD)·Wt + x0 + PAD, as int32 [M, 1]. Integer maths throughout (float32 holds
 * integers exactly only below 2^24 = 16.7 M rows); scalars are int32 tensors, as a bare number would
 * promote the result to float32.
 */
function tableRows(ys: tf.Tensor2D, xs: tf.Tensor2D, B: number, H: number, W: number, perBatch: number): tf.Tensor2D {
  const [, Ht, Wt] = tableShape(B, H, W);
  const int = (t: tf.Tensor) => tf.cast(t, 'int32');
  let y = int(tf.add(ys, PAD)); // [1, M]
  if (B > 1) {
    // The batch offset b·Ht, block-constant per batch (fill + concat: tile is slow on wasm).
    y = tf.add(y, tf.concat(Array.from({ length: B }, (_, b) => tf.fill([1, perBatch], b * Ht, 'int32')), 1));
  }
  const rows = tf.add(tf.mul(y, tf.scalar(Wt, 'int32')), int(tf.add(xs, PAD))); // [1, M]
  return tf.reshape(rows, [B * perBatch, 1]) as tf.Tensor2D; //                     [M, 1]
}

/** inputShape = [B, H, W, C]; grid: [B, Ho, Wo, 2] with (x, y) in [−1, 1] (values outside allowed). */
export function gridTaps(inputShape: number[], grid: tf.Tensor4D): GridTaps {
  const [B, H, W] = inputShape as [number, number, number, number];
  const [, Ho, Wo] = grid.shape;
  return tf.tidy(() => {
    const [gx, gy] = gridRows(grid); //                           [1, M] each
    const ix = tf.div(tf.sub(tf.mul(tf.add(gx, 1), W), 1), 2); // [1, M], pixel units
    const iy = tf.div(tf.sub(tf.mul(tf.add(gy, 1), H), 1), 2);
    const x0 = tf.floor(ix);
    const y0 = tf.floor(iy);
    const wx0 = tf.sub(tf.add(x0, 1), ix), wx1 = tf.sub(ix, x0); // [1, M]
    const wy0 = tf.sub(tf.add(y0, 1), iy), wy1 = tf.sub(iy, y0);
    const corners = [tf.mul(wx0, wy0), tf.mul(wx1, wy0), tf.mul(wx0, wy1), tf.mul(wx1, wy1)]; // nw, ne, sw, se
    const weights = tf.transpose(tf.concat(corners, 0)) as tf.Tensor2D; // [4, M] → [M, 4]
    // Taps left of −1 / right of W (etc.) read the zero rings: their neighbourhood is all zeros once x0 is
    // clamped to [−PAD, W] and y0 to [−PAD, H], and the weights stay those of the true position.
    const xs = tf.clipByValue(x0, -PAD, W) as tf.Tensor2D;
    const ys = tf.clipByValue(y0, -PAD, H) as tf.Tensor2D;
    return {
      outShape: [B, Ho, Wo] as [number, number, number],
      row: tableRows(ys, xs, B, H, W, Ho * Wo),
      weights,
      wx0: wx0 as tf.Tensor2D, wx1: wx1 as tf.Tensor2D, wy0: wy0 as tf.Tensor2D, wy1: wy1 as tf.Tensor2D,
    } as unknown as tf.TensorContainerObject;
  }) as unknown as GridTaps;
}

export function disposeTaps(t: GridTaps): void {
  tf.dispose([t.row, t.weights, t.wx0, t.wx1, t.wy0, t.wy1]);
}

/**
 * One-hot filter [2, 2, C, 4C] copying tap (dy, dx) of channel c to table channel (2·dy + dx)·C + c, or with
 * adjoint=true the [2, 2, 4C, C] filter of the reverse direction (tap (dy, dx) read at (1 − dy, 1 − dx)).
 */
function neighbourhoodFilter(C: number, adjoint = false): tf.Tensor4D {
  const f = new Float32Array(4 * C * 4 * C);
  for (let dy = 0; dy < 2; dy++) {
    for (let dx = 0; dx < 2; dx++) {
      const k = dy * 2 + dx;
      for (let c = 0; c < C; c++) {
        if (!adjoint) f[(k * C + c) * 4 * C + k * C + c] = 1; //          [dy, dx, c, k·C + c]
        else f[(((1 - dy) * 2 + (1 - dx)) * 4 * C + k * C + c) * C + c] = 1; // [1 − dy, 1 − dx, k·C + c, c]
      }
    }
  }
  return tf.tensor4d(f, adjoint ? [2, 2, 4 * C, C] : [2, 2, C, 4 * C]);
}

/** The neighbourhood table of input [B, H, W, C]: [B·Ht·Wt, 4C], row = [nw | ne | sw | se] values. */
export function neighbourhoods(input: tf.Tensor4D): tf.Tensor2D {
  const [B, H, W, C] = input.shape;
  const [, Ht, Wt] = tableShape(B, H, W);
  return tf.tidy(() => {
    const padded = tf.pad(input, [[0, 0], [PAD, PAD], [PAD, PAD], [0, 0]]); // [B, H+4, W+4, C]
    const table = tf.conv2d(padded, neighbourhoodFilter(C), 1, 'valid'); //   [B, H+3, W+3, 4C]
    return tf.reshape(table, [B * Ht * Wt, 4 * C]) as tf.Tensor2D;
  });
}

/**
 * Adjoint of neighbourhoods: gradient rows [B·Ht·Wt, 4C] → gradient of the input [B, H, W, C].
 * Pixel (y, x) was copied to table cell (y + PAD − dy, x + PAD − dx) under tap (dy, dx); the sum of those
 * four cells is a 'valid' 2×2 conv2d with the adjoint filter (6× faster on wasm than conv2dTranspose),
 * whose output starts at cell (1, 1), so one ring is cropped (as a 3-D slice: 4-D slices are slow on wasm).
 */
export function neighbourhoodsBackward(dTable: tf.Tensor2D, inputShape: [number, number, number, number]): tf.Tensor4D {
  const [B, H, W, C] = inputShape;
  const [, Ht, Wt] = tableShape(B, H, W);
  return tf.tidy(() => {
    const d = tf.reshape(dTable, [B, Ht, Wt, 4 * C]) as tf.Tensor4D; //               [B, H+3, W+3, 4C]
    const sums = tf.conv2d(d, neighbourhoodFilter(C, true), 1, 'valid'); //           [B, H+2, W+2, C]
    const rows = tf.reshape(sums, [B, H + 2, (W + 2) * C]); //                           [B, H+2, (W+2)·C]
    return tf.reshape(tf.slice(rows, [0, 1, C], [B, H, W * C]), [B, H, W, C]) as tf.Tensor4D; // [B, H, W, C]
  });
}

/** One-hot [rows, cols] matrix with a 1 at (r, c) for every pair [r, c] given. */
function oneHot(rows: number, cols: number, ones: Array<[number, number]>): tf.Tensor2D {
  const m = new Float32Array(rows * cols);
  for (const [r, c] of ones) m[r * cols + c] = 1;
  return tf.tensor2d(m, [rows, cols]);
}

/** Channel bookkeeping between per-tap scalars [M, 4], channels [M, C] and table rows [M, 4C]. */
export const tapMatrices = {
  /** [4, 4C]: weights [M, 4] → per-channel weights [M, 4C]. */
  expandTaps: (C: number) => oneHot(4, 4 * C, Array.from({ length: 4 * C }, (_, j) => [Math.floor(j / C), j])),
  /** [C, 4C]: channels [M, C] → the same values under every tap [M, 4C]. */
  repeatChannels: (C: number) => oneHot(C, 4 * C, Array.from({ length: 4 * C }, (_, j) => [j % C, j])),
  /** [4C, C]: sum of the four taps per channel. */
  sumTaps: (C: number) => oneHot(4 * C, C, Array.from({ length: 4 * C }, (_, j) => [j, j % C])),
  /** [4C, 4]: sum over channels per tap. */
  sumChannels: (C: number) => oneHot(4 * C, 4, Array.from({ length: 4 * C }, (_, j) => [j, Math.floor(j / C)])),
};
