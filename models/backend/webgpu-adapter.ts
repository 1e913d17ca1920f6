// What kind of WebGPU adapter we got. 'auto' uses WebGPU only on a real GPU: a software rasteriser
// (SwiftShader, llvmpipe/lavapipe, Microsoft's WARP) runs at ~0.2 GFLOP/s here, 100x slower than
// wasm, so it is used only when WebGPU is forced (LEFFA_BACKEND=webgpu).
/// <reference types="@webgpu/types" />

export interface AdapterSummary {
  /** Human-readable name for logs and the status bar, e.g. 'SwiftShader driver 5.0.0'. */
  name: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU implementations (the adapter says it is a fallback adapter, or its name says so). */
  software: boolean;
}

/** Names of software WebGPU/Vulkan/D3D implementations, as adapters report them. */
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

type InfoLike = Partial<Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>> & { isFallbackAdapter?: boolean };

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  // `info` and `info.isFallbackAdapter` are newer than the @webgpu/types tfjs pins (it has
  // requestAdapterInfo() and adapter.isFallbackAdapter); Dawn has the new form.
  const info = ((adapter as { info?: InfoLike }).info ?? {}) as InfoLike;
  const fallback = Boolean(info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const fields = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  };
  const name = fields.description || [fields.vendor, fields.architecture, fields.device].filter(Boolean).join(' ') || 'unknown WebGPU adapter';
  const text = Object.values(fields).join(' ');
  return { name, ...fields, software: fallback || SOFTWARE_NAMES.test(text) };
}
