// The engine's single entry to TF.js.
//
// tfjs-core alone neither attaches the chained tensor methods (x.reshape(...), x.add(...)) nor registers
// the gradient functions of its ops; the union package `@tensorflow/tfjs` does both as side effects of
// loading. Its Node build is CommonJS and shares the one tfjs-core instance (same version, deduplicated),
// so it is loaded with require() here, once, before any engine module runs an op.
import { createRequire } from 'node:module';
import type * as _withChainedOpsAndGradients from '@tensorflow/tfjs'; // brings the chained-op type augmentations

createRequire(import.meta.url)('@tensorflow/tfjs');

export * from '@tensorflow/tfjs-core';
