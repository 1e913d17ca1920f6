// Conv2DBackpropFilter for the wasm backend (missing in tfjs-backend-wasm 4.22, so every conv2d gradient
// fails there). Built from kernels wasm has: one plain 2-D matMul per filter tap.
//
//   dW[i, j, c, o] = Σ_{b, oy, ox} xpad[b, oy·sh + i, ox·sw + j, c] · dy[b, oy, ox, o]
//
// For tap (i, j) that is (window of xpad)ᵀ · dy over M = B·Ho·Wo rows. It is computed transposed,
// dWᵀ[i, j] = dyᵀ [Cout, M] · window [M, Cin], so the per-tap window keeps its natural NHWC layout (a
// slice, no transpose) and only dy is transposed, once; matMul's transposeA/transposeB are avoided
// (~5–10× slower on wasm, docs/tfjs-notes.md). Each tap's window is freed before the next is cut, so the
// extra memory is one window plus the transposed dy. The [kh, kw, Cout, Cin] result is transposed to HWIO
// at the end (filter-sized, negligible).
import * as tf from '../../tf.ts';
import { convGeometry, TapWindows, toNHWC, type PadAttr } from './geometry.ts';
import { tensorKernel } from './tensor-kernel.ts';

/** dW for x [B, H, W, Cin] (NHWC), dy [B, Ho, Wo, Cout], filter shape [kh, kw, Cin, Cout]. */
export function conv2dFilterGradient(
  x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number],
  strides: number | [number, number], pad: PadAttr, roundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  const g = convGeometry(x.shape, filterShape, strides, 1, pad, roundingMode, false);
  const [kh, kw, cin, cout] = filterShape;
  if (dy.shape[1] !== g.outHeight || dy.shape[2] !== g.outWidth || dy.shape[3] !== cout || dy.shape[0] !== g.batch) {
    throw new Error(`Conv2DBackpropFilter: dy ${JSON.stringify(dy.shape)} does not match the convolution of x ${JSON.stringify(x.shape)} with filter [${filterShape}] (expected [${g.batch}, ${g.outHeight}, ${g.outWidth}, ${cout}])`);
  }
  return tf.tidy(() => {
    const m = g.batch * g.outHeight * g.outWidth;
    const windows = new TapWindows(x, g); //                           padded input, by tap
    const dyT = tf.transpose(tf.reshape(dy, [m, cout])); //             [Cout, M]
    const taps: tf.Tensor2D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        taps.push(tf.tidy(() => tf.matMul(dyT, tf.reshape(windows.window(i, j), [m, cin])))); // [Cout, Cin]
      }
    }
    const stacked = taps.length === 1 ? taps[0]! : tf.stack(taps); //   [kh·kw, Cout, Cin]
    return tf.transpose(tf.reshape(stacked, [kh, kw, cout, cin]), [0, 1, 3, 2]) as tf.Tensor4D; // HWIO
  });
}

export const conv2dBackpropFilterKernel = tensorKernel('Conv2DBackpropFilter', (inputs, attrs) => {
  const a = attrs as { strides: number | [number, number]; pad: PadAttr; dataFormat?: string; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
  const x = toNHWC(inputs.x as tf.Tensor4D, a.dataFormat);
  const dy = toNHWC(inputs.dy as tf.Tensor4D, a.dataFormat);
  return conv2dFilterGradient(x, dy, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
});
