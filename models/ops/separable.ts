// Separable 2-D resampling of an NHWC tensor by two dense 1-D matrices, as two plain matMuls:
//   out[b, :, :, c] = My · x[b, :, :, c] · Mxᵀ
// Used for the adjoints (gradients) of the resize ops, where the operand matrices are the transposed
// interpolation matrices. Both matMuls are plain (no transposeA/B flags: transposeB runs ~10x slower
// on wasm, docs/tfjs-notes.md) and every kernel used here exists on wasm and cpu.
import * as tf from '../tf.ts';

/**
 * x: [B, H, W, C]; my: [Ho, H] (left operand, rows = output rows); mxT: [W, Wo] (right operand,
 * i.e. the column matrix already transposed). Returns [B, Ho, Wo, C].
 */
export function applySeparable(x: tf.Tensor4D, my: tf.Tensor2D, mxT: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, W, C] = x.shape;
    const [Ho, Hin] = my.shape;
    const [Win, Wo] = mxT.shape;
    if (Hin !== H || Win !== W) {
      throw new Error(`applySeparable: x ${JSON.stringify(x.shape)} needs my [Ho, ${H}] and mxT [${W}, Wo], got my ${JSON.stringify(my.shape)} and mxT ${JSON.stringify(mxT.shape)}`);
    }
    // Columns first: contract W.
    const xt = tf.transpose(x, [0, 1, 3, 2]); //                    [B, H, C, W]
    const cols = tf.matMul(tf.reshape(xt, [B * H * C, W]), mxT); // [B*H*C, Wo]
    // Rows next: bring H to the front so one matMul covers every batch row and channel.
    const byRow = tf.transpose(tf.reshape(cols, [B, H, C * Wo]), [1, 0, 2]); // [H, B, C*Wo]
    const rows = tf.matMul(my, tf.reshape(byRow, [H, B * C * Wo])); //          [Ho, B*C*Wo]
    return tf.transpose(tf.reshape(rows, [Ho, B, C, Wo]), [1, 0, 3, 2]) as tf.Tensor4D; // [B, Ho, Wo, C]
  });
}
