// Routes multiHeadAttention to the fused WGSL kernel (models/kernels/webgpu/flash-attention.ts) when
// it can run, and otherwise says "no" so the plain chunked path runs. The plain path stays the
// reference and the fallback: other backends, gradients (the fused kernel has none), head widths the
// kernel does not handle, and tensors too large to bind as one storage buffer.
//
// Loads nothing WebGPU-specific: off WebGPU this is two cheap checks.
import * as tf from '../tf.ts';
import { FLASH_ATTENTION_KERNEL } from '../kernels/webgpu/names.ts';
import { MAX_HEAD_DIM } from '../kernels/webgpu/flash-attention-program.ts';

/** Set false to force the plain path on WebGPU (benchmarks and tests compare the two). */
export const fusedAttentionSettings = { enabled: true };

function tapeRecording(): boolean {
  // tf.grad/variableGrads record a tape while gradientDepth > 0; the fused kernel has no gradient.
  return (tf.engine().state as { gradientDepth?: number }).gradientDepth! > 0;
}

interface Limits {
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

/** Each tensor is bound whole as one storage buffer; the grid is ceil(Nq / 64) x (B · heads) workgroups. */
function withinLimits(q: tf.Tensor3D, k: tf.Tensor3D, heads: number, backend: unknown): boolean {
  const limits = (backend as { device?: { limits?: Limits } }).device?.limits;
  if (!limits) return false;
  const fits = (t: tf.Tensor) => t.size * 4 <= limits.maxStorageBufferBindingSize;
  const grid = Math.max(Math.ceil(q.shape[1] / 32), q.shape[0] * heads);
  return fits(q) && fits(k) && grid <= limits.maxComputeWorkgroupsPerDimension;
}

/**
 * softmax(Q Kᵀ/√d)·V by the fused kernel, or null when it does not apply. Same contract as
 * multiHeadAttention (q [B, Nq, C], k/v [B, Nk, C], C = heads · d; shapes already checked there).
 */
export function fusedAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, heads: number): tf.Tensor3D | null {
  if (!fusedAttentionSettings.enabled) return null;
  const engine = tf.engine();
  if (engine.backendName !== 'webgpu' || !tf.getKernel(FLASH_ATTENTION_KERNEL, 'webgpu')) return null;
  if (tapeRecording() || q.dtype !== 'float32' || k.dtype !== 'float32' || v.dtype !== 'float32') return null;
  const d = q.shape[2] / heads;
  if (d > MAX_HEAD_DIM || !withinLimits(q, k, heads, engine.backend)) return null;
  return engine.runKernel(FLASH_ATTENTION_KERNEL, { q, k, v }, { heads }) as tf.Tensor3D;
}
