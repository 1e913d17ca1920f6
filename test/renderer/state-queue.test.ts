// The batch builder, the live queue and the mask editor's state against a scripted api.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import sharp from 'sharp';
import type { BatchPlan, BatchSummary, QueueCell, QueueState } from '../../preload/contract.ts';
import { fakeApi, sleep, tick } from './fake-api.ts';
import { MaskBuffer } from '../../renderer/src/lib/mask/mask-buffer.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { BatchBuilderState } = await import('../../renderer/src/lib/state/batch-builder.svelte.ts');
const { QueueStore, batchProgress } = await import('../../renderer/src/lib/state/queue.svelte.ts');
const { MaskEditorState } = await import('../../renderer/src/lib/state/mask-editor.svelte.ts');

function plan(over: Partial<BatchPlan> = {}): BatchPlan {
  return { cells: 4, created: 4, skippedDone: 0, skippedPending: 0, skippedDuplicate: 0, checkpointId: 1, steps: 30, estimateMs: null, missing: [], ...over };
}

test('batch builder: live cell count, problems, a debounced preview, and enqueue', async () => {
  const api = fakeApi({
    'batches:preview': (spec) => plan({ cells: spec.garmentIds.length * spec.modelPhotoIds.length * spec.seeds.length, created: 3, skippedDone: 1, estimateMs: 9000 }),
    'batches:enqueue': (spec) => ({ ...plan({ cells: 4, created: 3, skippedDone: 1 }), batchId: 9, steps: spec.settings?.[0].steps ?? 30 }),
  });
  const b = new BatchBuilderState(api, 5);
  assert.equal(b.problem, 'Pick at least one garment.');
  b.setGarments([1, 2]);
  b.setModelPhotos([5]);
  b.toggleModelPhoto(6);
  assert.equal(b.cells, 4);
  assert.equal(b.problem, null);
  b.settings.seedMode = 'list';
  b.settings.seedList = '1, x';
  assert.match(b.problem!, /"x" is not a seed/);
  b.changed();
  assert.equal(b.plan === null, true, 'no preview while the form has a problem');
  b.settings.seedList = '7';
  b.settings.steps = 12;
  b.changed();
  b.changed();
  assert.equal(b.planning, true);
  await sleep(30);
  assert.equal(api.callsTo('batches:preview').length, 1, 'rapid changes ask once');
  assert.deepEqual(api.callsTo('batches:preview')[0], {
    garmentIds: [1, 2], modelPhotoIds: [5, 6], seeds: [7],
    settings: [{ steps: 12, guidanceScale: 2.5, refAcceleration: false, repaint: false }],
  });
  assert.equal(b.plan?.skippedDone, 1);
  assert.equal(b.estimate, 9000);
  const queued = await b.enqueue();
  assert.equal(queued?.batchId, 9);
  assert.equal(b.plan?.created, 0, 'the same form now queues nothing new');

  // Without a host estimate, the queue's measured step time is used.
  api.handlers['batches:preview'] = plan({ created: 2, estimateMs: null });
  await b.refreshPlan();
  b.msPerStep = 100;
  assert.equal(b.estimate, 2 * 12 * 100);
  b.dispose();
});

test('batch builder: a slow preview for an old form does not overwrite the new one', async () => {
  const releases: Array<() => void> = [];
  const api = fakeApi({
    'batches:preview': (spec) => new Promise((resolve) => releases.push(() => resolve(plan({ cells: spec.garmentIds.length })))),
  });
  const b = new BatchBuilderState(api, 60_000); // the debounced refresh never fires here
  b.setModelPhotos([1]);
  b.setGarments([1]);
  const first = b.refreshPlan();
  b.setGarments([1, 2]);
  const second = b.refreshPlan();
  await tick();
  releases[1]();
  await second;
  releases[0]();
  await first;
  assert.equal(b.plan?.cells, 2);
  b.dispose();
});

const counts = (over: Partial<QueueState['counts']> = {}) => ({ queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, total: 0, ...over });

function cell(jobId: number, over: Partial<QueueCell> = {}): QueueCell {
  return {
    jobId, batchId: 1, garmentId: jobId, modelPhotoId: 1, checkpointId: 1, seed: 1,
    settings: { steps: 4, guidanceScale: 2.5, refAcceleration: false, repaint: false },
    status: 'queued', statusSeq: 1, attempt: 0, progress: 0, stepMs: null, runMs: null, error: null, retriedFrom: null,
    resultId: null, resultHash: null, createdAt: 1, startedAt: null, finishedAt: null, ...over,
  };
}

test('queue: loads, opens the active batch, and follows events; stale events are dropped', async () => {
  const batch: BatchSummary = { id: 1, name: 'B1', checkpointId: 1, priority: 0, createdAt: 1, counts: counts({ queued: 2, total: 2 }), finished: false };
  const state: QueueState = { paused: false, runnerActive: true, counts: counts({ queued: 2, total: 2 }), eta: { remainingSteps: 8, msPerStep: null, etaMs: null }, current: null };
  const api = fakeApi({
    'queue:state': state,
    'batches:list': { items: [batch] },
    'queue:cells': { items: [cell(1), cell(2)], nextAfterId: null },
  });
  const q = new QueueStore(api, 10_000);
  const finished: number[] = [];
  q.onBatchFinished = (b) => finished.push(b.id);
  q.connect();
  await q.load();
  assert.ok(q.expanded.has(1));
  assert.equal(q.cells.get(1)?.length, 2);

  api.emit('queue:event', { type: 'cell', jobId: 1, batchId: 1, from: 'queued', to: 'running', statusSeq: 2, attempt: 1 });
  api.emit('queue:event', { type: 'progress', jobId: 1, batchId: 1, statusSeq: 2, step: 2, steps: 4, progress: 0.5, stepMs: 50, etaMs: 100 });
  api.emit('queue:event', { type: 'preview', jobId: 1, batchId: 1, step: 2, width: 8, height: 8, dataUrl: 'data:image/png;base64,AAAA' });
  assert.equal(q.cells.get(1)?.[0].status, 'running');
  assert.equal(q.live.get(1)?.progress, 0.5);
  assert.equal(q.previews.get(1)?.step, 2);
  assert.deepEqual(q.state?.current, { jobId: 1, batchId: 1, step: 2, steps: 4, etaMs: 100 });
  assert.equal(q.batches[0].counts.running, 1);
  assert.equal(batchProgress(q.batches[0].counts, 0.5), 0.25);

  api.emit('queue:event', { type: 'cell', jobId: 1, batchId: 1, from: 'running', to: 'succeeded', statusSeq: 3, attempt: 1, resultId: 11, resultHash: 'r'.repeat(64) });
  // Arriving late: the running event and progress of the finished cell change nothing.
  api.emit('queue:event', { type: 'cell', jobId: 1, batchId: 1, from: 'queued', to: 'running', statusSeq: 2, attempt: 1 });
  api.emit('queue:event', { type: 'progress', jobId: 1, batchId: 1, statusSeq: 2, step: 3, steps: 4, progress: 0.75, stepMs: 50, etaMs: 50 });
  const done = q.cells.get(1)![0];
  assert.equal(done.status, 'succeeded');
  assert.equal(done.resultHash, 'r'.repeat(64));
  assert.equal(q.live.has(1), false);
  assert.equal(q.previews.has(1), false);
  assert.equal(q.state?.current, null);
  assert.deepEqual(q.batches[0].counts, counts({ queued: 1, succeeded: 1, total: 2 }));

  api.emit('queue:event', { type: 'cell', jobId: 2, batchId: 1, from: 'queued', to: 'running', statusSeq: 2, attempt: 1 });
  api.emit('queue:event', { type: 'cell', jobId: 2, batchId: 1, from: 'running', to: 'failed', statusSeq: 3, attempt: 1, error: 'out of memory' });
  assert.deepEqual(q.cells.get(1)![1].error, { type: null, message: 'out of memory' });
  api.emit('queue:event', { type: 'batch-finished', batchId: 1, counts: counts({ succeeded: 1, failed: 1, total: 2 }) });
  api.emit('queue:event', { type: 'batch-finished', batchId: 1, counts: counts({ succeeded: 1, failed: 1, total: 2 }) });
  assert.deepEqual(finished, [1], 'announced once');
  assert.equal(q.batches[0].finished, true);

  api.emit('queue:event', { type: 'state', paused: true, runnerActive: true });
  assert.equal(q.state?.paused, true);
  q.dispose();
});

test('queue: pause/resume, cancel and retry call the host and refresh', async () => {
  const state: QueueState = { paused: false, runnerActive: true, counts: counts(), eta: { remainingSteps: 0, msPerStep: null, etaMs: null }, current: null };
  const api = fakeApi({
    'queue:state': state,
    'batches:list': { items: [] },
    'queue:pause': { ...state, paused: true },
    'queue:resume': state,
    'queue:cancel': { cancelled: 1 },
    'queue:retry': { created: [5] },
  });
  const q = new QueueStore(api, 1);
  await q.load();
  await q.togglePause();
  assert.equal(q.state?.paused, true);
  await q.togglePause();
  assert.equal(q.state?.paused, false);
  await q.cancelCell(3);
  await q.cancelBatch(1);
  await q.retry(1);
  assert.deepEqual(api.callsTo('queue:cancel'), [{ jobId: 3 }, { batchId: 1 }]);
  assert.deepEqual(api.callsTo('queue:retry'), [{ batchId: 1 }]);
  await sleep(20);
  assert.ok(api.callsTo('queue:state').length >= 2, 'refreshed after the actions');
  api.handlers['queue:cancel'] = () => {
    throw Object.assign(new Error('job 3 already succeeded'), { kind: 'conflict' });
  };
  await q.cancelCell(3);
  assert.equal(q.error, 'Could not cancel the cell: job 3 already succeeded');
  q.dispose();
});

test('mask editor: pointer input maps through zoom/pan, strokes undo as one, save sends a grey PNG', async () => {
  const api = fakeApi({
    'masks:save': (req) => ({ id: 3, modelPhotoId: req.modelPhotoId, category: req.category, version: 3, blobHash: 'm'.repeat(64), origin: 'manual', createdAt: 1 }),
  });
  const editor = new MaskEditorState({ modelPhotoId: 7, category: 'upper_body', mask: new MaskBuffer(100, 80), baseVersion: null });
  const repaints: unknown[] = [];
  editor.onPaint = (r) => repaints.push(r);
  editor.setViewport({ width: 432, height: 352 }, true);
  assert.deepEqual(editor.view, { scale: 4, x: 16, y: 16 }, 'fits 100×80 into 432×352 with 16 px padding');
  editor.radius = 5;
  // Screen (216, 176) is the viewport centre = image (50, 40).
  editor.pointerDown(216, 176);
  editor.pointerMove(256, 176);
  editor.pointerUp();
  assert.equal(editor.doc.mask.get(50, 40), 255);
  assert.equal(editor.doc.mask.get(59, 40), 255, 'image x = 50 + 40 / 4');
  assert.equal(editor.doc.mask.get(70, 40), 0);
  assert.ok(editor.dirty && editor.canUndo && !editor.canRedo);
  assert.ok(repaints.length >= 2);

  editor.pointerDown(0, 0, true);
  editor.pointerMove(40, 20);
  editor.pointerUp();
  assert.deepEqual([editor.view.x - 16, editor.view.y - 16], [40, 20], 'panned by the drag');
  editor.zoomBy(2, 0, 0);
  assert.equal(editor.view.scale, 8);

  editor.stepRadius(1);
  assert.equal(editor.radius, 6);
  editor.setRadius(10_000);
  assert.equal(editor.radius, 256);

  editor.undo();
  assert.equal(editor.doc.mask.count(), 0);
  assert.ok(editor.canRedo);
  editor.redo();
  editor.invert();
  const coverage = editor.coverage;
  assert.ok(coverage > 0.9 && coverage < 1);

  const mask = await editor.save(api);
  assert.equal(mask?.version, 3);
  assert.equal(editor.dirty, false);
  const [req] = api.callsTo('masks:save') as [{ modelPhotoId: number; category: string; origin: string; pngBase64: string }];
  assert.deepEqual([req.modelPhotoId, req.category, req.origin], [7, 'upper_body', 'manual']);
  const png = Buffer.from(req.pngBase64, 'base64');
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [100, 80]);
  assert.deepEqual(Buffer.from(data), Buffer.from(editor.doc.mask.data));
});
