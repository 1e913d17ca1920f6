// The persistent queue: enqueueing a matrix (with dedup), the state machine and its single transition
// function, claims by priority, pause/resume, cancel, retry, crash recovery and ETA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JOB_STATUSES, JobStore, canTransition, isTerminal, type QueueEvent } from '../../../main/queue/index.ts';
import { StoreError } from '../../../main/store/index.ts';
import { count, tempProject } from '../store/helpers.ts';
import { addFixture } from './helpers.ts';

test('the state machine: terminal states are final, running may go back to queued only', () => {
  const moves = JOB_STATUSES.flatMap((from) => JOB_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`));
  assert.deepEqual(moves, ['queued>running', 'queued>cancelled', 'running>queued', 'running>succeeded', 'running>failed', 'running>cancelled']);
  assert.deepEqual(JOB_STATUSES.filter(isTerminal), ['succeeded', 'failed', 'cancelled']);
});

test('enqueue: one job per cell with resolved inputs; done and pending cells are skipped; bad ids write nothing', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const jobs = new JobStore(project);
    const fx = await addFixture(project, { garments: 3, people: 2 });
    const added: QueueEvent[] = [];
    jobs.events.on('jobs-added', (e) => added.push(e));
    const spec = { checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1, 2], settings: [{ steps: 4 }, { steps: 4, guidanceScale: 3 }] };
    const r1 = jobs.enqueueBatch(spec);
    assert.deepEqual({ ...r1, batchId: 0 }, { batchId: 0, cells: 24, created: 24, skippedDone: 0, skippedPending: 0, skippedDuplicate: 0 });
    assert.deepEqual(added, [{ type: 'jobs-added', batchId: r1.batchId, created: 24 }]);
    const job = jobs.list({ batchId: r1.batchId, limit: 1 })[0]!;
    const work = jobs.cellWork(job.id);
    assert.equal(work.mask?.version, 1, 'the latest upper-body mask of the model photo');
    assert.equal(work.densepose?.format, 'HD-parula', 'the DensePose format a try-on-HD checkpoint wants');
    assert.deepEqual(work.settings, { steps: 4, guidanceScale: 2.5, refAcceleration: false, repaint: false }, 'settings normalised');
    assert.ok(work.checkpoint.path.endsWith(work.checkpoint.hash));

    // The same matrix again: every cell is pending already. Default settings equal to explicit ones dedupe too.
    const r2 = jobs.enqueueBatch({ ...spec, settings: [{ steps: 4, guidanceScale: 2.5 }, { steps: 4, guidanceScale: 3, repaint: false }] });
    assert.deepEqual([r2.created, r2.skippedPending], [0, 24]);
    const r3 = jobs.enqueueBatch({ ...spec, seeds: [1, 1, 3], settings: [{ steps: 4 }] });
    assert.deepEqual([r3.cells, r3.created, r3.skippedPending, r3.skippedDuplicate], [18, 6, 6, 6]);

    const before = count(project, 'jobs');
    const batches = count(project, 'batches');
    assert.throws(() => jobs.enqueueBatch({ ...spec, garmentIds: [fx.garmentIds[0]!, 999] }), /enqueueBatch: garmentIds\[1\] is 999; expected the id of an existing garment/);
    assert.throws(() => jobs.enqueueBatch({ ...spec, modelPhotoIds: [] }), /enqueueBatch: modelPhotoIds is \[\]; expected array to have >=1 items/);
    assert.throws(() => jobs.enqueueBatch({ ...spec, seeds: [-1] }), /enqueueBatch: seeds\[0\] is -1; expected number to be >=0/);
    assert.throws(() => jobs.enqueueBatch({ ...spec, settings: [{ stepz: 3 } as never] }), /enqueueBatch: settings\[0\] is \{"stepz":3\}; expected no unknown keys/);
    const bare = project.garments.add({ sku: 'NOPHOTO', name: 'x', category: 'dresses' });
    assert.throws(() => jobs.enqueueBatch({ ...spec, garmentIds: [bare.id] }), /garmentIds\[0\] is \d+; expected a garment with at least one photo \(garment \d+, SKU NOPHOTO, has none\)/);
    assert.deepEqual([count(project, 'jobs'), count(project, 'batches')], [before, batches], 'nothing written');
  } finally {
    await t.cleanup();
  }
});

// The bench (scripts/bench-store.ts) measures it against a million results (~0.45 s); this guards the
// order of magnitude with room for a busy CI machine.
test('enqueueing 10,000 cells takes about half a second', async () => {
  const t = await tempProject();
  try {
    const jobs = new JobStore(t.project);
    const fx = await addFixture(t.project, { garments: 10, people: 10 });
    const seeds = Array.from({ length: 100 }, (_, i) => i);
    const t0 = performance.now();
    const r = jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds });
    const ms = performance.now() - t0;
    assert.equal(r.created, 10_000);
    assert.ok(ms < 2000, `10,000 cells took ${ms.toFixed(0)} ms`);
    const t1 = performance.now();
    const again = jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds });
    assert.equal(again.skippedPending, 10_000);
    assert.ok(performance.now() - t1 < 2000);
  } finally {
    await t.cleanup();
  }
});

test('transition: one function, refuses to leave a terminal state, bumps status_seq, emits only after commit', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const jobs = new JobStore(project);
    const fx = await addFixture(project, { garments: 1 });
    const { batchId } = jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1, 2] });
    const [a, b] = jobs.list({ batchId });
    const events: QueueEvent[] = [];
    jobs.events.on('job-status', (e) => events.push(e));

    const claimed = jobs.claimNext('w1')!;
    assert.deepEqual([claimed.id, claimed.status, claimed.statusSeq, claimed.attempt, claimed.claimedBy], [a!.id, 'running', 1, 1, 'w1']);
    jobs.transition(a!.id, 'failed', { error: { type: 'Boom', message: 'out of memory' } });
    assert.deepEqual(events.map((e) => e.type === 'job-status' && [e.jobId, e.from, e.to, e.statusSeq]), [[a!.id, 'queued', 'running', 1], [a!.id, 'running', 'failed', 2]]);
    assert.deepEqual(jobs.get(a!.id)!.error, { type: 'Boom', message: 'out of memory', stack: null });

    for (const to of ['queued', 'running', 'succeeded', 'cancelled'] as const) {
      assert.throws(() => jobs.transition(a!.id, to), (err: unknown) =>
        err instanceof StoreError && err.kind === 'conflict' && new RegExp(`transition: to is "${to}"; expected no change: job ${a!.id} is failed, a final state`).test(err.message));
    }
    assert.throws(() => jobs.transition(b!.id, 'succeeded'), /transition: to is "succeeded"; expected one of running, cancelled \(job \d+ is queued\)/);
    assert.equal(jobs.get(a!.id)!.statusSeq, 2, 'refused moves change nothing');

    // A change inside a transaction that rolls back emits nothing.
    const n = events.length;
    assert.throws(() => project.db.transaction(() => jobs.cancelJob(b!.id))(), /outside db.transaction/);
    assert.equal(events.length, n);
    assert.equal(jobs.get(b!.id)!.status, 'queued');
  } finally {
    await t.cleanup();
  }
});

test('claims follow priority then age; pause stops claims and survives reopening', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    let jobs = new JobStore(project);
    const fx = await addFixture(project, { garments: 1 });
    const base = { checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds };
    const low = jobs.enqueueBatch({ ...base, seeds: [1, 2] });
    const high = jobs.enqueueBatch({ ...base, seeds: [3], priority: 5 });
    const order = [jobs.claimNext('w')!, jobs.claimNext('w')!].map((j) => j.batchId);
    assert.deepEqual(order, [high.batchId, low.batchId]);
    jobs.setBatchPriority(low.batchId, 9);
    const later = jobs.enqueueBatch({ ...base, seeds: [4], priority: 8 });
    assert.equal(jobs.claimNext('w')!.batchId, low.batchId, 'raised priority applies to its queued cells');
    assert.throws(() => jobs.setBatchPriority(999, 1), /setBatchPriority: batchId is 999; expected the id of an existing batch/);

    const states: boolean[] = [];
    jobs.events.on('queue-state', (e) => states.push(e.paused));
    jobs.pause();
    jobs.pause();
    assert.equal(jobs.claimNext('w'), null);
    project.close();
    const { openProject } = await import('../../../main/store/index.ts');
    const reopened = await openProject({ dir: t.dir });
    jobs = new JobStore(reopened);
    assert.equal(jobs.isPaused(), true, 'pause is persistent');
    jobs.resume();
    assert.equal(jobs.claimNext('w')!.batchId, later.batchId);
    assert.deepEqual(states, [true]);
    reopened.close();
  } finally {
    await t.cleanup();
  }
});

test('cancel a cell, a batch or everything; retry failed makes new jobs pointing back', async () => {
  const t = await tempProject();
  try {
    const jobs = new JobStore(t.project);
    const fx = await addFixture(t.project, { garments: 2 });
    const base = { checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds };
    const b1 = jobs.enqueueBatch({ ...base, seeds: [1, 2] });
    const b2 = jobs.enqueueBatch({ ...base, seeds: [3] });
    const first = jobs.list({ batchId: b1.batchId })[0]!;
    assert.equal(jobs.cancelJob(first.id).status, 'cancelled');
    assert.throws(() => jobs.cancelJob(first.id), /is cancelled, a final state/);
    assert.equal(jobs.cancelBatch(b1.batchId), 3);
    assert.deepEqual(jobs.counts({ batchId: b1.batchId }), { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 4, total: 4 });

    const running = jobs.claimNext('w')!;
    assert.equal(jobs.fail(running.id, 'w', new Error('CUDA out of memory')), true);
    assert.equal(jobs.fail(running.id, 'w', new Error('again')), false, 'a finished job is not failed twice');
    const retry = jobs.retryFailed({ batchId: b2.batchId });
    assert.equal(retry.created.length, 1);
    const copy = jobs.get(retry.created[0]!)!;
    assert.deepEqual([copy.status, copy.retriedFrom, copy.attempt, copy.settingsHash], ['queued', running.id, 0, running.settingsHash]);
    assert.equal(jobs.retryFailed().created.length, 0, 'each failed job is retried once');

    assert.equal(jobs.cancelAll(), 2);
    assert.deepEqual(jobs.counts(), { queued: 0, running: 0, succeeded: 0, failed: 1, cancelled: 6, total: 7 });
  } finally {
    await t.cleanup();
  }
});

test('recovery re-queues cells a dead runner held; a cell that keeps crashing fails instead', async () => {
  const t = await tempProject();
  try {
    const jobs = new JobStore(t.project);
    const fx = await addFixture(t.project, { garments: 1 });
    jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1, 2] });
    const a = jobs.claimNext('dead-runner')!;
    const r1 = jobs.recover('new-runner', 2);
    assert.deepEqual(r1, { requeued: [a.id], failed: [] });
    assert.deepEqual([jobs.get(a.id)!.status, jobs.get(a.id)!.claimedBy, jobs.get(a.id)!.attempt], ['queued', null, 1]);
    const again = jobs.claimNext('dead-runner-2')!;
    assert.equal(again.id, a.id);
    assert.equal(again.attempt, 2);
    const r2 = jobs.recover('new-runner', 2);
    assert.deepEqual(r2, { requeued: [], failed: [a.id] });
    assert.match(jobs.get(a.id)!.error!.message, /the app stopped 2 times while this cell was running/);
    const mine = jobs.claimNext('new-runner')!;
    assert.deepEqual(jobs.recover('new-runner'), { requeued: [], failed: [] }, "a runner's own cell is not recovered");
    assert.equal(jobs.get(mine.id)!.status, 'running');
  } finally {
    await t.cleanup();
  }
});

test('ETA comes from measured step times of finished cells times the steps left', async () => {
  const t = await tempProject();
  try {
    const jobs = new JobStore(t.project);
    const fx = await addFixture(t.project, { garments: 1 });
    const { batchId } = jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1, 2, 3], settings: [{ steps: 10 }] });
    assert.deepEqual(jobs.eta(), { remainingSteps: 30, msPerStep: null, etaMs: null });
    const a = jobs.claimNext('w')!;
    jobs.transition(a.id, 'succeeded', { runMs: 1000, stepMs: 100 });
    const b = jobs.claimNext('w')!;
    jobs.reportProgress(b.id, 0.5, 120);
    assert.deepEqual(jobs.eta({ batchId }), { remainingSteps: 15, msPerStep: 100, etaMs: 1500 });
  } finally {
    await t.cleanup();
  }
});
