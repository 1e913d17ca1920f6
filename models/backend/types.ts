// Public types of the backend selector (models/backend). Kept in their own file so engine code can
// import them without pulling in TensorFlow.js.

/** Backends a caller may ask for. 'auto' walks the preference list in candidates.ts. */
export const REQUESTABLE_BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu', 'webgpu'] as const;
export type RequestedBackend = (typeof REQUESTABLE_BACKENDS)[number];

export interface InitBackendOptions {
  /** Which backend to use; overridden by LEFFA_BACKEND. Default 'auto'. */
  backend?: RequestedBackend;
  /** Threads for the wasm backend; overridden by LEFFA_WASM_THREADS. Default min(cores, 8). */
  threads?: number;
  /** Where the one-line "chosen backend" message goes. Default console.error. */
  log?: (msg: string) => void;
}

export interface BackendInfo {
  /** tf.getBackend() after initialisation: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu'. */
  name: string;
  /** What was asked for, after the environment overrides ('auto', 'wasm', ...). */
  requested: string;
  /** The npm package that provides the backend, e.g. '@tensorflow/tfjs-node-gpu'. */
  package: string;
  /** wasm only: threads XNNPACK actually uses (1 for the single-threaded build). */
  threads?: number;
  /** wasm only: true when the multi-threaded build is running. */
  threaded?: boolean;
  /** webgpu only: the GPU adapter's name (e.g. 'SwiftShader driver 5.0.0'). */
  adapter?: string;
  /** Why earlier candidates were skipped (missing package, failed start, ...), in order. */
  fallbackReasons: string[];
}
