// Switches that let tests drive the WebGPU recovery into paths a healthy machine never takes.
// Production code never sets them.
export const webgpuTestHooks = {
  /** recoverFromDeviceLoss() acts as if no new WebGPU device could be made, so it falls back. */
  failRecreate: false,
  /**
   * Destroys the device once, when an engine job reports this denoising step (0-based) done: a device
   * lost mid-cell. Tests of the engine worker thread arm it with LEFFA_TEST_WEBGPU_DESTROY_AT_STEP in the
   * environment the worker starts with (a thread cannot be reached otherwise).
   */
  destroyDeviceAtStep: parseStep(process.env.LEFFA_TEST_WEBGPU_DESTROY_AT_STEP),
};

function parseStep(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
