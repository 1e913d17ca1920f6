#!/usr/bin/env node
// Bundles the Electron side with esbuild: main -> dist/main/index.cjs, the engine worker ->
// dist/main/engine-worker.cjs, preload -> dist/preload/index.cjs (sandboxed preloads must be
// CommonJS). Native modules and TF.js stay external: they load from node_modules at run time.
import { build } from 'esbuild';

const external = [
  'electron',
  'better-sqlite3',
  'sharp',
  '@tensorflow/*',
  // C2PA's engine loads its .wasm file from beside its package at run time (models/provenance/c2pa-runtime.ts).
  '@contentauth/c2pa-wasm',
  // ws's optional native speed-ups.
  'bufferutil',
  'utf-8-validate',
];

// The sources use import.meta.url to find files beside them; in a CommonJS bundle that is the
// bundle's own file URL.
const importMetaUrl = {
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: 'const __bundle_url = require("node:url").pathToFileURL(__filename).href;' },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: true,
  external,
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, ...importMetaUrl, entryPoints: ['main/index.ts'], outfile: 'dist/main/index.cjs' }),
  build({ ...common, ...importMetaUrl, entryPoints: ['main/engine-host/worker.ts'], outfile: 'dist/main/engine-worker.cjs' }),
  build({ ...common, entryPoints: ['preload/index.ts'], outfile: 'dist/preload/index.cjs', sourcemap: false }),
]);
console.log('built dist/main/index.cjs, dist/main/engine-worker.cjs, dist/preload/index.cjs');
