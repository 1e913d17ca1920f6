// Module hooks that let node:test import Svelte rune modules (*.svelte.ts): strip the types with
// esbuild, compile the runes with Svelte's compileModule, and resolve `svelte` to its browser
// (client) build, which is what the renderer really runs. Registered by the tests that need it.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { compileModule } from 'svelte/compiler';

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'svelte' || specifier.startsWith('svelte/')) {
    return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'browser'] });
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.svelte.ts')) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const ts = await readFile(filename, 'utf8');
  const { code } = await transform(ts, { loader: 'ts', format: 'esm', target: 'es2022' });
  const { js } = compileModule(code, { filename, generate: 'client', dev: false });
  return { format: 'module', source: js.code, shortCircuit: true };
}
