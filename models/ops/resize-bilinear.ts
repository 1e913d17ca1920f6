// Bilinear resize with PyTorch's F.interpolate(mode='bilinear', align_corners=False) semantics, NHWC,
// differentiable w.r.t. its input on every backend.
//
// Forward: tf.image.resizeBilinear(halfPixelCenters=true) is the same rule (src = (dst+0.5)·in/out − 0.5,
// clamped at 0, last index repeated) and matches the fixture to ~2e-7.
// Backward: the built-in gradient (kernel ResizeBilinearGrad) cannot be used in tfjs 4.22: on wasm it ignores
// halfPixelCenters and spreads the gradient by the legacy rule (error 14.4 against max |ref| 12.1 on the
// fixture's ops/bilinear/grad_input), and on cpu it fails for non-square inputs (its result has H and W
// swapped: "gradient of input 'images' has shape 2,3,4,2 ... 2,4,3,2"). So the gradient is written out as
// the adjoint of the interpolation, dx = Ryᵀ · dy · Rx, with the 2-tap matrices of resize-taps.ts as two
// plain matMuls (separable.ts).
import * as tf from '../tf.ts';
import { customOp } from './custom-op.ts';
import { linearMatrix, linearTaps } from './resize-taps.ts';
import { applySeparable } from './separable.ts';

function checkInput(op: string, x: tf.Tensor, size: [number, number]): void {
  if (x.rank !== 4) throw new Error(`${op}: x must be NHWC [B, H, W, C], got shape ${JSON.stringify(x.shape)}`);
  if (!size.every((s) => Number.isInteger(s) && s > 0)) {
    throw new Error(`${op}: size must be two positive integers [Ho, Wo], got ${JSON.stringify(size)}`);
  }
}

/**
 * Gradient of resizeBilinear w.r.t. its input: dy [B, Ho, Wo, C] → dx [B, H, W, C] for an input of
 * spatial size inSize = [H, W]. Exported so fused backward passes (the Leffa loss) can chain it.
 */
export function resizeBilinearBackward(dy: tf.Tensor4D, inSize: [number, number]): tf.Tensor4D {
  checkInput('resizeBilinearBackward', dy, inSize);
  const [, Ho, Wo] = dy.shape;
  const [H, W] = inSize;
  return tf.tidy(() => {
    // Adjoint of out = Ry · x · Rxᵀ: left operand Ryᵀ [H, Ho], right operand Rx [Wo, W].
    const ryT = tf.tensor2d(linearMatrix(linearTaps(H, Ho), H, true), [H, Ho]);
    const rx = tf.tensor2d(linearMatrix(linearTaps(W, Wo), W, false), [Wo, W]);
    return applySeparable(dy, ryT, rx); // [B, H, W, C]
  });
}

/**
 * x: [B, H, W, C] → [B, Ho, Wo, C], F.interpolate(size=(Ho, Wo), mode='bilinear', align_corners=False).
 * Differentiable w.r.t. x (custom gradient, works on wasm and cpu).
 */
export function resizeBilinear(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  checkInput('resizeBilinear', x, size);
  const [H, W] = [x.shape[1], x.shape[2]];
  const op = customOp<tf.Tensor4D>(([input]) => ({
    value: tf.image.resizeBilinear(input as tf.Tensor4D, size, false, true), // [B, Ho, Wo, C]
    gradFunc: (dy) => [resizeBilinearBackward(dy, [H, W])],
  }));
  return op(x);
}
