// The two depthwise-convolution gradients for the wasm backend (both missing in tfjs-backend-wasm 4.22):
// DepthwiseConv2dNativeBackpropInput and DepthwiseConv2dNativeBackpropFilter. The engine has no depthwise
// convolution today; these exist so that any depthwise layer (and tf.separableConv2d) can be trained on
// wasm at all. Written for clarity, per filter tap, from elementwise ops, pads and slices.
//
// Filter [kh, kw, C, mult]; output channel c·mult + m reads input channel c. Tap (i, j) of output
// (oy, ox) reads padded input (oy·sh + i·dh, ox·sw + j·dw) (see geometry.ts).
//   dF[i, j, c, m]          = Σ_{b, oy, ox} window_ij[b, oy, ox, c] · dy[b, oy, ox, c, m]
//   dxpad[b, oy·sh + i·dh, ox·sw + j·dw, c] += Σ_m dy[b, oy, ox, c, m] · F[i, j, c, m]
import * as tf from '../../tf.ts';
import { convGeometry, spreadAxis, TapWindows, type ConvGeometry, type PadAttr } from './geometry.ts';
import { tensorKernel } from './tensor-kernel.ts';

interface DepthwiseAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Places a tap's [B, Ho, Wo, C] contribution at its strided positions of the padded input grid. */
function placeTap(t: tf.Tensor4D, g: ConvGeometry, i: number, j: number): tf.Tensor4D {
  const spreadT = spreadAxis(spreadAxis(t, 1, g.strideHeight), 2, g.strideWidth); // [B, spanH, spanW, C]
  const hp = g.inHeight + g.pad.top + g.pad.bottom;
  const wp = g.inWidth + g.pad.left + g.pad.right;
  const y0 = i * g.dilationHeight;
  const x0 = j * g.dilationWidth;
  return tf.pad(spreadT, [[0, 0], [y0, hp - y0 - spreadT.shape[1]], [x0, wp - x0 - spreadT.shape[2]], [0, 0]]);
}

/** dx [B, H, W, C] of a depthwise convolution, from dy [B, Ho, Wo, C·mult] and filter [kh, kw, C, mult]. */
export function depthwiseInputGradient(
  inputShape: [number, number, number, number], dy: tf.Tensor4D, filter: tf.Tensor4D, a: DepthwiseAttrs,
): tf.Tensor4D {
  const g = convGeometry(inputShape, filter.shape, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, true);
  const [kh, kw, C, mult] = filter.shape;
  const [B, H, W] = inputShape;
  return tf.tidy(() => {
    const dy5 = tf.reshape(dy, [B, g.outHeight, g.outWidth, C, mult]);
    let acc: tf.Tensor4D | null = null;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const prev: tf.Tensor4D | null = acc;
        acc = tf.tidy((): tf.Tensor4D => {
          const f = tf.reshape(tf.slice(filter, [i, j, 0, 0], [1, 1, C, mult]), [C, mult]);
          const t = tf.sum(tf.mul(dy5, f), 4) as tf.Tensor4D; // [B, Ho, Wo, C]
          const placed = placeTap(t, g, i, j); //                  [B, Hp, Wp, C]
          return prev ? (tf.add(prev, placed) as tf.Tensor4D) : placed;
        });
        prev?.dispose();
      }
    }
    return tf.slice(acc!, [0, g.pad.top, g.pad.left, 0], [B, H, W, C]) as tf.Tensor4D;
  });
}

/** dF [kh, kw, C, mult] of a depthwise convolution, from x [B, H, W, C] and dy [B, Ho, Wo, C·mult]. */
export function depthwiseFilterGradient(
  x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], a: DepthwiseAttrs,
): tf.Tensor4D {
  const g = convGeometry(x.shape, filterShape, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, true);
  const [kh, kw, C, mult] = filterShape;
  return tf.tidy(() => {
    const windows = new TapWindows(x, g);
    const dy5 = tf.reshape(dy, [g.batch, g.outHeight, g.outWidth, C, mult]);
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        taps.push(tf.tidy(() => {
          const win = tf.reshape(windows.window(i, j), [g.batch, g.outHeight, g.outWidth, C, 1]);
          return tf.sum(tf.mul(win, dy5), [0, 1, 2]); // [C, mult]
        }));
      }
    }
    return tf.reshape(tf.stack(taps), [kh, kw, C, mult]) as tf.Tensor4D;
  });
}

export const depthwiseBackpropInputKernel = tensorKernel('DepthwiseConv2dNativeBackpropInput', (inputs, attrs) => {
  const a = attrs as unknown as DepthwiseAttrs & { inputShape: [number, number, number, number] };
  return depthwiseInputGradient(a.inputShape, inputs.dy as tf.Tensor4D, inputs.filter as tf.Tensor4D, a);
});

export const depthwiseBackpropFilterKernel = tensorKernel('DepthwiseConv2dNativeBackpropFilter', (inputs, attrs) => {
  const a = attrs as unknown as DepthwiseAttrs & { filterShape: [number, number, number, number] };
  return depthwiseFilterGradient(inputs.x as tf.Tensor4D, inputs.dy as tf.Tensor4D, a.filterShape, a);
});
