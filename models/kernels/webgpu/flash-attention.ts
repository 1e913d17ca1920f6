// Registers the fused attention program as a tfjs kernel on the 'webgpu' backend, so engine code runs
// it with tf.engine().runKernel(FLASH_ATTENTION_KERNEL, { q, k, v }, { heads }) like any built-in op
// (tensor bookkeeping, tidy and disposal all work as usual). It has no gradient: models/nn/
// attention-webgpu.ts uses it only when no gradient tape is recording.
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { FlashAttentionProgram } from './flash-attention-program.ts';
import { FLASH_ATTENTION_KERNEL } from './names.ts';

export interface FlashAttentionAttrs {
  heads: number;
}

function flashAttention({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { q, k, v } = inputs as { q: tf.TensorInfo; k: tf.TensorInfo; v: tf.TensorInfo };
  const { heads } = attrs as unknown as FlashAttentionAttrs;
  const [batch, nq, channels] = q.shape as [number, number, number];
  const nk = k.shape[1]!;
  const headDim = channels / heads;
  const gpu = backend as WebGPUBackend;
  const program = new FlashAttentionProgram({ batch, nq, nk, heads, headDim }, gpu.device.limits.maxComputeWorkgroupStorageSize);
  // The scale goes through f32 exactly as the plain path's q.mul(1 / sqrt(d)) does.
  const scale = Math.fround(1 / Math.sqrt(headDim));
  return gpu.runWebGPUProgram(program, [q, k, v], 'float32', [
    { type: 'int32', data: [nq] },
    { type: 'int32', data: [nk] },
    { type: 'float32', data: [scale] },
  ]);
}

/** Idempotent; call after tfjs-backend-webgpu is loaded. */
export function registerFlashAttentionKernel(): void {
  if (tf.getKernel(FLASH_ATTENTION_KERNEL, 'webgpu')) return;
  tf.registerKernel({ kernelName: FLASH_ATTENTION_KERNEL, backendName: 'webgpu', kernelFunc: flashAttention as tf.KernelFunc });
}
