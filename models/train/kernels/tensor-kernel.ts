// Builds a backend kernel out of ordinary TF.js ops.
//
// Why this works: the engine runs a kernel with its tape paused (kernelDepth > 0), so the ops called
// inside are neither recorded nor differentiated; they run on the active backend's own kernels. A kernel
// may return a Tensor instead of a bare TensorInfo (the engine passes Tensors through unchanged), so the
// result of a tf.tidy is the kernel's output and every intermediate is freed by that tidy.
// Inputs reach kernels as Tensors when they come from ops and gradients; a bare TensorInfo (a kernel
// calling another kernel directly) is wrapped into a Tensor for the duration of the call, holding a
// reference of its own on the buffer so that disposing the wrapper leaves the caller's buffer alive.
import * as tf from '../../tf.ts';

export type TensorKernelBody = (inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) => tf.Tensor;

export function tensorKernel(kernelName: string, body: TensorKernelBody): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const wrapped: tf.Tensor[] = [];
    const ins: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) {
      if (v == null) continue;
      if (v instanceof tf.Tensor) { ins[k] = v; continue; }
      (backend as unknown as { incRef(d: tf.DataId): void }).incRef(v.dataId);
      const t = tf.engine().makeTensorFromTensorInfo(v);
      wrapped.push(t);
      ins[k] = t;
    }
    try {
      return tf.tidy(kernelName, () => {
        const out = body(ins, (attrs ?? {}) as Record<string, unknown>);
        // The output must be a tensor of its own: returning an input object would alias it.
        return Object.values(ins).includes(out) ? tf.clone(out) : out;
      });
    } finally {
      tf.dispose(wrapped);
    }
  };
}
