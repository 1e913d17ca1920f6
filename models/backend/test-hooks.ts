// Switches that let tests drive the threaded-wasm start into its failure paths, which cannot be
// provoked from outside on a healthy machine. Production code never sets them.
export const backendTestHooks = {
  /** Every pthread worker refuses to start (as Node's Worker did with `blob:` URLs before the fix). */
  failThreadedStart: false,
  /** Pthread workers never receive their 'load' message, so the threaded start hangs until the timeout. */
  hangThreadedStart: false,
  /** How long the threaded build may take to start before we give up on it. */
  threadedStartTimeoutMs: 30_000,
};
