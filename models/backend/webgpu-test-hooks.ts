// Switches that let tests drive the WebGPU recovery into paths a healthy machine never takes.
// Production code never sets them.
export const webgpuTestHooks = {
  /** recoverFromDeviceLoss() acts as if no new WebGPU device could be made, so it falls back. */
  failRecreate: false,
};
