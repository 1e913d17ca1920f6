// The backends initBackend can start, best first. 'auto' tries them in this order; a named request
// tries only the entries for that backend. A WebGPU entry (backend 'webgpu', package
// @tensorflow/tfjs-backend-webgpu) belongs between tfjs-node-gpu and tfjs-node; adding it means one
// entry here plus 'webgpu' in REQUESTABLE_BACKENDS (types.ts).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { BackendSettings } from './settings.ts';
import { startTfjsNode, TFJS_NODE, TFJS_NODE_GPU } from './tfjs-node.ts';
import { startWasm, WASM_PACKAGE } from './wasm.ts';

export interface CandidateStart {
  threads?: number;
  threaded?: boolean;
  /** Adjustments worth reporting even though this candidate started (e.g. threaded wasm fell back). */
  reasons?: string[];
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
  // (WebGPU goes here.)
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
