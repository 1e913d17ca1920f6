// Conv2DBackpropInput for wasm as a forward convolution (XNNPACK), replacing the stock kernel.
//
// Why: the stock wasm kernel exists but is several times slower than the forward convolution of the same
// size (measured in scripts/bench-train-step.ts' kernel profile and below), and it runs once per conv per
// training step. The input gradient of a convolution is itself a convolution:
//
//   y[oy] = Σ_i xpad[oy·s + i]·W[i]   ⇒   dx[r] = Σ_i' dyz[r + i']·W[k−1−i']ᵀ
//
// where dyz is dy with s−1 zeros inserted between neighbours (stride s) and padded by k−1−pad_before on
// top/left and by whatever completes the input size at the bottom/right, and the filter is rotated 180°
// with its in/out channels swapped: dx = conv2d(dyz, rot180(W)ᵀ, stride 1, 'valid'). For stride 1 (almost
// every conv of the UNets) this is the forward kernel at the forward's cost; for stride 2 (the three
// downsamplers) it multiplies by zeros 3/4 of the time and is still faster than the stock kernel.
// Cases it does not cover (padding before > k−1) go to the stock kernel.
import * as tf from '../../tf.ts';
import { convGeometry, spreadAxis, toNHWC, type PadAttr } from './geometry.ts';

interface Attrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/**
 * rot180(W) with in/out swapped: [kh, kw, Cin, Cout] → [kh, kw, Cout, Cin], tap (i, j) ← (kh−1−i, kw−1−j).
 * The tap order is reversed by a product with the anti-diagonal permutation matrix (exact: each output is
 * 1·w plus zeros), because wasm's Reverse, Gather and Slice kernels move one element at a time: ~15 ms per
 * 3×3×256×256 filter against ~1.5 ms for the product (a third of the gradient's time before). Then each
 * tap's [Cin, Cout] slice is transposed.
 */
function rotatedTransposed(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, cin, cout] = filter.shape;
  const taps = kh * kw;
  const flip = new Float32Array(taps * taps);
  for (let t = 0; t < taps; t++) flip[t * taps + (taps - 1 - t)] = 1;
  const reversed = tf.matMul(tf.tensor2d(flip, [taps, taps]), tf.reshape(filter, [taps, cin * cout])); // [kh·kw, Cin·Cout]
  return tf.reshape(tf.transpose(tf.reshape(reversed, [taps, cin, cout]), [0, 2, 1]), [kh, kw, cout, cin]) as tf.Tensor4D;
}

/** Padding of the spread dy for the forward-convolution formulation, or null where it does not apply. */
function plan(inputShape: [number, number, number, number], filterShape: number[], a: Omit<Attrs, 'inputShape' | 'dataFormat'>) {
  const g = convGeometry(inputShape, filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false);
  const [kh, kw] = filterShape as [number, number];
  const top = kh - 1 - g.pad.top;
  const left = kw - 1 - g.pad.left;
  const bottom = g.inHeight + kh - 1 - top - ((g.outHeight - 1) * g.strideHeight + 1);
  const right = g.inWidth + kw - 1 - left - ((g.outWidth - 1) * g.strideWidth + 1);
  return top < 0 || left < 0 || bottom < 0 || right < 0 ? null : { g, top, bottom, left, right };
}

/** Whether conv2dInputGradient covers a convolution (else use the stock kernel). */
export function coversInputGradient(inputShape: [number, number, number, number], filterShape: number[], a: Omit<Attrs, 'inputShape' | 'dataFormat'>): boolean {
  return plan(inputShape, filterShape, a) !== null;
}

/** dx [B, H, W, Cin] from dy [B, Ho, Wo, Cout] and filter [kh, kw, Cin, Cout] (NHWC). */
export function conv2dInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: [number, number, number, number], a: Omit<Attrs, 'inputShape' | 'dataFormat'>): tf.Tensor4D {
  const p = plan(inputShape, filter.shape, a);
  if (!p) throw new Error(`conv2dInputGradient: padding ${JSON.stringify(a.pad)} exceeds the filter size ${filter.shape[0]}x${filter.shape[1]} minus one`);
  return tf.tidy(() => {
    const dyz = spreadAxis(spreadAxis(dy, 1, p.g.strideHeight), 2, p.g.strideWidth); //  [B, spanH, spanW, Cout]
    const padded = tf.pad(dyz, [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]]); // [B, H + kh − 1, W + kw − 1, Cout]
    return tf.conv2d(padded, rotatedTransposed(filter), 1, 'valid'); //                   [B, H, W, Cin]
  });
}

/** Wraps the stock kernel: our formulation where it applies, the stock kernel otherwise. */
export function conv2dBackpropInputVia(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const a = args.attrs as unknown as Attrs;
    const inputs = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const nchw = a.dataFormat === 'NCHW';
    const inShape = (nchw ? [a.inputShape[0], a.inputShape[2], a.inputShape[3], a.inputShape[1]] : a.inputShape) as Attrs['inputShape'];
    if (!(inputs.dy instanceof tf.Tensor) || !(inputs.filter instanceof tf.Tensor) || !coversInputGradient(inShape, inputs.filter.shape, a)) {
      return stock(args);
    }
    return tf.tidy(() => {
      const dx = conv2dInputGradient(toNHWC(inputs.dy as tf.Tensor4D, a.dataFormat), inputs.filter as tf.Tensor4D, inShape, a);
      return nchw ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
    });
  };
}
