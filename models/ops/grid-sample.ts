// F.grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=False) in NHWC,
// differentiable w.r.t. both the input and the grid through a hand-written gradient (tf.customGrad).
//
// Why hand-written: tfjs has no grid sample; gather's gradient needs UnsortedSegmentSum, which wasm lacks
// ("Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'"); gatherND has no gradient anywhere.
// Memory/speed: every pass is O(B·(H·W + Ho·Wo)·C): one gatherND of 2×2-neighbourhood rows forward
// (grid-sample-taps.ts), one ScatterNd (which sums duplicate indices on wasm and cpu) plus a one-hot 2×2
// conv (the table's adjoint) for the input gradient, elementwise maths for the grid gradient. Nothing of size
// (H·W)×(Ho·Wo) is ever built, so a full-resolution 1024×768 flow warp stays cheap.
import * as tf from '../tf.ts';
import { customOp } from './custom-op.ts';
import {
  disposeTaps, gridFromRows, gridTaps, neighbourhoods, neighbourhoodsBackward, tableShape, tapMatrices,
} from './grid-sample-taps.ts';

function checkArgs(op: string, input: tf.Tensor, grid: tf.Tensor): void {
  if (input.rank !== 4) throw new Error(`${op}: input must be NHWC [B, H, W, C], got shape ${JSON.stringify(input.shape)}`);
  if (grid.rank !== 4 || grid.shape[3] !== 2 || grid.shape[0] !== input.shape[0]) {
    throw new Error(`${op}: grid must be [B=${input.shape[0]}, Ho, Wo, 2] (x, y), got shape ${JSON.stringify(grid.shape)}`);
  }
}

/** Forward only (no tape entry): input [B, H, W, C], grid [B, Ho, Wo, 2] → [B, Ho, Wo, C]. */
export function gridSampleForward(input: tf.Tensor4D, grid: tf.Tensor4D): tf.Tensor4D {
  checkArgs('gridSample', input, grid);
  const C = input.shape[3];
  return tf.tidy(() => {
    const taps = gridTaps(input.shape, grid);
    const values = tf.gatherND(neighbourhoods(input), taps.row); //              [M, 4C]: nw | ne | sw | se
    const weights = tf.matMul(taps.weights, tapMatrices.expandTaps(C)); //       [M, 4C]
    const out = tf.matMul(tf.mul(values, weights), tapMatrices.sumTaps(C)); //   [M, C] = Σ_taps weight·value
    return tf.reshape(out, [...taps.outShape, C]) as tf.Tensor4D; //            [B, Ho, Wo, C]
  });
}

export interface GridSampleGrads {
  input?: tf.Tensor4D; // [B, H, W, C]
  grid?: tf.Tensor4D; //  [B, Ho, Wo, 2]
}

/**
 * Gradients of sum(gridSample(input, grid) · dy) w.r.t. input and/or grid. dy: [B, Ho, Wo, C].
 * Exported so fused backward passes (the Leffa loss needs only the grid gradient) can skip the rest.
 */
export function gridSampleBackward(
  input: tf.Tensor4D, grid: tf.Tensor4D, dy: tf.Tensor4D,
  want: { input: boolean; grid: boolean } = { input: true, grid: true },
): GridSampleGrads {
  checkArgs('gridSampleBackward', input, grid);
  const [, H, W, C] = input.shape;
  const taps = gridTaps(input.shape, grid);
  try {
    const out: GridSampleGrads = {};
    const dyRows = tf.tidy(() => tf.matMul(tf.reshape(dy, [-1, C]), tapMatrices.repeatChannels(C))); // [M, 4C]: dy under every tap
    try {
      if (want.grid) {
        out.grid = tf.tidy(() => {
          const values = tf.gatherND(neighbourhoods(input), taps.row); //   [M, 4C]
          // s_k = Σ_c dy_c · value_k,c per tap (0 for taps outside the image: they read the zero rings).
          const s = tf.transpose(tf.matMul(tf.mul(values, dyRows), tapMatrices.sumChannels(C))) as tf.Tensor2D; // [M, 4] → [4, M]
          const [snw, sne, ssw, sse] = [0, 1, 2, 3].map((k) => tf.slice(s, [k, 0], [1, s.shape[1]])); // [1, M] each
          const { wx0, wx1, wy0, wy1 } = taps; // [1, M]
          // d out / d ix = (ne − nw)·wy0 + (se − sw)·wy1, d out / d iy = (sw − nw)·wx0 + (se − ne)·wx1;
          // d ix / d x = W/2 and d iy / d y = H/2 (align_corners=False).
          const gx = tf.mul(tf.add(tf.mul(tf.sub(sne!, snw!), wy0), tf.mul(tf.sub(sse!, ssw!), wy1)), W / 2) as tf.Tensor2D;
          const gy = tf.mul(tf.add(tf.mul(tf.sub(ssw!, snw!), wx0), tf.mul(tf.sub(sse!, sne!), wx1)), H / 2) as tf.Tensor2D;
          return gridFromRows(gx, gy, taps.outShape); // [B, Ho, Wo, 2]
        });
      }
      if (want.input) {
        out.input = tf.tidy(() => {
          // Each output sends weight_k·dy to tap k of its neighbourhood row; ScatterNd adds rows that several
          // outputs share, and the adjoint of the table construction adds the four tap copies of each pixel.
          const weights = tf.matMul(taps.weights, tapMatrices.expandTaps(C)); //     [M, 4C]
          const tableRows = tableShape(input.shape[0], H, W).reduce((a, b) => a * b, 1);
          const dTable = tf.scatterND(taps.row, tf.mul(weights, dyRows), [tableRows, 4 * C]) as tf.Tensor2D; // [B·Ht·Wt, 4C]
          return neighbourhoodsBackward(dTable, input.shape); //                       [B, H, W, C]
        });
      }
    } finally {
      dyRows.dispose();
    }
    return out;
  } finally {
    disposeTaps(taps);
  }
}

/**
 * Bilinear grid sample, zeros padding, align_corners=False (PyTorch semantics), NHWC.
 * input: [B, H, W, C]; grid: [B, Ho, Wo, 2], last axis (x, y) with −1/+1 = outer edges of the first/last
 * pixel. Returns [B, Ho, Wo, C]. Differentiable w.r.t. input and grid.
 */
export function gridSample(input: tf.Tensor4D, grid: tf.Tensor4D): tf.Tensor4D {
  checkArgs('gridSample', input, grid);
  const op = customOp<tf.Tensor4D>(([x, g], save) => {
    save([x!, g!]);
    return {
      value: gridSampleForward(x as tf.Tensor4D, g as tf.Tensor4D),
      gradFunc: (dy, saved) => {
        const grads = gridSampleBackward(saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, dy);
        return [grads.input!, grads.grid!];
      },
    };
  });
  return op(input, grid);
}
