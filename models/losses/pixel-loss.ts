// Masked per-sample pixel loss of the Leffa loss (docs/leffa-spec.md §5.3 step 7):
//   loss[b] = mean over (H, W, C) of ρ(pred·M − target·M)
// with ρ = Smooth-L1, β = 1 (F.smooth_l1_loss, the code default) or the square (F.mse_loss, 'l2').
// The mean is over all pixels, not over the mask area, exactly as the reference.
// Forward and backward are separate plain functions so the fused Leffa backward can chain them.
import * as tf from '../tf.ts';
import type { LeffaLossType } from './leffa-options.ts';

function checkShapes(pred: tf.Tensor4D, target: tf.Tensor4D, mask: tf.Tensor4D): void {
  const [B, H, W] = pred.shape;
  if (target.shape.some((s, i) => s !== pred.shape[i]) || mask.shape[0] !== B || mask.shape[1] !== H || mask.shape[2] !== W || mask.shape[3] !== 1) {
    throw new Error(`maskedPixelLoss: pred ${JSON.stringify(pred.shape)} needs target of the same shape and mask [${B}, ${H}, ${W}, 1], got ${JSON.stringify(target.shape)} and ${JSON.stringify(mask.shape)}`);
  }
}

/** The masked difference d = pred·M − target·M (two products, as the reference computes it). */
function maskedDiff(pred: tf.Tensor4D, target: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  return tf.sub(tf.mul(pred, mask), tf.mul(target, mask)) as tf.Tensor4D; // [B, H, W, C]
}

/** pred, target: [B, H, W, C]; mask: [B, H, W, 1]. Returns [B]. No tape entry. */
export function maskedPixelLoss(pred: tf.Tensor4D, target: tf.Tensor4D, mask: tf.Tensor4D, type: LeffaLossType): tf.Tensor1D {
  checkShapes(pred, target, mask);
  return tf.tidy(() => {
    const d = maskedDiff(pred, target, mask);
    let rho: tf.Tensor;
    if (type === 'l2') {
      rho = tf.square(d);
    } else {
      const a = tf.abs(d); // Smooth-L1, β = 1: 0.5·d² where |d| < 1, else |d| − 0.5
      rho = tf.where(tf.less(a, 1), tf.mul(tf.square(d), 0.5), tf.sub(a, 0.5));
    }
    return tf.mean(rho, [1, 2, 3]) as tf.Tensor1D; // [B]
  });
}

/** Gradient of Σ_b dLoss[b]·loss[b] w.r.t. pred: [B, H, W, C]. dLoss: [B]. */
export function maskedPixelLossBackward(
  pred: tf.Tensor4D, target: tf.Tensor4D, mask: tf.Tensor4D, dLoss: tf.Tensor1D, type: LeffaLossType,
): tf.Tensor4D {
  checkShapes(pred, target, mask);
  const [B, H, W, C] = pred.shape;
  return tf.tidy(() => {
    const d = maskedDiff(pred, target, mask);
    // ρ'(d): Smooth-L1 → clamp(d/β, −1, 1) (= d inside, sign(d) outside, as PyTorch); L2 → 2d.
    const drho = type === 'l2' ? tf.mul(d, 2) : tf.clipByValue(d, -1, 1);
    const perSample = tf.reshape(tf.div(dLoss, H * W * C), [B, 1, 1, 1]); // the mean's 1/(H·W·C)
    return tf.mul(tf.mul(drho, mask), perSample) as tf.Tensor4D; // [B, H, W, C] (d d / d pred = M)
  });
}
