// Finetuning through the API on the real engine worker (wasm, 1 thread) and the tiny fixture model: a
// training set from the catalogue (missing inputs listed, then filled), a full finetune of 3 steps at
// 32×48 with the Leffa loss on, samples on the held-out pair, the result registered as a checkpoint (parent,
// trainingRun, base configs) and used in a batch; a run stopped after its first step and resumed continues
// from its saved step; a LoRA run gives a LoRA checkpoint that a batch merges at load; compare queues the
// same cells for the finetune and its base.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { EngineSupervisor } from '../../main/engine-host/supervisor.ts';
import type { TrainingEvent, TrainingRunStatus, TrainingStartRequest } from '../../preload/contract.ts';
import { assetsDir, fixturesDir } from '../helpers/fixtures.ts';
import { garmentPng, makeHost, solidPng, waitFor, type TestHost } from './api-helpers.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
const engine = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
let t: TestHost | null = null;

after(async () => {
  await t?.close();
  await engine.close();
});

const trainingEvents = () => t!.eventsOf('training:event') as TrainingEvent[];
const statusOf = (runId: number) => trainingEvents().filter((e) => e.type === 'status' && e.run.id === runId).map((e) => e.type === 'status' && e.run.status) as TrainingRunStatus[];

async function until(runId: number, status: TrainingRunStatus, ms = 120_000): Promise<void> {
  await waitFor(() => {
    const s = statusOf(runId);
    if (s.includes('failed')) throw new Error(`run ${runId} failed: ${JSON.stringify(trainingEvents().filter((e) => e.type === 'status' && e.run.id === runId).at(-1))}`);
    return s.includes(status);
  }, ms, `run ${runId} to be ${status}`);
}

async function batchDone(batchId: number): Promise<void> {
  await waitFor(() => t!.eventsOf('queue:event').some((e) => e.type === 'batch-finished' && e.batchId === batchId), 60_000, `batch ${batchId} to finish`);
}

test('training sets, a full finetune, stop/resume, LoRA and compare, on the tiny model', { timeout: 600_000 }, async () => {
  t = await makeHost({ engine });
  await t.ok('project:create', { name: 'Finetune test' });
  const people = ['astronaut.png', 'grace_hopper.jpg', 'camera.png'].map((f) => join(assetsDir, 'people', f));
  const { photos } = await t.ok('models:import', { items: await Promise.all(people.map(async (p) => ({ file: await t!.grant(p) }))) });
  const shirts = [await garmentPng(t.dir, 't-shirt_01'), await garmentPng(t.dir, 't-shirt_02'), await garmentPng(t.dir, 't-shirt_03')];
  const { garments } = await t.ok('garments:import', {
    items: await Promise.all(shirts.map(async (f, i) => ({ sku: `TS-${i}`, name: `Tee ${i}`, category: 'upper_body' as const, photos: [{ file: await t!.grant(f), type: 'flat-lay' as const }] }))),
  });
  const base = await t.ok('checkpoints:import', {
    file: await t.grant(join(tiny, 'weights.safetensors')), base: await t.grant(join(tiny, 'base', 'tiny-stable-diffusion-inpainting')),
    name: 'Leffa tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true,
  });

  // Only the first photo has its inputs yet: the set lists what the others lack, and a run refuses it.
  const addInputs = async (i: number) => {
    const p = photos[i]!;
    await t!.ok('masks:save', { modelPhotoId: p.id, category: 'upper_body', pngBase64: (await solidPng(p.width, p.height, 255)).toString('base64') });
    const dp = join(t!.dir, `dp${i}.png`);
    await sharp(await solidPng(p.width, p.height, 90, 3)).toFile(dp);
    await t!.ok('densepose:import', { modelPhotoId: p.id, file: await t!.grant(dp), format: 'HD-parula' });
  };
  await addInputs(0);
  const set = await t.ok('training:createSet', {
    name: 'Tees', seed: 3, holdoutFraction: 0.2,
    pairs: photos.map((p, i) => ({ modelPhotoId: p.id, garmentId: garments[i]!.garment.id })),
  });
  assert.deepEqual([set.pairs, set.heldOut, set.incomplete], [3, 1, 2]);
  assert.deepEqual(set.items.map((p) => p.missing), [[], ['mask', 'densepose'], ['mask', 'densepose']]);
  assert.equal(set.items.filter((p) => p.split === 'heldout').length, 1);
  const again = await t.ok('training:createSet', { name: 'Tees again', seed: 3, holdoutFraction: 0.2, pairs: photos.map((p, i) => ({ modelPhotoId: p.id, garmentId: garments[i]!.garment.id })) });
  assert.deepEqual(again.items.map((p) => p.split), set.items.map((p) => p.split), 'the same seed holds out the same pair');
  await t.fails('training:createSet', { name: 'Tees', pairs: set.items.map((p) => ({ modelPhotoId: p.modelPhotoId, garmentId: p.garmentId })) }, 'conflict', /name/);
  await t.fails('training:createSet', { name: 'Dup', pairs: [{ modelPhotoId: photos[0]!.id, garmentId: garments[0]!.garment.id }, { modelPhotoId: photos[0]!.id, garmentId: garments[0]!.garment.id }] }, 'validation', /pairs\[1\]/);
  await t.fails('training:createSet', { name: 'X', pairs: [{ modelPhotoId: 999, garmentId: garments[0]!.garment.id }, { modelPhotoId: photos[0]!.id, garmentId: garments[0]!.garment.id }] }, 'not_found', /pairs\[0\]\.modelPhotoId/);

  const req: TrainingStartRequest = {
    setId: set.id, baseCheckpointId: base.id, mode: 'full', steps: 3, learningRate: 1e-4, leffaLoss: { enabled: true, weight: 0.1 },
    sampleEvery: 2, seed: 1, width: 32, height: 48, sampleSteps: 2,
  };
  await t.fails('training:start', req, 'validation', /lacks mask and densepose/);
  await t.fails('training:start', { ...req, steps: 0 }, 'validation', /payload\.steps/);
  await addInputs(1);
  await addInputs(2);
  assert.equal((await t.ok('training:setDetail', { id: set.id })).incomplete, 0);
  assert.deepEqual((await t.ok('training:sets')).items.map((s) => s.name), ['Tees again', 'Tees']);

  // A full finetune: 3 steps, samples at steps 2 and 3, registered as a checkpoint.
  const tensorsBefore = (await engine.request('memory', {})).numTensors;
  const run = await t.ok('training:start', req);
  assert.equal(run.status, 'queued');
  await until(run.id, 'succeeded');
  assert.equal((await engine.request('memory', {})).numTensors, tensorsBefore, 'training left no tensor behind in the worker');
  assert.deepEqual(statusOf(run.id), ['queued', 'running', 'succeeded']);
  const steps = trainingEvents().filter((e) => e.type === 'step' && e.runId === run.id);
  assert.deepEqual(steps.map((e) => e.type === 'step' && e.metric.step), [1, 2, 3]);
  const detail = await t.ok('training:run', { id: run.id });
  assert.equal(detail.metrics.length, 3);
  for (const m of detail.metrics) {
    assert.ok(Number.isFinite(m.total) && Number.isFinite(m.diffusion) && m.total >= 0, `finite loss ${JSON.stringify(m)}`);
    assert.equal(m.lr, 1e-4);
    assert.ok(m.leffa === null || Number.isFinite(m.leffa));
  }
  assert.deepEqual(detail.samples.map((s) => s.step), [2, 3]);
  const sample = t.host.catalog.requireBlob(detail.samples[0]!.blobHash);
  const meta = await sharp(readFileSync(sample.path)).metadata();
  assert.deepEqual([meta.width, meta.height], [32 * 4, 48], 'one held-out pair: person | garment | masked | generated');
  assert.ok(trainingEvents().some((e) => e.type === 'sample' && e.runId === run.id));
  assert.ok(!existsSync(join(t.host.projects.project!.dir, 'training', `run-${run.id}`)), 'a finished run leaves no folder (its checkpoint and samples are in the store)');
  const tuned = await t.ok('checkpoints:get', { id: detail.checkpointId! });
  assert.equal(tuned.kind, 'finetune');
  assert.equal(tuned.parentId, base.id);
  assert.equal(tuned.baseConfig, base.baseConfig);
  assert.equal((tuned.trainingRun as { runId: number }).runId, run.id);
  assert.deepEqual((tuned.trainingRun as { config: TrainingStartRequest }).config, req);
  assert.ok(Number.isFinite((tuned.trainingRun as { finalLoss: { total: number } }).finalLoss.total));
  assert.equal((await t.ok('queue:state')).paused, false, 'the generation queue runs again once training ended');

  const batch = await t.ok('batches:enqueue', { checkpointId: tuned.id, garmentIds: [garments[0]!.garment.id], modelPhotoIds: [photos[0]!.id], seeds: [5], settings: [{ steps: 2 }] });
  await batchDone(batch.batchId);
  const results = await t.ok('results:list', { batchId: batch.batchId });
  assert.equal(results.items.length, 1);
  assert.equal(results.items[0]!.checkpointId, tuned.id);

  // Stop after the first step: the run pauses with a checkpoint; resume continues from there, not from 0.
  const run2 = await t.ok('training:start', { ...req, steps: 4, sampleEvery: 0, seed: 2 });
  await waitFor(() => trainingEvents().some((e) => e.type === 'step' && e.runId === run2.id), 120_000, 'the first step');
  await t.ok('training:stop', { id: run2.id });
  await until(run2.id, 'paused');
  const paused = await t.ok('training:run', { id: run2.id });
  const runDir = join(t.host.projects.project!.dir, 'training', `run-${run2.id}`);
  assert.ok(existsSync(join(runDir, 'dataset', 'pairs.jsonl')), 'the materialised dataset is in the project');
  assert.ok(existsSync(join(runDir, 'output', 'checkpoints', 'latest.json')), 'a paused run keeps its resume checkpoint');
  assert.ok(paused.step >= 1 && paused.step < 4, `paused at ${paused.step}`);
  assert.equal(paused.checkpointId, null);
  await t.fails('training:stop', { id: run2.id }, 'conflict');
  const before = trainingEvents().length;
  await t.ok('training:resume', { id: run2.id });
  await until(run2.id, 'succeeded');
  const resumedSteps = trainingEvents().slice(before).filter((e) => e.type === 'step' && e.runId === run2.id).map((e) => e.type === 'step' && e.metric.step);
  assert.equal(resumedSteps[0], paused.step + 1, `resumed at step ${resumedSteps[0]}, paused at ${paused.step}`);
  assert.deepEqual((await t.ok('training:run', { id: run2.id })).metrics.map((m) => m.step), [1, 2, 3, 4]);

  // LoRA: an adapter checkpoint, merged into its parent's weights when a batch uses it.
  const run3 = await t.ok('training:start', { ...req, mode: 'lora', rank: 2, steps: 2, learningRate: 1e-3, leffaLoss: { enabled: false, weight: 0 } });
  await until(run3.id, 'succeeded');
  const lora = await t.ok('checkpoints:get', { id: (await t.ok('training:run', { id: run3.id })).checkpointId! });
  assert.equal(lora.kind, 'LoRA');
  assert.equal(lora.parentId, base.id);
  assert.ok(lora.size < base.size / 4, `the adapter (${lora.size} B) is far smaller than the model (${base.size} B)`);

  const cmp = await t.ok('training:compare', { checkpointId: lora.id, garmentIds: [garments[1]!.garment.id], modelPhotoIds: [photos[1]!.id], seeds: [9], settings: [{ steps: 2 }] });
  assert.equal(cmp.finetuned.checkpointId, lora.id);
  assert.equal(cmp.base.checkpointId, base.id);
  assert.deepEqual([cmp.finetuned.created, cmp.base.created], [1, 1]);
  await batchDone(cmp.finetuned.batchId);
  await batchDone(cmp.base.batchId);
  const [a, b] = [await t.ok('results:list', { batchId: cmp.finetuned.batchId }), await t.ok('results:list', { batchId: cmp.base.batchId })];
  assert.equal(a.items.length, 1, 'the LoRA batch produced its result');
  assert.equal(b.items.length, 1);
  assert.notEqual(a.items[0]!.blobHash, b.items[0]!.blobHash, 'the LoRA changed the output');
  const rec = ((await t.ok('results:get', { id: a.items[0]!.id })).record as { engine: { generator: { lora?: { sha256: string }; weights: { sha256: string } } } }).engine;
  assert.equal(rec.generator?.lora?.sha256, lora.blobHash, 'the record names the adapter');
  assert.equal(rec.generator?.weights.sha256, base.blobHash, 'and the base weights it was merged into');
  const names = (await t.ok('batches:list', {})).items.map((x) => x.name);
  assert.ok(names.some((n) => n.includes('(finetuned)')) && names.some((n) => n.includes('(base of')));
  await t.fails('training:compare', { checkpointId: base.id, garmentIds: [garments[0]!.garment.id], modelPhotoIds: [photos[0]!.id], seeds: [1] }, 'validation', /no base checkpoint/);
});
