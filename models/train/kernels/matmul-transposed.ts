// BatchMatMul / _FusedMatMul for wasm with transposed operands made explicit.
//
// Why: tfjs-backend-wasm hands transposeA/transposeB to XNNPACK paths that run 4–15× slower than a plain
// product (docs/tfjs-notes.md; measured again here: [320×4096]ᵀ-style products 400 ms vs 85 ms). The
// engine's forward passes avoid the flags, but autodiff cannot: the gradient of every matMul is two
// matMuls with one operand transposed (dA = dY·Bᵀ, dB = Aᵀ·dY), so every linear layer and every attention
// product of a training step hit the slow path. These wrappers transpose the flagged operand with the
// Transpose kernel (a memory-bound copy) and call the stock kernel with both flags off: the same product,
// each output element summed in the same order as the plain product of the transposed operands.
// Untransposed calls go straight to the stock kernel.
import * as tf from '../../tf.ts';

/** Swaps the last two axes (the operand layout the stock kernel would otherwise read strided). */
function transposeLast2(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  return tf.transpose(x, [...Array(r - 2).keys(), r - 1, r - 2]);
}

/** Wraps a stock matMul kernel (inputs a, b; attrs transposeA, transposeB) as described above. */
export function withExplicitTransposes(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!attrs?.transposeA && !attrs?.transposeB) return stock(args);
    const inputs = args.inputs as Record<string, tf.TensorInfo>;
    // Operands reach a registered kernel as Tensors; a bare TensorInfo (a kernel calling this one
    // directly) is left to the stock kernel rather than wrapped without a reference of its own.
    if (!(inputs.a instanceof tf.Tensor) || !(inputs.b instanceof tf.Tensor)) return stock(args);
    const temps: tf.Tensor[] = [];
    const a = attrs.transposeA ? (temps[temps.push(transposeLast2(inputs.a)) - 1] as tf.Tensor) : inputs.a;
    const b = attrs.transposeB ? (temps[temps.push(transposeLast2(inputs.b)) - 1] as tf.Tensor) : inputs.b;
    try {
      return stock({ ...args, inputs: { ...inputs, a, b }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    } finally {
      tf.dispose(temps);
    }
  };
}
