// AddN on WebGPU with any number of inputs.
//
// tfjs-backend-webgpu runs AddN as one compute shader that binds every input as a storage buffer, plus
// one for the output. WebGPU caps storage buffers per shader stage (maxStorageBuffersPerShaderStage: 8
// by default, 16 on an NVIDIA H200 when requested), so the gradient of a tensor used by many ops (the
// tape sums its incoming gradients with one AddN) fails with a validation error on larger models
// ("The number of storage buffers (16) in the Compute stage exceeds the maximum per-stage limit (8)",
// measured on the mid-size training model). This wrapper sums groups of at most limit − 1 inputs with the
// stock kernel, then sums the partial sums the same way, so each program stays within the limit.
import type * as tf from '../../tf.ts';

interface WebGPUBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): void;
}

/** Inputs per AddN program on a device with `maxStorageBuffers` storage buffers per stage (one is the output). */
export function addNGroupSize(maxStorageBuffers: number): number {
  return Math.max(2, maxStorageBuffers - 1);
}

export function chunkedAddNVia(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const backend = args.backend as unknown as WebGPUBackendLike;
    const group = addNGroupSize(backend.device.limits.maxStorageBuffersPerShaderStage);
    if (inputs.length <= group) return stock(args);
    const partials: tf.TensorInfo[] = []; // made here, freed once the final sum exists
    let level = inputs;
    try {
      while (level.length > group) {
        const next: tf.TensorInfo[] = [];
        for (let i = 0; i < level.length; i += group) {
          const chunk = level.slice(i, i + group);
          if (chunk.length === 1) { next.push(chunk[0]!); continue; }
          const sum = stock({ ...args, inputs: chunk as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
          partials.push(sum);
          next.push(sum);
        }
        level = next;
      }
      return stock({ ...args, inputs: level as unknown as tf.NamedTensorInfoMap });
    } finally {
      for (const p of partials) backend.disposeData(p.dataId);
    }
  };
}
