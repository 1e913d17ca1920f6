// Identity (tf.clone) for wasm that shares the input's buffer instead of copying it.
//
// Why: every tensor the engine saves for a backward pass goes through clone() (engine
// saveTensorsForBackwardMode: keep(clone(t))), and tfjs-backend-wasm's Identity copies the data. So during
// a training step every saved activation and every weight read by an op is duplicated in the heap (a
// weight used by a matMul is copied once per use), which is a large part of why training needs several
// times the memory of the forward on wasm. The cpu backend's Identity shares the buffer with a reference
// count, and the wasm backend keeps the same reference counts (its Reshape shares buffers this way);
// TF.js tensors are immutable (a Variable's assign swaps buffers), so sharing is safe.
import type * as tf from '../../tf.ts';

interface RefCountingBackend { incRef(dataId: tf.DataId): void }

export function sharedIdentityVia(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    if (x.dtype === 'string') return stock(args);
    (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}
