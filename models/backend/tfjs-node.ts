// The native TensorFlow backends: @tensorflow/tfjs-node-gpu (CUDA) and @tensorflow/tfjs-node (CPU).
// Both are optional: they may be missing, or present but unable to load their native library, so
// every way of failing becomes an Error with a one-line reason for the caller's fallback list.
import * as tf from '@tensorflow/tfjs-core';

export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
export const TFJS_NODE = '@tensorflow/tfjs-node';

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/** True when `err` says `pkg` itself cannot be found (not a dependency of it). */
function isPackageMissing(err: unknown, pkg: string): boolean {
  const code = (err as { code?: string } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return message(err).includes(`'${pkg}'`) && !message(err).includes(`'${pkg}/`);
}

/**
 * Loads `pkg` (which registers tfjs's 'tensorflow' backend) and makes 'tensorflow' the active backend.
 * The specifier is a variable on purpose: bundlers must leave these optional native packages alone.
 */
export async function startTfjsNode(pkg: string): Promise<void> {
  const registeredBefore = tf.findBackendFactory('tensorflow') != null;
  try {
    await import(pkg);
  } catch (err) {
    if (isPackageMissing(err, pkg)) throw new Error(`${pkg} is not installed`, { cause: err });
    throw new Error(`${pkg} failed to load: ${message(err)}`, { cause: err });
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    throw new Error(`${pkg} loaded but registered no 'tensorflow' backend`);
  }
  if (!(await tf.setBackend('tensorflow'))) {
    // Unregister it so the next native package (tfjs-node after tfjs-node-gpu) can register its own.
    if (!registeredBefore) tf.removeBackend('tensorflow');
    throw new Error(`${pkg} loaded but its 'tensorflow' backend failed to initialise (see the warning above)`);
  }
}
