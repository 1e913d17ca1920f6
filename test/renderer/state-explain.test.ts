// ExplainState (the Explain screen) against a scripted api: opening a result (stored explanations at once),
// running one and following explain:progress, click-to-inspect, and answers for an older selection dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { ExplainHeatmap, ExplainLayers, ExplainProgressEvent, ExplainRunResponse, Explanation, ResultItem } from '../../preload/contract.ts';
import { deferred, fakeApi, fails, tick } from './fake-api.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { ExplainState } = await import('../../renderer/src/lib/state/explain.svelte.ts');

function layers(resultId: number, explained: { layer: string; step: number }[] = []): ExplainLayers {
  return {
    resultId, layers: [{ name: 'up.1', h: 32, w: 24 }, { name: 'up.2', h: 64, w: 48 }], defaultLayer: 'up.1', steps: 30, defaultStep: 29, explained,
  };
}

function explanation(resultId: number, layer: string, step: number): Explanation {
  return {
    resultId, layer, step, steps: 30, timestep: 33, temperature: 2, tokenH: 32, tokenW: 24, heads: 8, width: 384, height: 512,
    flowImageHash: 'f'.repeat(64), warpedHash: 'w'.repeat(64), resultHash: 'r'.repeat(64), garmentHash: 'g'.repeat(64), legendHash: 'l'.repeat(64),
    backend: 'cpu', runMs: 1200, createdAt: 1,
  };
}

function heat(resultId: number, x: number, y: number): ExplainHeatmap {
  return { resultId, layer: 'up.1', step: 29, x, y, token: { row: 1, col: 2 }, h: 1, w: 2, weights: [0.25, 0.75], max: 0.75, flowTarget: { x: 10, y: 20 } };
}

const ev = (over: Partial<ExplainProgressEvent>): ExplainProgressEvent =>
  ({ resultId: 7, layer: 'up.1', step: 29, state: 'running', done: 0, steps: 30, etaMs: null, ...over });

test('explain: open picks the default layer and step and shows a stored explanation at once', async () => {
  const api = fakeApi({
    'explain:layers': ({ resultId }) => layers(resultId, [{ layer: 'up.1', step: 29 }]),
    'explain:get': ({ resultId, layer, step }) => explanation(resultId, layer, step),
  });
  const ex = new ExplainState(api);
  const opening = ex.open(7);
  assert.equal(ex.loading, true);
  assert.equal(ex.resultId, 7);
  await opening;
  assert.equal(ex.loading, false);
  assert.equal(ex.layer, 'up.1');
  assert.equal(ex.step, 29);
  assert.deepEqual(api.callsTo('explain:get'), [{ resultId: 7, layer: 'up.1', step: 29 }]);
  assert.equal(ex.explanation?.timestep, 33);

  await ex.select('up.2', 5);
  assert.equal(ex.explanation, null, 'not explained yet: nothing is fetched');
  assert.equal(api.callsTo('explain:get').length, 1);
  assert.equal(ex.running, false);
});

test('explain: run starts on the engine, follows progress, and fetches the result when done', async () => {
  const api = fakeApi({
    'explain:layers': ({ resultId }) => layers(resultId),
    'explain:run': ({ resultId, layer, step }): ExplainRunResponse => ({ status: 'started', resultId, layer: layer!, step: step! }),
    'explain:get': ({ resultId, layer, step }) => explanation(resultId, layer, step),
  });
  const ex = new ExplainState(api);
  const off = ex.connect();
  await ex.open(7);
  assert.equal(api.callsTo('explain:get').length, 0, 'nothing stored yet');
  await ex.run();
  assert.deepEqual(api.callsTo('explain:run'), [{ resultId: 7, layer: 'up.1', step: 29 }]);
  assert.deepEqual(ex.progress, { resultId: 7, layer: 'up.1', step: 29, state: 'queued', done: 0, steps: 30, etaMs: null });
  assert.equal(ex.running, true);

  api.emit('explain:progress', ev({ done: 12, etaMs: 3000 }));
  assert.equal(ex.progress?.done, 12);
  api.emit('explain:progress', ev({ layer: 'up.2', done: 99 }));
  api.emit('explain:progress', ev({ resultId: 8, done: 99 }));
  assert.equal(ex.progress?.done, 12, 'events of another selection are ignored');

  api.emit('explain:progress', ev({ state: 'done', done: 30 }));
  assert.equal(ex.running, false);
  await tick();
  assert.deepEqual(api.callsTo('explain:get'), [{ resultId: 7, layer: 'up.1', step: 29 }]);
  assert.equal(ex.explanation?.layer, 'up.1');
  assert.deepEqual(ex.info?.explained, [{ layer: 'up.1', step: 29 }], 'now listed as stored');

  await ex.run(true);
  assert.deepEqual(api.callsTo('explain:run')[1], { resultId: 7, layer: 'up.1', step: 29, force: true });
  off();
  assert.equal(api.listenerCount('explain:progress'), 0);
});

test('explain: a stored answer to run shows at once; progress that overtook the answer is kept', async () => {
  const answer = deferred<ExplainRunResponse>();
  const api = fakeApi({ 'explain:layers': ({ resultId }) => layers(resultId), 'explain:run': () => answer.promise });
  const ex = new ExplainState(api);
  ex.connect();
  await ex.open(7);
  const running = ex.run();
  await tick();
  api.emit('explain:progress', ev({ done: 3 }));
  answer.resolve({ status: 'started', resultId: 7, layer: 'up.1', step: 29 });
  await running;
  assert.equal(ex.progress?.state, 'running');
  assert.equal(ex.progress?.done, 3, 'the newer event is not replaced by "queued"');

  api.handlers['explain:run'] = { status: 'done', explanation: explanation(7, 'up.1', 29) };
  await ex.run();
  assert.equal(ex.explanation?.resultId, 7);
  assert.equal(ex.progress, null);
});

test('explain: a failed run event shows its error, or a default sentence', async () => {
  const api = fakeApi({ 'explain:layers': ({ resultId }) => layers(resultId), 'explain:run': fails('the engine is busy', 'conflict') });
  const ex = new ExplainState(api);
  ex.connect();
  await ex.open(7);
  await ex.run();
  assert.equal(ex.error, 'the engine is busy');
  assert.equal(ex.progress, null);
  api.emit('explain:progress', ev({ state: 'failed', error: 'out of memory' }));
  assert.equal(ex.error, 'out of memory');
  assert.equal(ex.running, false);
  api.emit('explain:progress', ev({ state: 'failed' }));
  assert.equal(ex.error, 'The explanation failed.');
});

test('explain: answers for an earlier result are dropped when another was opened meanwhile', async () => {
  const first = deferred<ExplainLayers>();
  const api = fakeApi({ 'explain:layers': ({ resultId }) => (resultId === 1 ? first.promise : layers(resultId)) });
  const ex = new ExplainState(api);
  const a = ex.open(1);
  await tick();
  await ex.open(2);
  first.resolve(layers(1));
  await a;
  assert.equal(ex.resultId, 2);
  assert.equal(ex.info?.resultId, 2);
  assert.equal(ex.loading, false);

  api.handlers['explain:layers'] = fails('no result 3', 'not_found');
  await ex.open(3);
  assert.equal(ex.error, 'no result 3');
  assert.equal(ex.info, null);
  assert.equal(ex.loading, false);
});

test('explain: a failed fetch of a stored explanation on select is shown, not thrown', async () => {
  const api = fakeApi({
    'explain:layers': ({ resultId }) => layers(resultId, [{ layer: 'up.2', step: 3 }]),
    'explain:get': fails('blob missing', 'not_found'),
  });
  const ex = new ExplainState(api);
  await ex.open(7);
  await ex.select('up.2', 3); // the screen calls it as `void ex.select(...)`: it must not reject
  assert.equal(ex.error, 'blob missing');
  assert.equal(ex.explanation, null);
});

test('explain: inspect asks for the clicked pixel of the shown explanation; toggling off drops the heatmap', async () => {
  const api = fakeApi({
    'explain:layers': ({ resultId }) => layers(resultId, [{ layer: 'up.1', step: 29 }]),
    'explain:get': ({ resultId, layer, step }) => explanation(resultId, layer, step),
    'explain:inspect': ({ resultId, x, y }) => heat(resultId, x, y),
  });
  const ex = new ExplainState(api);
  await ex.inspect(1, 1);
  assert.equal(api.callsTo('explain:inspect').length, 0, 'nothing shown: nothing to inspect');
  await ex.open(7);
  ex.toggleInspect();
  assert.equal(ex.inspecting, true);
  await ex.inspect(100, 200);
  assert.deepEqual(api.callsTo('explain:inspect'), [{ resultId: 7, layer: 'up.1', step: 29, x: 100, y: 200 }]);
  assert.deepEqual(ex.heat?.weights, [0.25, 0.75]);
  ex.toggleInspect();
  assert.equal(ex.inspecting, false);
  assert.equal(ex.heat, null);

  // An inspect answer that arrives after the selection changed is dropped.
  const late = deferred<ExplainHeatmap>();
  api.handlers['explain:inspect'] = () => late.promise;
  const inspecting = ex.inspect(5, 5);
  await tick();
  await ex.select('up.2', 0);
  late.resolve(heat(7, 5, 5));
  await inspecting;
  assert.equal(ex.heat, null);

  api.handlers['explain:inspect'] = fails('pixel outside the canvas', 'validation');
  await ex.select('up.1', 29);
  await ex.inspect(9999, 0);
  assert.equal(ex.error, 'pixel outside the canvas');
});

test('explain: results list, and clear forgets the project (a load cut short does not stay "loading")', async () => {
  const item = { id: 3 } as ResultItem;
  const held = deferred<ExplainLayers>();
  const api = fakeApi({ 'results:list': { items: [item], nextBeforeId: null }, 'explain:layers': () => held.promise });
  const ex = new ExplainState(api);
  await ex.loadResults();
  assert.deepEqual(api.callsTo('results:list'), [{ limit: 100 }]);
  assert.equal(ex.results.length, 1);
  const opening = ex.open(3);
  await tick();
  ex.clear();
  held.resolve(layers(3));
  await opening;
  assert.equal(ex.resultId, null);
  assert.equal(ex.info, null, 'the old project\'s answer is dropped');
  assert.equal(ex.results.length, 0);
  assert.equal(ex.loading, false);
  api.handlers['results:list'] = fails('no project is open', 'validation');
  await ex.loadResults();
  assert.equal(ex.error, 'no project is open');
});
