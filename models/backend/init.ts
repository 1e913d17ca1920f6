// initBackend / shutdownBackend: choose and start the TensorFlow.js backend once per process.
// A process can hold only one wasm build and tfjs will not switch builds later, so the choice is made
// once, before anything else touches a backend, and every later call must agree with it.
import * as tf from '@tensorflow/tfjs-core';
import { candidatesFor } from './candidates.ts';
import { resolveSettings, type BackendSettings } from './settings.ts';
import type { BackendInfo, InitBackendOptions } from './types.ts';

interface State {
  settings: BackendSettings;
  pending: Promise<BackendInfo>;
  info?: BackendInfo;
}

let state: State | null = null;
let shutDown = false;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The threaded wasm start only works if no backend (in particular no wasm build) has started yet. */
function assertNothingInitialised(): void {
  const engine = tf.engine();
  const active = engine.backendName ?? Object.keys(engine.registry)[0];
  if (active != null) {
    throw new Error(
      `initBackend() must run before any TensorFlow.js backend is initialised, but '${active}' already is ` +
        '(something called tf.ready() or tf.setBackend(), or ran an op, first)',
    );
  }
}

function describe(info: BackendInfo): string {
  const details = [info.package];
  if (info.threaded !== undefined) details.push(info.threaded ? `threaded, ${info.threads} threads` : 'single-threaded');
  if (info.adapter) details.push(`adapter ${info.adapter}`);
  let line = `[leffa] TensorFlow.js backend: ${info.name} (${details.join(', ')}); requested ${info.requested}`;
  if (info.fallbackReasons.length > 0) line += `; fallbacks: ${info.fallbackReasons.join('; ')}`;
  return line;
}

async function select(settings: BackendSettings, log: (msg: string) => void): Promise<BackendInfo> {
  const fallbackReasons = [...settings.notes];
  for (const candidate of candidatesFor(settings.backend)) {
    try {
      const started = await candidate.start(settings);
      const info: BackendInfo = {
        name: tf.getBackend(),
        requested: settings.backend,
        package: candidate.package,
        ...(started.threads !== undefined && { threads: started.threads }),
        ...(started.threaded !== undefined && { threaded: started.threaded }),
        ...(started.adapter !== undefined && { adapter: started.adapter }),
        fallbackReasons: [...fallbackReasons, ...(started.reasons ?? [])],
      };
      log(describe(info));
      return info;
    } catch (err) {
      fallbackReasons.push(message(err));
    }
  }
  const hint =
    settings.backend === 'tensorflow'
      ? ' (install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu, or set LEFFA_BACKEND=wasm)'
      : '';
  throw new Error(`no TensorFlow.js backend could start for '${settings.backend}': ${fallbackReasons.join('; ')}${hint}`);
}

/** A second call must not ask for something other than what the first one started. */
function assertCompatible(first: BackendSettings, info: BackendInfo, now: BackendSettings): void {
  if (now.backend !== 'auto' && now.backend !== info.requested && now.backend !== info.name) {
    throw new Error(
      `initBackend: backend '${now.backend}' requested, but '${info.name}' is already initialised ` +
        `(requested '${info.requested}'); the backend can be chosen only once per process`,
    );
  }
  if (info.name === 'wasm' && now.threads !== first.threads) {
    throw new Error(
      `initBackend: ${now.threads} wasm threads requested, but the wasm backend already started with ` +
        `${first.threads} requested; the thread count can be chosen only once per process`,
    );
  }
}

/**
 * Chooses and initialises the TensorFlow.js backend. LEFFA_BACKEND and LEFFA_WASM_THREADS override the
 * options; LEFFA_WASM_THREADED=0 keeps wasm single-threaded. Idempotent: later calls return the same
 * info, and throw if they ask for a different backend.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const settings = resolveSettings(opts);
  if (state) {
    const info = await state.pending;
    assertCompatible(state.settings, info, settings);
    return info;
  }
  if (shutDown) throw new Error('initBackend: the backend was shut down; a process can initialise it only once');
  assertNothingInitialised();
  const log = opts.log ?? ((msg: string) => console.error(msg));
  const current: State = { settings, pending: select(settings, log) };
  state = current;
  try {
    current.info = await current.pending;
    return current.info;
  } catch (err) {
    // Nothing was initialised, so a later call (say, with another backend) may try again.
    if (state === current) state = null;
    throw err;
  }
}

/**
 * Removes the backend initBackend started. For wasm that terminates its pthread workers and frees its
 * heap; the process can then exit at once. Tensors still alive become unusable.
 */
export function shutdownBackend(): void {
  if (!state) return;
  if (!state.info) throw new Error('shutdownBackend: initBackend() is still running; await it first');
  const { name } = state.info;
  state = null;
  shutDown = true;
  if (name in tf.engine().registryFactory) tf.removeBackend(name);
}

/** The info of the initialised backend, or undefined before initBackend() has finished. */
export function backendInfo(): BackendInfo | undefined {
  return state?.info;
}
