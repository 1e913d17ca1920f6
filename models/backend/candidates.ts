// The backends initBackend can start, best first. 'auto' tries them in this order; a named request
// tries only the entries for that backend. The WebGPU entry (webgpu.ts) sits between tfjs-node-gpu
// and tfjs-node: a real GPU beats native CPU TensorFlow, a software adapter is skipped under 'auto'.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { BackendSettings } from './settings.ts';
import { startTfjsNode, TFJS_NODE, TFJS_NODE_GPU } from './tfjs-node.ts';
import { startWasm, WASM_PACKAGE } from './wasm.ts';
import { startWebGPU, WEBGPU_PACKAGE } from './webgpu.ts';

export interface CandidateStart {
  threads?: number;
  threaded?: boolean;
  /** Adjustments worth reporting even though this candidate started (e.g. threaded wasm fell back). */
  reasons?: string[];
  /** WebGPU only: the adapter's name. */
  adapter?: string;
}

export interface Candidate {
  /** The tfjs backend name it registers. */
  backend: string;
  /** The npm package that provides it. */
  package: string;
  /** Makes it the active backend, or throws an Error whose message is the reason it could not. */
  start(settings: BackendSettings): Promise<CandidateStart>;
}

export const CANDIDATES: readonly Candidate[] = [
  { backend: 'tensorflow', package: TFJS_NODE_GPU, start: () => startTfjsNode(TFJS_NODE_GPU).then(() => ({})) },
  // WebGPU: on a real GPU adapter only under 'auto'; LEFFA_BACKEND=webgpu also takes a software one.
  { backend: 'webgpu', package: WEBGPU_PACKAGE, start: (s) => startWebGPU(s.backend === 'webgpu') },
  { backend: 'tensorflow', package: TFJS_NODE, start: () => startTfjsNode(TFJS_NODE).then(() => ({})) },
  { backend: 'wasm', package: WASM_PACKAGE, start: (s) => startWasm(s.threads, s.threadedAllowed) },
  {
    backend: 'cpu',
    package: '@tensorflow/tfjs-backend-cpu',
    start: async () => {
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
      return {};
    },
  },
];

export function candidatesFor(requested: string): Candidate[] {
  return CANDIDATES.filter((c) => requested === 'auto' || c.backend === requested);
}
