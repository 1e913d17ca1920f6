// Explain through the real API, the real queue and the engine worker on the tiny fixture model: a result is
// made by a 1-cell batch, then explained (re-sampled from its record with explain on); the explanation is
// stored with the result (a second run is instant), click-to-inspect rows come from the stored Q/K and
// average to the stored flow, errors name the argument, and the engine never runs a cell and an explain at
// the same time (an explain asked for while cells are queued waits its turn).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import sharp from 'sharp';
import { EngineSupervisor } from '../../main/engine-host/supervisor.ts';
import type { RequestOptions } from '../../main/engine-host/host.ts';
import type { EngineMethod, ParamsOf, ResultOf } from '../../main/engine-host/protocol.ts';
import type { EngineLike } from '../../main/services/queue-service.ts';
import { flowCoords } from '../../models/losses/attention-flow.ts';
import { assetsDir, fixturesDir } from '../helpers/fixtures.ts';
import { garmentPng, makeHost, solidPng, waitFor, type TestHost } from './api-helpers.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
const supervisor = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
const TENSOR_JOBS = new Set(['generate', 'explain']);
/** The real engine, watched: how many tensor jobs are in the worker at once, and in which order they ran. */
const watch = { inFlight: 0, maxInFlight: 0, order: [] as string[] };
const engine: EngineLike = {
  async request<M extends EngineMethod>(method: M, params: ParamsOf<M>, opts?: RequestOptions): Promise<ResultOf<M>> {
    if (!TENSOR_JOBS.has(method)) return supervisor.request(method, params, opts);
    watch.inFlight++;
    watch.maxInFlight = Math.max(watch.maxInFlight, watch.inFlight);
    watch.order.push(method);
    try {
      return await supervisor.request(method, params, opts);
    } finally {
      watch.inFlight--;
    }
  },
};
let t: TestHost | null = null;

after(async () => {
  await t?.close();
  await supervisor.close();
});

const UP = 'up_blocks.1.attentions.0.transformer_blocks.0.attn1';
const DOWN = 'down_blocks.0.attentions.0.transformer_blocks.0.attn1';
const done = (layer: string, step: number) => t!.eventsOf('explain:progress').some((e) => e.layer === layer && e.step === step && (e.state === 'done' || e.state === 'failed'));
const succeeded = () => t!.eventsOf('queue:event').filter((e) => e.type === 'cell' && e.to === 'succeeded').length;

async function pngSize(hash: string): Promise<[number, number]> {
  const m = await sharp(t!.host.catalog.blob(hash)!.path).metadata();
  return [m.width!, m.height!];
}

test('explain a result: layers, a stored explanation, instant re-open, click-to-inspect, errors', { timeout: 180_000 }, async () => {
  t = await makeHost({ engine });
  await t.ok('project:create', { name: 'Explain run' });
  const person = join(assetsDir, 'people', 'astronaut.png');
  const { photos } = await t.ok('models:import', { items: [{ file: await t.grant(person) }] });
  const photo = photos[0]!;
  const { garments } = await t.ok('garments:import', {
    items: [{ sku: 'TS-001', name: 'Plain tee', category: 'upper_body', photos: [{ file: await t.grant(await garmentPng(t.dir, 't-shirt_01')), type: 'flat-lay' }] }],
  });
  await t.ok('checkpoints:import', {
    file: await t.grant(join(tiny, 'weights.safetensors')), base: await t.grant(join(tiny, 'base', 'tiny-stable-diffusion-inpainting')),
    name: 'Leffa tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true,
  });
  await t.ok('masks:save', { modelPhotoId: photo.id, category: 'upper_body', pngBase64: (await solidPng(photo.width, photo.height, 255)).toString('base64') });
  const dpPath = join(t.dir, 'dp.png');
  await sharp(await solidPng(photo.width, photo.height, 30, 3)).toFile(dpPath);
  await t.ok('densepose:import', { modelPhotoId: photo.id, file: await t.grant(dpPath), format: 'HD-parula' });
  await t.ok('batches:enqueue', { garmentIds: [garments[0]!.garment.id], modelPhotoIds: [photo.id], seeds: [3], settings: [{ steps: 2 }] });
  await waitFor(() => succeeded() === 1, 60_000, 'the result');
  const result = (await t.ok('results:list', {})).items[0]!;

  // Layers: the tiny UNet's four self-attention layers with their token maps at the 48×64 canvas.
  const layers = await t.ok('explain:layers', { resultId: result.id });
  assert.deepEqual(layers.layers.map((l) => [l.name, l.h, l.w]), [
    [DOWN, 8, 6], ['mid_block.attentions.0.transformer_blocks.0.attn1', 4, 3], [UP, 8, 6], ['up_blocks.1.attentions.1.transformer_blocks.0.attn1', 8, 6],
  ]);
  assert.deepEqual([layers.defaultLayer, layers.steps, layers.defaultStep, layers.explained], [UP, 2, 1, []]);

  // Run with the defaults: started, progress events, then stored.
  const started = await t.ok('explain:run', { resultId: result.id });
  assert.deepEqual(started, { status: 'started', resultId: result.id, layer: UP, step: 1 });
  await waitFor(() => done(UP, 1), 60_000, 'the explanation');
  const states = t.eventsOf('explain:progress').map((e) => `${e.state}:${e.done}/${e.steps}`);
  assert.deepEqual(states, ['queued:0/2', 'running:1/2', 'running:2/2', 'done:2/2']);
  const e = await t.ok('explain:get', { resultId: result.id, layer: UP, step: 1 });
  assert.deepEqual([e.tokenH, e.tokenW, e.width, e.height, e.steps, e.temperature], [8, 6, 48, 64, 2, 2]);
  assert.deepEqual(await pngSize(e.flowImageHash), [6, 8]);
  for (const h of [e.warpedHash, e.resultHash, e.garmentHash]) assert.deepEqual(await pngSize(h), [48, 64]);
  assert.deepEqual(await pngSize(e.legendHash), [128, 128]);
  assert.equal((await t.ok('blobs:url', { hash: e.warpedHash })).url, `/blob/${e.warpedHash}`);

  // Opening it again is instant (stored), and explain:layers lists it.
  const again = await t.ok('explain:run', { resultId: result.id, layer: UP, step: 1 });
  assert.equal(again.status, 'done');
  assert.deepEqual(again.status === 'done' && again.explanation, e);
  assert.deepEqual((await t.ok('explain:layers', { resultId: result.id })).explained, [{ layer: UP, step: 1 }]);

  // Click-to-inspect: the row of the clicked pixel's token, a distribution whose coordinate mean is the flow.
  const heat = await t.ok('explain:inspect', { resultId: result.id, layer: UP, step: 1, x: 30.5, y: 50 });
  assert.deepEqual([heat.token, heat.h, heat.w, heat.weights.length], [{ row: 6, col: 3 }, 8, 6, 48]);
  const sum = heat.weights.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-5, `weights sum to ${sum}`);
  assert.equal(heat.max, Math.max(...heat.weights));
  const project = t.host.projects.project!;
  const data = await project.explanations.readData(project.explanations.get(result.id, UP, 1)!);
  const coords = flowCoords(8, 6);
  const token = 6 * 6 + 3;
  const fx = heat.weights.reduce((a, w, j) => a + w * coords[2 * j]!, 0);
  const fy = heat.weights.reduce((a, w, j) => a + w * coords[2 * j + 1]!, 0);
  assert.ok(Math.abs(fx - data.flow[2 * token]!) < 1e-4 && Math.abs(fy - data.flow[2 * token + 1]!) < 1e-4, 'Σ attention·coords = stored flow');
  assert.ok(Math.abs(heat.flowTarget.x - ((data.flow[2 * token]! + 1) * 48) / 2) < 1e-3);

  // Errors name the argument, the value and what was expected.
  await t.fails('explain:run', { resultId: result.id, layer: 'nope' }, 'validation', /payload\.layer: "nope" is not an attention layer.*expected one of down_blocks/);
  await t.fails('explain:run', { resultId: result.id, step: 2 }, 'validation', /payload\.step: 2 .*expected an integer in \[0, 1\]/);
  await t.fails('explain:run', { resultId: 999 }, 'not_found', /payload\.resultId: 999 is not a result/);
  await t.fails('explain:get', { resultId: result.id, layer: DOWN, step: 0 }, 'not_found', /no explanation for layer down_blocks.* at step 0/);
  await t.fails('explain:inspect', { resultId: result.id, layer: UP, step: 1, x: 48, y: 0 }, 'validation', /\(48, 0\) is outside the result's canvas; expected 0 ≤ x < 48/);
  await t.fails('explain:run', { resultId: result.id, extra: 1 }, 'validation');
});

test('one tensor job at a time: an explain asked for while cells are queued runs between them, never beside one', { timeout: 180_000 }, async () => {
  const result = (await t!.ok('results:list', {})).items[0]!;
  watch.maxInFlight = 0;
  watch.order.length = 0;
  const before = succeeded();
  const garmentId = result.garmentId;
  await t!.ok('batches:enqueue', { garmentIds: [garmentId], modelPhotoIds: [result.modelPhotoId], seeds: [11, 12], settings: [{ steps: 2 }] });
  await waitFor(() => watch.order.length > 0, 30_000, 'the first cell to start');
  const started = await t!.ok('explain:run', { resultId: result.id, layer: DOWN, step: 0 });
  assert.equal(started.status, 'started');
  await waitFor(() => done(DOWN, 0) && succeeded() === before + 2, 120_000, 'the cells and the explanation');
  assert.equal(watch.maxInFlight, 1, `tensor jobs ran side by side: ${watch.order.join(', ')}`);
  assert.equal(watch.order.filter((m) => m === 'explain').length, 1);
  assert.equal(watch.order.length, 3);
  const e = await t!.ok('explain:get', { resultId: result.id, layer: DOWN, step: 0 });
  assert.equal(e.step, 0);
  assert.deepEqual((await t!.ok('explain:layers', { resultId: result.id })).explained, [{ layer: UP, step: 1 }, { layer: DOWN, step: 0 }]);
});
