// AppState (a Svelte 5 rune class) against a stubbed api, compiled by svelte-hooks.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { AppStateApi } from '../../renderer/src/lib/app-state.svelte.ts';
import type { AppInfo, EngineInfo } from '../../preload/contract.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { AppState } = await import('../../renderer/src/lib/app-state.svelte.ts');

const info: AppInfo = { name: 'Leffa Studio', version: '0.1.0', mode: 'serve', runtime: { node: '20', platform: 'linux', arch: 'x64' } };
const engine: EngineInfo = { backend: 'wasm', requested: 'auto', package: '@tensorflow/tfjs-backend-wasm', fallbackReasons: [] };

/** An api whose answers the test releases by hand, to see the state in between. */
function manualApi() {
  let answerInfo!: (v: AppInfo) => void;
  let answerEngine!: (v: EngineInfo) => void;
  let failEngine!: (e: Error) => void;
  const api: AppStateApi = {
    info: () => new Promise((r) => (answerInfo = r)),
    engineInfo: () => new Promise((r, j) => ((answerEngine = r), (failEngine = j))),
  };
  return { api, answerInfo: (v: AppInfo) => answerInfo(v), answerEngine: (v: EngineInfo) => answerEngine(v), failEngine: (e: Error) => failEngine(e) };
}

test('app info and engine info fill in independently; the status line follows', async () => {
  const m = manualApi();
  const state = new AppState(m.api);
  const loading = state.load();
  assert.equal(state.statusText, 'Connecting…');
  m.answerInfo(info);
  await new Promise((r) => setImmediate(r));
  assert.equal(state.info?.version, '0.1.0');
  assert.equal(state.engineState, 'loading');
  assert.equal(state.statusText, 'Starting the engine…');
  m.answerEngine(engine);
  await loading;
  assert.equal(state.engine?.backend, 'wasm');
  assert.equal(state.statusText, 'Ready');
});

test('an engine failure shows in the status line without losing the app info', async () => {
  const m = manualApi();
  const state = new AppState(m.api);
  const loading = state.load();
  m.answerInfo(info);
  m.failEngine(new Error('worker exited'));
  await loading;
  assert.equal(state.infoState, 'ready');
  assert.equal(state.engineState, 'error');
  assert.equal(state.statusText, 'Engine unavailable: worker exited');
});
