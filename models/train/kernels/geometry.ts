// Shared geometry of the gradient kernels: padding resolved exactly as the forward convolution resolved it
// (tfjs's computeConv2DInfo: 'same' pads more at the bottom/right, as TensorFlow does), and the strided
// window of input rows/columns that one filter tap sees.
//
// Every kernel here works per filter tap: output position (oy, ox) of tap (i, j) reads the zero-padded
// input at (oy·sh + i·dh, ox·sw + j·dw). So tap (i, j) sees the padded input from (i·dh, j·dw) with steps
// (sh, sw), Ho × Wo positions (TapWindows cuts these windows).
import * as tf from '../../tf.ts';

export type PadAttr = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  pad: { top: number; bottom: number; left: number; right: number };
}

/** The forward convolution's geometry for an NHWC input shape and an HWIO-like filter shape. */
export function convGeometry(
  xShape: number[], filterShape: number[], strides: number | [number, number], dilations: number | [number, number],
  pad: PadAttr, roundingMode: 'floor' | 'round' | 'ceil' | undefined, depthwise: boolean,
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    strides, dilations, pad, roundingMode, depthwise, 'channelsLast');
  const p = info.padInfo;
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    pad: { top: p.top, bottom: p.bottom, left: p.left, right: p.right },
  };
}

/** Zero-pads an NHWC tensor by the geometry's padding (returns x itself when there is none). */
export function padInput(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const { top, bottom, left, right } = g.pad;
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return x;
  return tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
}

/**
 * The [B, Ho, Wo, C] windows of the padded input, one per tap. For stride 1 a window is a plain slice.
 * For stride s > 1 the padded input is first split once into its s×s phases (rows ≡ p mod s, columns ≡ q
 * mod s) with one reshape and one transpose; each tap's strided window is then a plain slice of one phase.
 * (wasm's StridedSlice moves one element at a time, ~80 ns each: cutting the 9 windows of a stride-2
 * conv that way took 15× the time of the convolution itself.)
 */
export class TapWindows {
  private readonly src: tf.Tensor4D; // stride 1: xp [B, Hp, Wp, C]; else phases [sh·sw·B, Hp/sh, Wp/sw, C]

  constructor(x: tf.Tensor4D, private readonly g: ConvGeometry) {
    const xp = padInput(x, g);
    const { strideHeight: sh, strideWidth: sw } = g;
    if (sh === 1 && sw === 1) {
      this.src = xp;
      return;
    }
    const [B, Hp, Wp, C] = xp.shape;
    // Round the padded size up to whole phases; the extra zero rows/columns are never inside a window.
    const hq = Math.ceil(Hp / sh), wq = Math.ceil(Wp / sw);
    const xr = hq * sh === Hp && wq * sw === Wp ? xp : tf.pad(xp, [[0, 0], [0, hq * sh - Hp], [0, wq * sw - Wp], [0, 0]]);
    const phases = tf.transpose(tf.reshape(xr, [B, hq, sh, wq, sw, C]), [2, 4, 0, 1, 3, 5]); // [sh, sw, B, hq, wq, C]
    this.src = tf.reshape(phases, [sh * sw * B, hq, wq, C]) as tf.Tensor4D;
  }

  /** The window tap (i, j) reads: padded input at (oy·sh + i·dh, ox·sw + j·dw), [B, Ho, Wo, C]. */
  window(i: number, j: number): tf.Tensor4D {
    const { batch: B, outHeight: Ho, outWidth: Wo, strideHeight: sh, strideWidth: sw } = this.g;
    const C = this.src.shape[3];
    const y0 = i * this.g.dilationHeight;
    const x0 = j * this.g.dilationWidth;
    const phase = (y0 % sh) * sw + (x0 % sw);
    const [py, px] = [Math.floor(y0 / sh), Math.floor(x0 / sw)];
    if (phase === 0 && py === 0 && px === 0 && this.src.shape[0] === B && Ho === this.src.shape[1] && Wo === this.src.shape[2]) return this.src;
    return tf.slice(this.src, [phase * B, py, px, 0], [B, Ho, Wo, C]);
  }
}

/** NCHW → NHWC (the kernels compute in NHWC; tfjs's gradients pass NHWC in practice). */
export function toNHWC(x: tf.Tensor4D, dataFormat: string | undefined): tf.Tensor4D {
  return dataFormat === 'NCHW' ? tf.transpose(x, [0, 2, 3, 1]) : x;
}

/**
 * Inserts s−1 zeros between neighbouring rows (axis 1) or columns (axis 2) of [B, R, W, C]: the
 * "dilated" layout a strided convolution's gradient is spread over. Rank-4 pads and reshapes only.
 */
export function spreadAxis(t: tf.Tensor4D, axis: 1 | 2, s: number): tf.Tensor4D {
  if (s === 1) return t;
  const [B, R, W, C] = t.shape;
  if (axis === 1) {
    const z = tf.pad(tf.reshape(t, [B, R, 1, W * C]), [[0, 0], [0, 0], [0, s - 1], [0, 0]]); // [B, R, s, W·C]
    return tf.slice(tf.reshape(z, [B, R * s, W, C]), [0, 0, 0, 0], [B, (R - 1) * s + 1, W, C]) as tf.Tensor4D;
  }
  const z = tf.pad(tf.reshape(t, [B * R, W, 1, C]), [[0, 0], [0, 0], [0, s - 1], [0, 0]]); //   [B·R, W, s, C]
  return tf.slice(tf.reshape(z, [B, R, W * s, C]), [0, 0, 0, 0], [B, R, (W - 1) * s + 1, C]) as tf.Tensor4D;
}
