// A typed wrapper around tf.customGrad. tf.customGrad passes the inputs and then a `save` function as
// one untyped rest argument; this hands them over separately so each op reads as f([x, y], save).
// Gradients defined this way do not depend on the registered op gradients (or on the gradient kernels a
// backend lacks, such as UnsortedSegmentSum on wasm), so they work on every backend.
import * as tf from '../tf.ts';

export interface CustomOpResult<T extends tf.Tensor> {
  value: T;
  /** Gradients w.r.t. each input, in input order. dy has the shape of value. */
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor[];
}

export function customOp<T extends tf.Tensor>(
  f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => CustomOpResult<T>,
): (...inputs: tf.Tensor[]) => T {
  const op = tf.customGrad<T>((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return f(args.slice(0, -1) as tf.Tensor[], save);
  });
  return (...inputs: tf.Tensor[]) => op(...inputs);
}
