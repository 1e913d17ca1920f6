// FinetuneState (the Finetune screen) against a scripted api: loading sets and runs, the pair builder,
// the start request built from the form, pushed training:events folded into the runs and the open run,
// stop / resume / compare, and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type {
  BatchEnqueued, GarmentListItem, ModelPhotoListItem, TrainingMetric, TrainingPair, TrainingRunDetail, TrainingRunSummary, TrainingSetDetail,
} from '../../preload/contract.ts';
import { fakeApi, fails } from './fake-api.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { FinetuneState, defaultRunForm, startRequest } = await import('../../renderer/src/lib/state/finetune.svelte.ts');

function runSummary(id: number, over: Partial<TrainingRunSummary> = {}): TrainingRunSummary {
  return {
    id, setId: 1, setName: 'Set 1', baseCheckpointId: 1, mode: 'lora', status: 'queued', step: 0, totalSteps: 100, error: null, checkpointId: null,
    createdAt: id, startedAt: null, finishedAt: null, ...over,
  };
}

function runDetail(id: number, over: Partial<TrainingRunDetail> = {}): TrainingRunDetail {
  return { ...runSummary(id), config: startRequest(1, defaultRunForm()), metrics: [], samples: [], ...over };
}

function pair(id: number, garmentId: number, modelPhotoId: number, split: 'train' | 'heldout'): TrainingPair {
  return {
    id, position: id, modelPhotoId, modelPhotoName: `m${modelPhotoId}`, modelPhotoHash: 'm'.repeat(64), garmentId, garmentSku: `S${garmentId}`,
    garmentPhotoId: garmentId, garmentPhotoHash: 'g'.repeat(64), category: 'upper_body', split, missing: [],
  };
}

function setDetail(id: number, items: TrainingPair[] = []): TrainingSetDetail {
  return {
    id, name: `Set ${id}`, seed: 1, holdoutFraction: 0.1, pairs: items.length, heldOut: items.filter((p) => p.split === 'heldout').length,
    incomplete: 0, createdAt: id, items,
  };
}

function photo(id: number, over: Partial<ModelPhotoListItem> = {}): ModelPhotoListItem {
  return { id, name: `m${id}`, blobHash: 'm'.repeat(64), width: 768, height: 1024, notes: null, createdAt: id, masks: {}, denseposeFormats: [], ...over };
}

function garment(id: number, category: GarmentListItem['category']): GarmentListItem {
  return {
    id, sku: `S${id}`, name: `G${id}`, category, colourway: null, season: null, collectionId: null, tags: [], createdAt: id, updatedAt: id,
    coverHash: null, photoCount: 1,
  };
}

const metric = (step: number, total = 0.5): TrainingMetric => ({ step, total, diffusion: total, leffa: null, lr: 1e-5, gradNorm: 1, stepMs: 800 });

const enqueued = (batchId: number): BatchEnqueued => ({
  batchId, cells: 1, created: 1, skippedDone: 0, skippedPending: 0, skippedDuplicate: 0, checkpointId: 1, steps: 30, estimateMs: null, missing: [],
});

test('finetune: startRequest sends the LoRA rank only in LoRA mode and a zero weight when the Leffa loss is off', () => {
  const f = defaultRunForm();
  assert.deepEqual(startRequest(3, f), {
    setId: 3, baseCheckpointId: 0, mode: 'lora', rank: 16, steps: 1000, learningRate: 1e-5, leffaLoss: { enabled: true, weight: 0.001 },
    sampleEvery: 100, seed: 42, width: 384, height: 512, sampleSteps: 20,
  });
  const full = startRequest(3, { ...f, mode: 'full', baseCheckpointId: 9, leffaEnabled: false, leffaWeight: 0.5 });
  assert.equal('rank' in full, false);
  assert.equal(full.baseCheckpointId, 9);
  assert.deepEqual(full.leffaLoss, { enabled: false, weight: 0 });
});

test('finetune: load reads sets, runs, photos and garments, then opens the first set and the newest run', async () => {
  const api = fakeApi({
    'training:sets': { items: [setDetail(4), setDetail(2)] },
    'training:runs': { items: [runSummary(8, { setId: 4 }), runSummary(5)], queuePaused: true },
    'models:list': { items: [photo(1)] },
    'garments:list': { items: [garment(1, 'dresses')], nextBeforeId: null, total: 1 },
    'training:setDetail': ({ id }) => setDetail(id),
    'training:run': ({ id }) => runDetail(id),
  });
  const ft = new FinetuneState(api);
  await ft.load();
  assert.deepEqual(api.callsTo('garments:list'), [{ limit: 500 }]);
  assert.deepEqual(api.callsTo('training:setDetail'), [{ id: 4 }]);
  assert.deepEqual(api.callsTo('training:run'), [{ id: 8 }]);
  assert.equal(ft.set?.id, 4);
  assert.equal(ft.run?.id, 8);
  assert.equal(ft.queuePaused, true);
  assert.equal(ft.loaded, true);
  assert.equal(ft.busy, false);

  // A reload keeps the open set and run rather than jumping back to the first.
  await ft.openSet(2);
  await ft.openRun(5);
  await ft.load();
  assert.deepEqual(api.callsTo('training:setDetail').slice(-1), [{ id: 2 }]);
  assert.deepEqual(api.callsTo('training:run').slice(-1), [{ id: 5 }]);

  // A run or set that is gone since (an erasure deleted it) is not reopened: the first ones are.
  api.handlers['training:runs'] = () => ({ items: [runSummary(8, { setId: 4 })], queuePaused: false });
  api.handlers['training:sets'] = () => ({ items: [setDetail(4)] });
  await ft.load();
  assert.deepEqual(api.callsTo('training:run').slice(-1), [{ id: 8 }]);
  assert.deepEqual(api.callsTo('training:setDetail').slice(-1), [{ id: 4 }]);
  assert.equal(ft.run?.id, 8);
  assert.equal(ft.error, null);
  api.handlers['training:runs'] = () => ({ items: [], queuePaused: false });
  await ft.load();
  assert.equal(ft.run, null);

  api.handlers['training:runs'] = fails('no project is open', 'validation');
  await ft.load();
  assert.equal(ft.error, 'Could not load training: no project is open');
  assert.equal(ft.busy, false);
});

test('finetune: the pair builder adds each (photo, garment) once with the garment\'s category and lists what a pair lacks', () => {
  const ft = new FinetuneState(fakeApi());
  ft.photos = [photo(1, { masks: { upper_body: { id: 1, version: 1, blobHash: 'x' } }, denseposeFormats: ['HD-parula'] }), photo(2)];
  ft.garments = [garment(10, 'upper_body'), garment(11, 'dresses')];
  ft.pickPhoto = 1;
  ft.addPair();
  assert.equal(ft.draft.length, 0, 'no garment picked');
  ft.pickGarment = 10;
  ft.addPair();
  assert.deepEqual(ft.draft, [{ modelPhotoId: 1, garmentId: 10, category: 'upper_body' }]);
  assert.equal(ft.pickPhoto, null);
  assert.equal(ft.pickGarment, null);
  ft.pickPhoto = 1;
  ft.pickGarment = 10;
  ft.addPair();
  assert.equal(ft.draft.length, 1, 'the same pair is not added twice');
  ft.pickGarment = 11;
  ft.addPair();
  ft.pickPhoto = 2;
  ft.pickGarment = 10;
  ft.addPair();
  assert.deepEqual(ft.draft.map((p) => ft.missingOf(p)), [[], ['mask'], ['mask', 'DensePose']]);
  assert.deepEqual(ft.missingOf({ modelPhotoId: 99, garmentId: 10, category: 'upper_body' }), ['photo']);
  ft.removePair(1);
  assert.deepEqual(ft.draft.map((p) => [p.modelPhotoId, p.garmentId]), [[1, 10], [2, 10]]);
});

test('finetune: create set sends the trimmed name, the hold-out fraction and the pairs, then clears the draft', async () => {
  const api = fakeApi({ 'training:createSet': (req) => setDetail(6, req.pairs.map((p, i) => pair(i + 1, p.garmentId, p.modelPhotoId, 'train'))) });
  const ft = new FinetuneState(api);
  ft.sets = [setDetail(6), setDetail(2)];
  ft.draft = [{ modelPhotoId: 1, garmentId: 10, category: 'dresses' }];
  ft.draftName = '  Summer  ';
  ft.holdoutPercent = 25;
  assert.equal(await ft.createSet(), true);
  assert.deepEqual(api.callsTo('training:createSet'), [{ name: 'Summer', holdoutFraction: 0.25, pairs: [{ modelPhotoId: 1, garmentId: 10, category: 'dresses' }] }]);
  assert.equal(ft.set?.id, 6);
  assert.deepEqual(ft.sets.map((s) => s.id), [6, 2], 'the new set first, no duplicate');
  assert.deepEqual(ft.draft, []);
  assert.equal(ft.draftName, '');

  ft.draft = [{ modelPhotoId: 1, garmentId: 10, category: 'dresses' }];
  api.handlers['training:createSet'] = fails('name must not be empty', 'validation');
  assert.equal(await ft.createSet(), false);
  assert.equal(ft.error, 'Could not create the training set: name must not be empty');
  assert.equal(ft.draft.length, 1, 'a refused set keeps the draft');
});

test('finetune: start sends the form for the open set and opens the run; without a set it does nothing', async () => {
  const api = fakeApi({ 'training:start': (req) => runSummary(3, { setId: req.setId }), 'training:run': ({ id }) => runDetail(id, { setId: 6 }) });
  const ft = new FinetuneState(api);
  assert.equal(await ft.start(), false);
  assert.equal(api.calls.length, 0);
  ft.set = setDetail(6);
  ft.form.mode = 'full';
  ft.form.baseCheckpointId = 2;
  ft.form.steps = 50;
  assert.equal(await ft.start(), true);
  const [req] = api.callsTo('training:start') as [Record<string, unknown>];
  assert.equal(req.setId, 6);
  assert.equal(req.baseCheckpointId, 2);
  assert.equal(req.steps, 50);
  assert.equal('rank' in req, false);
  assert.deepEqual(ft.runs.map((r) => r.id), [3]);
  assert.equal(ft.run?.id, 3);

  // A status event that overtook the answer already listed the run: it is not listed twice.
  api.handlers['training:start'] = runSummary(4);
  ft.apply({ type: 'status', run: runSummary(4, { status: 'running' }), queuePaused: false });
  await ft.start();
  assert.deepEqual(ft.runs.map((r) => [r.id, r.status]), [[4, 'running'], [3, 'queued']]);
});

test('finetune: status, step and sample events update the runs list and the open run', () => {
  const ft = new FinetuneState(fakeApi());
  ft.runs = [runSummary(1, { status: 'running' }), runSummary(2)];
  ft.run = runDetail(1, { status: 'running', metrics: [metric(1), metric(2), metric(3)], samples: [{ step: 0, blobHash: 'a' }] });

  ft.apply({ type: 'step', runId: 1, totalSteps: 100, etaMs: 5000, metric: metric(4, 0.25) });
  assert.deepEqual(ft.run.metrics.map((m) => m.step), [1, 2, 3, 4]);
  assert.equal(ft.run.step, 4);
  assert.equal(ft.etaMs, 5000);
  assert.equal(ft.runs[0].step, 4);
  // Resumed from the step-2 checkpoint: steps 2.. measured before are replaced.
  ft.apply({ type: 'step', runId: 1, totalSteps: 100, etaMs: 6000, metric: metric(2, 0.125) });
  assert.deepEqual(ft.run.metrics.map((m) => [m.step, m.total]), [[1, 0.5], [2, 0.125]]);
  ft.apply({ type: 'sample', runId: 1, sample: { step: 0, blobHash: 'b' } });
  ft.apply({ type: 'sample', runId: 1, sample: { step: 100, blobHash: 'c' } });
  assert.deepEqual(ft.run.samples, [{ step: 0, blobHash: 'b' }, { step: 100, blobHash: 'c' }]);

  ft.apply({ type: 'step', runId: 2, totalSteps: 100, etaMs: 1, metric: metric(50) });
  assert.equal(ft.run.step, 2, 'another run\'s steps do not touch the open run');
  assert.equal(ft.runs[1].step, 0, 'nor the list (only the open run is followed step by step)');
  assert.equal(ft.etaMs, 6000);

  ft.apply({ type: 'status', run: runSummary(9), queuePaused: true });
  assert.deepEqual(ft.runs.map((r) => r.id), [9, 1, 2], 'a new run goes first');
  assert.equal(ft.queuePaused, true);
  assert.equal(ft.etaMs, 6000, 'another run being queued keeps the open run\'s time left');

  ft.apply({ type: 'status', run: runSummary(1, { status: 'succeeded', step: 100, checkpointId: 12 }), queuePaused: false });
  assert.equal(ft.run.status, 'succeeded');
  assert.equal(ft.run.checkpointId, 12);
  assert.equal(ft.run.metrics.length, 2, 'a status event keeps the open run\'s metrics');
  assert.equal(ft.runs[1].status, 'succeeded');
  assert.equal(ft.etaMs, null);
});

test('finetune: the time left belongs to the open run: opening another run drops it, reopening the same keeps it', async () => {
  const api = fakeApi({ 'training:run': ({ id }) => runDetail(id, { status: 'running' }) });
  const ft = new FinetuneState(api);
  await ft.openRun(1);
  ft.apply({ type: 'step', runId: 1, totalSteps: 100, etaMs: 4000, metric: metric(1) });
  await ft.openRun(1);
  assert.equal(ft.etaMs, 4000);
  await ft.openRun(2);
  assert.equal(ft.etaMs, null, 'run 2 shows no time left of run 1');
});

test('finetune: stop and resume send the id and surface a refusal', async () => {
  const api = fakeApi({ 'training:stop': ({ id }) => runSummary(id, { status: 'paused' }), 'training:resume': fails('run 3 is not paused', 'conflict') });
  const ft = new FinetuneState(api);
  assert.equal(await ft.stop(3), true);
  assert.deepEqual(api.callsTo('training:stop'), [{ id: 3 }]);
  assert.equal(await ft.resume(3), false);
  assert.deepEqual(api.callsTo('training:resume'), [{ id: 3 }]);
  assert.equal(ft.error, 'Could not resume the run: run 3 is not paused');
  assert.equal(ft.busy, false);
  assert.equal(await ft.stop(3), true);
  assert.equal(ft.error, null, 'the next success clears it');
});

test('finetune: compare queues the held-out pairs\' garments × photos (each once), reading the run\'s own set', async () => {
  const items = [pair(1, 10, 1, 'train'), pair(2, 11, 1, 'heldout'), pair(3, 11, 2, 'heldout'), pair(4, 12, 2, 'heldout')];
  const api = fakeApi({
    'training:setDetail': ({ id }) => setDetail(id, items),
    'training:compare': { finetuned: enqueued(20), base: enqueued(21) },
  });
  const ft = new FinetuneState(api);
  ft.set = setDetail(1, []); // another set is open in the builder
  ft.run = runDetail(3, { setId: 7 });
  assert.equal(await ft.compare(12, [1, 2], 30), true);
  assert.deepEqual(api.callsTo('training:setDetail'), [{ id: 7 }]);
  assert.deepEqual(api.callsTo('training:compare'), [{ checkpointId: 12, garmentIds: [11, 12], modelPhotoIds: [1, 2], seeds: [1, 2], settings: [{ steps: 30 }] }]);
  assert.equal(ft.lastCompare?.base.batchId, 21);

  // No held-out pairs: the first pair stands in.
  ft.set = setDetail(7, [pair(1, 10, 1, 'train'), pair(2, 11, 2, 'train')]);
  await ft.compare(12, [5], 10);
  assert.deepEqual(api.callsTo('training:compare')[1], { checkpointId: 12, garmentIds: [10], modelPhotoIds: [1], seeds: [5], settings: [{ steps: 10 }] });
  assert.equal(api.callsTo('training:setDetail').length, 1, 'the open set is the run\'s: not read again');

  api.handlers['training:compare'] = fails('checkpoint 12 has no accepted licence', 'validation');
  assert.equal(await ft.compare(12, [5], 10), false);
  assert.equal(ft.error, 'Could not queue the comparison: checkpoint 12 has no accepted licence');
  ft.run = null;
  ft.set = null;
  assert.equal(await ft.compare(12, [5], 10), false);
});

test('finetune: clear forgets the project; connect follows training:event until disposed', async () => {
  const api = fakeApi();
  const ft = new FinetuneState(api);
  const off = ft.connect();
  api.emit('training:event', { type: 'status', run: runSummary(1), queuePaused: false });
  assert.equal(ft.runs.length, 1);
  ft.set = setDetail(1);
  ft.run = runDetail(1);
  ft.draft = [{ modelPhotoId: 1, garmentId: 1, category: 'dresses' }];
  ft.form.baseCheckpointId = 4;
  ft.form.steps = 77;
  ft.lastCompare = { finetuned: enqueued(1), base: enqueued(2) };
  ft.etaMs = 900;
  ft.error = 'x';
  ft.loaded = true;
  ft.clear();
  assert.deepEqual([ft.sets, ft.set, ft.runs, ft.run, ft.etaMs, ft.draft, ft.lastCompare, ft.error, ft.loaded], [[], null, [], null, null, [], null, null, false]);
  assert.equal(ft.form.baseCheckpointId, null, 'the old project\'s checkpoint is not offered');
  assert.equal(ft.form.steps, 77, 'the rest of the form stays');
  off();
  assert.equal(api.listenerCount('training:event'), 0);
  api.emit('training:event', { type: 'status', run: runSummary(2), queuePaused: false });
  assert.equal(ft.runs.length, 0);
});
