// Checks on the build output itself (npm run test:e2e builds first): the bundled engine worker runs,
// and the bundles have the shape Electron needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineHost } from '../../main/engine-host/host.ts';
import { repoRoot } from '../helpers/fixtures.ts';

const dist = (p: string) => join(repoRoot, 'dist', p);

test('the bundled engine worker (dist/main/engine-worker.cjs) answers info', async () => {
  const host = new EngineHost({ workerUrl: pathToFileURL(dist('main/engine-worker.cjs')), workerData: { backend: 'cpu' }, log: () => {} });
  try {
    const info = await host.info();
    assert.ok(['cpu', 'wasm', 'tensorflow'].includes(info.backend), info.backend);
  } finally {
    await host.close();
  }
});

test('the preload bundle is CommonJS and requires nothing but electron', () => {
  const source = readFileSync(dist('preload/index.cjs'), 'utf8');
  assert.doesNotMatch(source, /^\s*(import|export)\s/m);
  assert.deepEqual([...new Set([...source.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))], ['electron']);
});

test('the main bundle keeps native modules and TF.js external', () => {
  const main = readFileSync(dist('main/index.cjs'), 'utf8');
  const worker = readFileSync(dist('main/engine-worker.cjs'), 'utf8');
  assert.match(main, /require\("electron"\)/);
  assert.match(worker, /require\("@tensorflow\/tfjs-core"\)/);
  // esbuild marks every bundled file with a `// <path>` comment: none may come from TF.js's packages
  // (the engine's own custom kernels, e.g. the WebGPU flash attention, are bundled on purpose).
  assert.doesNotMatch(worker, /^\/\/ node_modules\/@tensorflow\//m, 'TF.js must not be bundled into the worker');
});

test('the built index.html loads only files (no inline script or style) under the CSP meta tag', () => {
  const html = readFileSync(dist('renderer/index.html'), 'utf8');
  assert.match(html, /http-equiv="Content-Security-Policy"/);
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(html, /<style/);
});
