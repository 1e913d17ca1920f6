// Registers the kernels training needs beyond what TF.js 4.22 ships (see README.md in this folder):
//  - wasm: the gradient kernels tfjs-backend-wasm lacks (conv2d filter gradient, depthwise gradients,
//    UnsortedSegmentSum for gather gradients);
//  - cpu: a corrected ResizeNearestNeighborGrad (the shipped one is wrong for batch > 1);
//  - webgpu: AddN split to the device's storage-buffer limit (gradients of tensors used many times).
// Call registerTrainingKernels() once the backend is initialised and before the first gradient; the
// training objective (models/train/objective.ts) does so itself on every call (it is cheap and idempotent).
import * as tf from '../../tf.ts';
import { chunkedAddNVia } from './addn-chunked.ts';
import { conv2dBackpropFilterKernel } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputVia } from './conv2d-backprop-input.ts';
import { depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel } from './depthwise-backprop.ts';
import { sharedIdentityVia } from './identity-shared.ts';
import { withExplicitTransposes } from './matmul-transposed.ts';
import { resizeNearestGradKernel } from './resize-nearest-grad.ts';
import { unsortedSegmentSumKernel } from './unsorted-segment-sum.ts';

/** The kernels this module provides for wasm, by kernel name (added only where wasm has none). */
export const WASM_GRADIENT_KERNELS: Readonly<Record<string, tf.KernelFunc>> = Object.freeze({
  Conv2DBackpropFilter: conv2dBackpropFilterKernel,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInputKernel,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilterKernel,
  UnsortedSegmentSum: unsortedSegmentSumKernel,
});

/**
 * Stock wasm kernels this module wraps (same results, faster): kernel name → wrapper of the stock kernel.
 * See matmul-transposed.ts (the transposed products of every matMul gradient) and conv2d-backprop-input.ts
 * (the conv2d input gradient as a forward convolution), identity-shared.ts (clone without a copy).
 */
export const WASM_KERNEL_WRAPPERS: Readonly<Record<string, (stock: tf.KernelFunc) => tf.KernelFunc>> = Object.freeze({
  Conv2DBackpropInput: conv2dBackpropInputVia,
  Identity: sharedIdentityVia,
  BatchMatMul: withExplicitTransposes,
  _FusedMatMul: withExplicitTransposes,
});

/** Kernel functions made by this module (to recognise them on a second call). */
const ours = new WeakSet<tf.KernelFunc>();

/** The cpu kernels this module replaces, by kernel name (the shipped ones compute wrong values). */
export const CPU_KERNEL_FIXES: Readonly<Record<string, tf.KernelFunc>> = Object.freeze({
  ResizeNearestNeighborGrad: resizeNearestGradKernel,
});

/**
 * Registers every kernel of WASM_GRADIENT_KERNELS that the wasm backend does not already have (a future
 * tfjs that ships one keeps its own), and wraps the stock kernels of WASM_KERNEL_WRAPPERS. Idempotent. A
 * no-op unless the active backend is 'wasm' (reading the active backend starts none). Returns the kernel
 * names registered or wrapped by this call.
 */
export function registerWasmGradientKernels(): string[] {
  if (tf.getBackend() !== 'wasm') return [];
  const added: string[] = [];
  for (const [kernelName, kernelFunc] of Object.entries(WASM_GRADIENT_KERNELS)) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
    added.push(kernelName);
  }
  for (const [kernelName, wrap] of Object.entries(WASM_KERNEL_WRAPPERS)) {
    const stock = tf.getKernel(kernelName, 'wasm');
    if (!stock || ours.has(stock.kernelFunc)) continue;
    const kernelFunc = wrap(stock.kernelFunc);
    ours.add(kernelFunc);
    tf.unregisterKernel(kernelName, 'wasm');
    // The stock setup (binding the C++ function) must run again if the backend is ever set up anew.
    tf.registerKernel({ ...stock, kernelFunc });
    added.push(kernelName);
  }
  return added;
}

/**
 * Replaces the cpu kernels listed in CPU_KERNEL_FIXES. Idempotent; a no-op unless the active backend is
 * 'cpu'. Returns the kernel names replaced by this call.
 */
export function registerCpuKernelFixes(): string[] {
  if (tf.getBackend() !== 'cpu') return [];
  const replaced: string[] = [];
  for (const [kernelName, kernelFunc] of Object.entries(CPU_KERNEL_FIXES)) {
    const current = tf.getKernel(kernelName, 'cpu');
    if (current?.kernelFunc === kernelFunc) continue;
    if (current) tf.unregisterKernel(kernelName, 'cpu');
    tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc });
    replaced.push(kernelName);
  }
  return replaced;
}

/** Stock webgpu kernels this module wraps: AddN split to the device's storage-buffer limit (addn-chunked.ts). */
export const WEBGPU_KERNEL_WRAPPERS: Readonly<Record<string, (stock: tf.KernelFunc) => tf.KernelFunc>> = Object.freeze({
  AddN: chunkedAddNVia,
});

/**
 * Wraps the stock webgpu kernels of WEBGPU_KERNEL_WRAPPERS. Idempotent; a no-op unless the active backend
 * is 'webgpu'. Returns the kernel names wrapped by this call.
 */
export function registerWebGPUKernelWrappers(): string[] {
  if (tf.getBackend() !== 'webgpu') return [];
  const wrapped: string[] = [];
  for (const [kernelName, wrap] of Object.entries(WEBGPU_KERNEL_WRAPPERS)) {
    const stock = tf.getKernel(kernelName, 'webgpu');
    if (!stock || ours.has(stock.kernelFunc)) continue;
    const kernelFunc = wrap(stock.kernelFunc);
    ours.add(kernelFunc);
    tf.unregisterKernel(kernelName, 'webgpu');
    tf.registerKernel({ ...stock, kernelFunc });
    wrapped.push(kernelName);
  }
  return wrapped;
}

/** Everything the active backend needs for training (wasm, cpu or webgpu; other backends are left as they are). */
export function registerTrainingKernels(): string[] {
  return [...registerWasmGradientKernels(), ...registerCpuKernelFixes(), ...registerWebGPUKernelWrappers()];
}
