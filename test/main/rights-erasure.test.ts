// Right to erasure through the API, on real results from the tiny fixture model (engine worker, wasm, 1 thread):
// models:erasePlan lists what goes; models:erase with that plan's digest deletes the model photo, its masks,
// DensePose inputs, releases (with the scan), jobs and results, rows and files, and touches no other model.
// A running cell of the model refuses the erasure; queued cells are cancelled first; a plan made before the
// project changed is refused (conflict) and deletes nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineSupervisor } from '../../main/engine-host/supervisor.ts';
import type { Project } from '../../main/store/index.ts';
import { assetsDir, fixturesDir } from '../helpers/fixtures.ts';
import { blobFiles, garmentPng, makeHost, solidPng, waitFor, type TestHost } from './api-helpers.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
const engine = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
let t: TestHost | null = null;

after(async () => {
  await t?.close();
  await engine.close();
});

/** Every row in the project that belongs to a model photo, by table. */
function rowsOf(project: Project, photoId: number): Record<string, number> {
  const n = (sql: string) => project.db.prepare(sql).pluck().get(photoId) as number;
  return {
    model_photos: n(`SELECT count(*) FROM model_photos WHERE id = ?`),
    masks: n(`SELECT count(*) FROM masks WHERE model_photo_id = ?`),
    densepose: n(`SELECT count(*) FROM densepose WHERE model_photo_id = ?`),
    model_releases: n(`SELECT count(*) FROM model_releases WHERE model_photo_id = ?`),
    jobs: n(`SELECT count(*) FROM jobs WHERE model_photo_id = ?`),
    results: n(`SELECT count(*) FROM results WHERE model_photo_id = ?`),
    result_records: n(`SELECT count(*) FROM result_records WHERE result_id IN (SELECT id FROM results WHERE model_photo_id = ?)`),
    reviews: n(`SELECT count(*) FROM reviews WHERE result_id IN (SELECT id FROM results WHERE model_photo_id = ?)`),
  };
}

/** The blob hashes a model photo's rows point at. */
function blobsOf(project: Project, photoId: number): string[] {
  return project.db.prepare(`
    SELECT blob_hash FROM model_photos WHERE id = @id UNION SELECT blob_hash FROM masks WHERE model_photo_id = @id
    UNION SELECT blob_hash FROM densepose WHERE model_photo_id = @id UNION SELECT scan_blob_hash FROM model_releases WHERE model_photo_id = @id AND scan_blob_hash IS NOT NULL
    UNION SELECT blob_hash FROM results WHERE model_photo_id = @id`).pluck().all({ id: photoId }) as string[];
}

test('erase a model photo: plan → erase; rows and files gone, others untouched; running cell and stale plan refused; queued cells cancelled', { timeout: 150_000 }, async () => {
  t = await makeHost({ engine });
  await t.ok('project:create', { name: 'Erasure' });
  const files = ['astronaut.png', 'grace_hopper.jpg'];
  const { photos } = await t.ok('models:import', { items: [
    { file: await t.grant(join(assetsDir, 'people', files[0]!)), name: 'Ana front' },
    { file: await t.grant(join(assetsDir, 'people', files[1]!)), name: 'Bo front' },
  ] });
  const [ana, bo] = photos.map((p) => p.id) as [number, number];
  const shirt = await garmentPng(t.dir, 't-shirt_01');
  const { garments } = await t.ok('garments:import', { items: [{ sku: 'TS-1', name: 'Tee', category: 'upper_body', photos: [{ file: await t.grant(shirt), type: 'flat-lay' }] }] });
  await t.ok('checkpoints:import', {
    file: await t.grant(join(tiny, 'weights.safetensors')), base: await t.grant(join(tiny, 'base', 'tiny-stable-diffusion-inpainting')),
    name: 'Leffa tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true,
  });
  for (const [i, p] of photos.entries()) {
    await t.ok('masks:save', { modelPhotoId: p.id, category: 'upper_body', pngBase64: (await solidPng(p.width, p.height, 255)).toString('base64') });
    const dp = join(t.dir, `dp${i}.png`);
    writeFileSync(dp, await solidPng(p.width, p.height, 40 + i, 3));
    await t.ok('densepose:import', { modelPhotoId: p.id, file: await t.grant(dp), format: 'HD-parula' });
    const scan = join(t.dir, `scan${i}.png`);
    writeFileSync(scan, await solidPng(24, 32, 100 + i));
    await t.ok('releases:add', { modelPhotoId: p.id, subject: i ? 'Bo Berg' : 'Ana Silva', consentDate: '2024-01-01', channels: ['*'], regions: ['*'], scan: await t.grant(scan) });
  }

  // Real results for both models: one garment × two photos × one seed, one step.
  const spec = { garmentIds: [garments[0]!.garment.id], modelPhotoIds: [ana, bo], seeds: [7], settings: [{ steps: 1 }] };
  const b1 = await t.ok('batches:enqueue', spec);
  await waitFor(() => t!.eventsOf('queue:event').some((e) => e.type === 'batch-finished' && e.batchId === b1.batchId), 60_000, 'the first batch');
  const project = t.host.projects.require();
  assert.deepEqual([rowsOf(project, ana).results, rowsOf(project, bo).results], [1, 1]);
  const boRows = rowsOf(project, bo);
  const boBlobs = blobsOf(project, bo);
  const anaBlobs = blobsOf(project, ana);
  assert.equal(anaBlobs.length, 5, 'photo, mask, DensePose, scan, result');

  // A running cell of Ana refuses the erasure (conflict) and deletes nothing.
  const b2 = await t.ok('batches:enqueue', { ...spec, modelPhotoIds: [ana], seeds: [8], settings: [{ steps: 4 }] }); // long enough to catch it running
  await waitFor(() => t!.eventsOf('queue:event').some((e) => e.type === 'cell' && e.batchId === b2.batchId && e.to === 'running'), 30_000, 'a running cell');
  const runningPlan = await t.ok('models:erasePlan', { modelPhotoIds: [ana] });
  assert.equal(runningPlan.runningJobs.length, 1);
  assert.match(runningPlan.lines.join('\n'), /1 job running now .*cancel before erasing/);
  await t.fails('models:erase', { modelPhotoIds: [ana], confirm: runningPlan.digest }, 'conflict', /running/);
  assert.equal(rowsOf(project, ana).model_photos, 1);
  await waitFor(() => t!.eventsOf('queue:event').some((e) => e.type === 'batch-finished' && e.batchId === b2.batchId), 60_000, 'the running batch');

  // Queued cells (paused queue) are listed and cancelled first; a plan made before a change is refused.
  await t.ok('queue:pause');
  const b3 = await t.ok('batches:enqueue', { ...spec, modelPhotoIds: [ana], seeds: [9, 10] });
  assert.equal(b3.created, 2);
  const stale = await t.ok('models:erasePlan', { modelPhotoIds: [ana] });
  assert.equal(stale.queuedJobs, 2);
  await t.ok('masks:save', { modelPhotoId: ana, category: 'upper_body', pngBase64: (await solidPng(photos[0]!.width, photos[0]!.height, 128)).toString('base64') });
  const blobsBeforeStale = blobFiles(project.dir);
  await t.fails('models:erase', { modelPhotoIds: [ana], confirm: stale.digest }, 'conflict', /plan and confirm again/);
  assert.deepEqual(blobFiles(project.dir), blobsBeforeStale, 'the refused erasure deleted no file');
  assert.equal(rowsOf(project, ana).jobs, 4, 'nor any row, and the queued cells are still there');
  assert.equal((await t.ok('queue:cells', { batchId: b3.batchId })).items.filter((c) => c.status === 'queued').length, 2);
  await t.fails('models:erase', { modelPhotoIds: [ana], confirm: 'nope' }, 'validation', /confirm/);
  await t.fails('models:erasePlan', { modelPhotoIds: [999] }, 'not_found', /modelPhotoIds\[0\] is 999/);

  // An export of one result of each: Ana's exported copy is listed, and deleted when asked.
  const resultOf = (id: number) => project.db.prepare(`SELECT id FROM results WHERE model_photo_id = ? ORDER BY id LIMIT 1`).pluck().get(id) as number;
  project.exports.record({ name: 'web', targetDir: 'exports/web', preset: {}, items: [{ resultId: resultOf(ana), fileName: 'ana.jpg' }, { resultId: resultOf(bo), fileName: 'bo.jpg' }] });
  mkdirSync(join(project.dir, 'exports', 'web'), { recursive: true });
  for (const f of ['ana.jpg', 'bo.jpg']) writeFileSync(join(project.dir, 'exports', 'web', f), 'exported copy');
  const boExportRows = project.db.prepare(`SELECT count(*) FROM export_items WHERE file_name = 'bo.jpg'`).pluck().get();

  const plan = await t.ok('models:erasePlan', { modelPhotoIds: [ana] });
  assert.deepEqual(plan.exportedFiles, ['exports/web/ana.jpg']);
  const anaFiles = blobsOf(project, ana);
  assert.equal(anaFiles.length, 7, 'photo, two mask versions, DensePose, scan, two results');
  assert.deepEqual(plan.counts, {
    modelPhotos: 1, masks: 2, densePoses: 1, releases: 1, jobs: 4, results: 2, reviews: 0, exportItems: 1, files: 7, sharedFiles: 0,
  });
  assert.equal(plan.lines[0], '1 model photo (Ana front)');
  assert.ok(plan.lines.includes('2 queued cells of this photo cancelled first'), plan.lines.join('\n'));
  const done = await t.ok('models:erase', { modelPhotoIds: [ana], confirm: plan.digest, deleteExportedFiles: true });
  assert.deepEqual([done.modelPhotoIds, done.jobsCancelled, done.filesDeleted, done.filesKept, done.exportedFilesDeleted], [[ana], 2, plan.counts.files, 0, 1]);
  assert.equal(existsSync(join(project.dir, 'exports', 'web', 'ana.jpg')), false, 'the exported copy is gone');
  assert.equal(existsSync(join(project.dir, 'exports', 'web', 'bo.jpg')), true);
  assert.equal(project.db.prepare(`SELECT count(*) FROM export_items WHERE file_name = 'bo.jpg'`).pluck().get(), boExportRows);
  assert.ok(t.eventsOf('queue:event').some((e) => e.type === 'cell' && e.batchId === b3.batchId && e.to === 'cancelled'), 'the queue saw the cancellation');

  // Nothing of Ana is left: no row, no file. Bo is exactly as before.
  assert.deepEqual(Object.values(rowsOf(project, ana)), [0, 0, 0, 0, 0, 0, 0, 0]);
  for (const h of anaFiles) if (!boBlobs.includes(h)) assert.equal(existsSync(project.blobPath(h)), false, `file ${h.slice(0, 12)} is gone`);
  assert.deepEqual(rowsOf(project, bo), boRows);
  for (const h of boBlobs) assert.ok(existsSync(project.blobPath(h)), 'Bo keeps every file');
  const integrity = await project.checkIntegrity({ verify: true });
  assert.deepEqual([integrity.orphanFiles, integrity.missingFiles, integrity.damagedFiles], [[], [], []]);
  assert.deepEqual((await t.ok('models:list')).items.map((m) => m.id), [bo]);
  const state = await t.ok('queue:state');
  assert.deepEqual([state.counts.queued, state.counts.total], [0, 1], 'only Bo\'s cell is left in the queue totals');
  await t.fails('releases:list', { modelPhotoId: ana }, 'not_found');
  await t.fails('models:erasePlan', { modelPhotoIds: [ana] }, 'not_found');
  const log = project.db.prepare(`SELECT model_photos, results FROM erasure_log`).all();
  assert.deepEqual(log, [{ model_photos: 1, results: 2 }]);
});
