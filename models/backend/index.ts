// Public entry of the backend selector: start TensorFlow.js once, report memory, shut down.
export { initBackend, shutdownBackend, backendInfo } from './init.ts';
export { memoryReport, type MemoryReport } from './memory.ts';
export { REQUESTABLE_BACKENDS, type BackendInfo, type InitBackendOptions, type RequestedBackend } from './types.ts';
export { runGpuJob } from './webgpu-jobs.ts';
export { releaseWebGPUMemory, webgpuMaxScoreElements } from './webgpu-memory.ts';
export { onDeviceLost, WebGPUDeviceLostError, WebGPUOutOfMemoryError } from './webgpu-device.ts';
export { recoverFromDeviceLoss } from './webgpu-recovery.ts';
