// The queue runner in-process with a model-free runCell: results and records stored, failures recorded,
// cancel reaching into a running cell, stop putting the cell back, pause, and a cancelled cell's late
// output thrown away. Timing never decides an outcome: the tests resolve promises by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { JobStore, QueueRunner, type CellOutput, type QueueEvent } from '../../../main/queue/index.ts';
import type { CellWork } from '../../../main/queue/cell-work.ts';
import type { RunCellContext } from '../../../main/queue/runner.ts';
import { listBlobFiles } from '../../../main/store/integrity.ts';
import { count, pngBytes, tempProject } from '../store/helpers.ts';
import { addFixture, deferred, fakeRunCell } from './helpers.ts';

/** The parts of the reproducibility record this file checks. */
interface RecordShape {
  format: string;
  seed: number;
  settings: unknown;
  settingsHash: string;
  inputs: {
    garment: { photoHash: string };
    person: { hash: string };
    mask: { id: number; hash: string };
    densepose: { id: number; format: string; approximated: boolean };
    checkpoint: { hash: string; commercialUse: boolean };
  };
  engine: unknown;
  timing: { runMs: number; startedAt: number; finishedAt: number };
}

test('the runner runs every cell once and stores each image with a full reproducibility record', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const jobs = new JobStore(project);
    const fx = await addFixture(project, { garments: 2, people: 2 });
    const { batchId } = jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [7], settings: [{ steps: 3 }] });
    const fake = fakeRunCell();
    const progress: QueueEvent[] = [];
    jobs.events.on('job-progress', (e) => progress.push(e));
    jobs.events.on('job-status', () => {});
    const runner = new QueueRunner({ jobs, runCell: fake.run, progressIntervalMs: 0 });
    runner.start();
    await runner.whenIdle();
    await runner.stop();
    assert.equal(jobs.events.listenerCount(), 2, "the runner's listeners are gone; the test's two remain");

    assert.deepEqual(jobs.counts({ batchId }), { queued: 0, running: 0, succeeded: 4, failed: 0, cancelled: 0, total: 4 });
    assert.equal(fake.calls.length, 4);
    assert.equal(new Set(fake.calls).size, 4, 'no cell ran twice');
    assert.equal(progress.length, 12, 'one progress event per step with a 0 ms interval');
    const job = jobs.list({ batchId })[0]!;
    assert.deepEqual([job.progress, job.stepMs, job.attempt], [1, 2, 1]);
    const result = project.results.byJob(job.id)!;
    assert.ok(existsSync(project.blobPath(result.blobHash)));
    assert.deepEqual([result.width, result.height, result.commercialUse, result.reviewStatus], [8, 8, true, 'pending']);
    const work = jobs.cellWork(job.id);
    const record = result.record as unknown as RecordShape;
    assert.equal(record.format, 'leffa-studio-result/1');
    assert.equal(record.seed, 7);
    assert.deepEqual(record.settings, { steps: 3, guidanceScale: 2.5, refAcceleration: false, repaint: false });
    assert.equal(record.settingsHash, job.settingsHash);
    assert.equal(record.inputs.garment.photoHash, work.garment.photoHash);
    assert.equal(record.inputs.person.hash, work.person.hash);
    assert.deepEqual([record.inputs.mask.id, record.inputs.mask.hash], [work.mask!.id, work.mask!.hash]);
    assert.deepEqual([record.inputs.densepose.id, record.inputs.densepose.format, record.inputs.densepose.approximated], [work.densepose!.id, 'HD-parula', false]);
    assert.deepEqual([record.inputs.checkpoint.hash, record.inputs.checkpoint.commercialUse], [work.checkpoint.hash, true]);
    assert.deepEqual(record.engine, { engineVersion: 'fake-1', backend: 'none' });
    assert.ok(record.timing.runMs >= 0 && record.timing.finishedAt >= record.timing.startedAt);
    assert.ok(!JSON.stringify(record).includes(project.dir), 'no machine-specific paths in the record');

    // Enqueueing the same matrix again skips every cell: each already has a result.
    const again = jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [7], settings: [{ steps: 3 }] });
    assert.deepEqual([again.created, again.skippedDone], [0, 4]);
  } finally {
    await t.cleanup();
  }
});

test('a failing cell stores its error and the runner goes on; a bad output fails only that cell', async () => {
  const t = await tempProject();
  try {
    const jobs = new JobStore(t.project);
    const fx = await addFixture(t.project, { garments: 3 });
    jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1], settings: [{ steps: 1 }] });
    const runCell = async (cell: CellWork): Promise<CellOutput> => {
      if (cell.garment.sku === 'SKU-0') throw new RangeError('image size 50x64; expected multiples of 8');
      if (cell.garment.sku === 'SKU-1') return { image: new TextEncoder().encode('not a png'), record: { engineVersion: 'x', backend: 'y' } };
      return { image: await pngBytes(8, 8, 1), record: { engineVersion: 'x', backend: 'y' } };
    };
    const runner = new QueueRunner({ jobs, runCell });
    runner.start();
    await runner.whenIdle();
    await runner.stop();
    const [a, b, c] = jobs.list();
    assert.deepEqual([a!.status, a!.error?.type, a!.error?.message], ['failed', 'RangeError', 'image size 50x64; expected multiples of 8']);
    assert.match(a!.error!.stack!, /RangeError/);
    assert.equal(b!.status, 'failed');
    assert.match(b!.error!.message, /storeResult: image is <9 bytes>; expected a PNG, JPEG, WebP or TIFF image/);
    assert.equal(c!.status, 'succeeded');
    assert.equal(count(t.project, 'results'), 1);
  } finally {
    await t.cleanup();
  }
});

test('cancelling the running cell aborts it through its signal; the queue moves on', async () => {
  const t = await tempProject();
  try {
    const jobs = new JobStore(t.project);
    const fx = await addFixture(t.project, { garments: 2 });
    jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1], settings: [{ steps: 1 }] });
    const started = deferred<number>();
    const aborted = deferred<unknown>();
    const runCell = async (cell: CellWork, ctx: RunCellContext): Promise<CellOutput> => {
      if (cell.garment.sku === 'SKU-0') {
        started.resolve(cell.jobId);
        await new Promise<void>((_, reject) => ctx.signal.addEventListener('abort', () => { aborted.resolve(ctx.signal.reason); reject(ctx.signal.reason); }));
      }
      return { image: await pngBytes(8, 8, cell.jobId), record: { engineVersion: 'x', backend: 'y' } };
    };
    const runner = new QueueRunner({ jobs, runCell });
    runner.start();
    const id = await started.promise;
    jobs.cancelJob(id);
    assert.equal((await aborted.promise as Error).name, 'CancelledError');
    await runner.whenIdle();
    await runner.stop();
    assert.deepEqual(jobs.list().map((j) => j.status), ['cancelled', 'succeeded']);
    assert.equal(jobs.get(id)!.error, null, 'a cancel is not a failure');
  } finally {
    await t.cleanup();
  }
});

test('output of a cell cancelled while it finished is thrown away, file included', async () => {
  const t = await tempProject();
  try {
    const jobs = new JobStore(t.project);
    const fx = await addFixture(t.project, { garments: 1 });
    jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1], settings: [{ steps: 1 }] });
    const job = jobs.claimNext('w')!;
    const files = (await listBlobFiles(t.project.files.root)).length;
    const image = await pngBytes(8, 8, 99);
    // The cancel lands between the engine finishing and the result committing.
    const store = jobs.storeResult(job.id, 'w', { image, record: { engineVersion: 'x', backend: 'y' } }, { runMs: 1, stepMs: null });
    jobs.cancelJob(job.id);
    assert.equal(await store, 'discarded');
    assert.equal(count(t.project, 'results'), 0);
    assert.equal((await listBlobFiles(t.project.files.root)).length, files, 'the image file is removed again');
  } finally {
    await t.cleanup();
  }
});

test('stop() aborts the running cell and puts it back; pause lets it finish and starts nothing new', async () => {
  const t = await tempProject();
  try {
    const jobs = new JobStore(t.project);
    const fx = await addFixture(t.project, { garments: 2 });
    jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1], settings: [{ steps: 1 }] });
    let started = deferred<number>();
    const release = deferred();
    const runCell = async (cell: CellWork, ctx: RunCellContext): Promise<CellOutput> => {
      started.resolve(cell.jobId);
      await Promise.race([release.promise, new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))]);
      return { image: await pngBytes(8, 8, cell.jobId), record: { engineVersion: 'x', backend: 'y' } };
    };
    const runner = new QueueRunner({ jobs, runCell, workerId: 'w1' });
    runner.start();
    const id = await started.promise;
    await runner.stop();
    assert.deepEqual([jobs.get(id)!.status, jobs.get(id)!.claimedBy, jobs.get(id)!.attempt], ['queued', null, 1]);

    started = deferred<number>();
    const again = new QueueRunner({ jobs, runCell, workerId: 'w2' });
    again.start();
    await started.promise;
    jobs.pause();
    release.resolve();
    await again.whenIdle();
    assert.deepEqual(jobs.counts(), { queued: 1, running: 0, succeeded: 1, failed: 0, cancelled: 0, total: 2 }, 'paused after the running cell');
    jobs.resume();
    await again.whenIdle();
    await again.stop();
    assert.equal(jobs.counts().succeeded, 2);
  } finally {
    await t.cleanup();
  }
});

test('a store failure (disk full) is fatal: the cell goes back to the queue and the runner stops', async () => {
  const t = await tempProject();
  try {
    const jobs = new JobStore(t.project);
    const fx = await addFixture(t.project, { garments: 2 });
    jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1], settings: [{ steps: 1 }] });
    t.project.files.putBytes = async () => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); };
    const fatal = deferred<unknown>();
    const runner = new QueueRunner({ jobs, runCell: fakeRunCell().run, onFatal: fatal.resolve });
    runner.start();
    assert.match(String(await fatal.promise), /ENOSPC/);
    await runner.whenIdle();
    assert.equal(runner.running, false);
    assert.deepEqual(jobs.counts(), { queued: 2, running: 0, succeeded: 0, failed: 0, cancelled: 0, total: 2 });
    assert.equal(jobs.events.listenerCount(), 0);
  } finally {
    await t.cleanup();
  }
});
