// The services under the API, without a transport: the project service (recent list, create/open
// rules, default checkpoint), file references (expiry deletes uploads), and the queue service driven
// by a scripted engine (what reaches generate, missing inputs, cancel, throttled previews).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRegistry } from '../../main/services/files.ts';
import { ProjectService } from '../../main/services/project-service.ts';
import type { EngineLike } from '../../main/services/queue-service.ts';
import type { GenerateParams } from '../../main/engine-host/protocol.ts';
import { assetsDir, fixturesDir } from '../helpers/fixtures.ts';
import { garmentPng, makeHost, solidPng, waitFor, type TestHost } from './api-helpers.ts';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'leffa-svc-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('projects: create in the projects folder, refuse clashes, remember recent ones, reopen', async () => {
  const data = temp();
  const changes: unknown[] = [];
  const svc = new ProjectService({ dataDir: data, log: () => {}, onChange: (p) => changes.push(p?.name ?? null) });
  assert.throws(() => svc.require(), { kind: 'unavailable' });
  const a = await svc.create('Alpha');
  assert.equal(a.path, join(data, 'projects', 'Alpha'));
  await assert.rejects(svc.create('Alpha'), { kind: 'conflict', message: /already a project/ });
  mkdirSync(join(data, 'projects', 'Busy'));
  writeFileSync(join(data, 'projects', 'Busy', 'x.txt'), 'x');
  await assert.rejects(svc.create('Busy'), { kind: 'conflict', message: /not empty/ });
  await assert.rejects(svc.open(join(data, 'projects', 'Busy')), { kind: 'not_found', message: /not a Leffa Studio project/ });
  const b = await svc.create('Beta', temp());
  assert.deepEqual(svc.recent().map((r) => [r.name, r.exists]), [['Beta', true], ['Alpha', true]]);
  assert.ok(svc.isRecent(a.path));
  await svc.open(a.path);
  assert.equal(svc.current()!.name, 'Alpha');
  assert.equal(svc.recent()[0]!.name, 'Alpha', 'opening moves it to the top');
  rmSync(b.path, { recursive: true });
  assert.equal(svc.recent().find((r) => r.name === 'Beta')!.exists, false);
  assert.deepEqual(svc.forget(b.path).map((r) => r.name), ['Alpha']);
  assert.equal(svc.defaultCheckpointId(), null);
  assert.ok(await svc.close());
  assert.equal(await svc.close(), false);
  assert.deepEqual(changes, ['Alpha', 'Beta', 'Alpha', null]);
  // A second service on the same data folder sees the same recent list.
  assert.deepEqual(new ProjectService({ dataDir: data }).recent().map((r) => r.name), ['Alpha']);
});

test('file refs: unknown ids, kind checks, expiry deletes uploaded temp files', async () => {
  let now = 1000;
  const files = new FileRegistry({ uploadTtlMs: 50, now: () => now });
  const dir = temp();
  const up = join(dir, 'upload-1');
  writeFileSync(up, 'x');
  const ref = files.grantUpload(up, 'a.png', 1);
  assert.match(ref.id, /^f_[A-Za-z0-9_-]{24}$/);
  assert.equal(files.resolve(ref.id).path, up);
  assert.throws(() => files.resolve(ref.id, 'folder'), { kind: 'validation' });
  const folder = await files.grantPath(dir);
  assert.equal(folder.kind, 'folder');
  await assert.rejects(files.grantPath('relative.png'), { kind: 'validation' });
  now += 100;
  assert.throws(() => files.resolve(ref.id), { kind: 'not_found', message: /expired/ });
  assert.ok(!existsSync(up), 'the expired upload is gone');
  assert.equal(files.resolve(folder.id, 'folder').kind, 'folder', 'dialog picks do not expire');
  files.close();
  assert.equal(files.size, 0);
});

/** An engine that records generate calls and runs each for `steps` progress events, cancellable. */
function scriptedEngine(opts: { stepDelayMs?: number } = {}) {
  const calls: GenerateParams[] = [];
  const engine: EngineLike = {
    request: (async (method: string, params: GenerateParams, ro: { signal?: AbortSignal; onEvent?: (e: unknown) => void } = {}) => {
      if (method === 'info') return { backend: 'cpu', requested: 'cpu', package: 'p', fallbackReasons: [] };
      if (method === 'memory') return { backend: 'cpu', numTensors: 3, numBytes: 100, rssBytes: 1, heapUsedBytes: 1 };
      calls.push(params);
      const steps = params.settings.steps ?? 1;
      for (let step = 0; step < steps; step++) {
        if (ro.signal?.aborted) throw new Error('request canceled');
        await new Promise((r) => setTimeout(r, opts.stepDelayMs ?? 1));
        ro.onEvent?.({ type: 'progress', step, steps, stepMs: 1, etaMs: 1 });
        ro.onEvent?.({ type: 'preview', step, width: 2, height: 2, rgb: new Uint8Array(12).fill(200) });
      }
      const png = await solidPng(8, 8, 100, 3);
      return {
        png: new Uint8Array(png), width: 8, height: 8, backend: 'cpu', timings: { totalMs: 1, stepsMs: [] },
        record: { generator: { name: 'leffa-tfjs', version: '0' }, task: 'tryon', inputs: {}, weights: {}, settings: {} },
      };
    }) as EngineLike['request'],
  };
  return { engine, calls };
}

async function seeded(t: TestHost, opts: { masks?: boolean } = {}) {
  await t.ok('project:create', { name: 'q' });
  const { photos } = await t.ok('models:import', { items: [{ file: await t.grant(join(assetsDir, 'people', 'camera.png')) }] });
  const { garments } = await t.ok('garments:import', { items: [{ sku: 'A', name: 'a', category: 'lower_body', photos: [{ file: await t.grant(await garmentPng(t.dir, 'wild_summer_shorts_natha_01')), type: 'flat-lay' }] }] });
  const tiny = join(fixturesDir, 'leffa-tiny');
  const ckpt = await t.ok('checkpoints:import', {
    file: await t.grant(join(tiny, 'weights.safetensors')), base: await t.grant(join(tiny, 'base', 'tiny-stable-diffusion-inpainting')),
    name: 'tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: false,
  });
  const photo = photos[0]!;
  if (opts.masks !== false) {
    await t.ok('masks:save', { modelPhotoId: photo.id, category: 'lower_body', pngBase64: (await solidPng(photo.width, photo.height, 255)).toString('base64') });
  }
  const dp = join(t.dir, 'dp.png');
  writeFileSync(dp, await solidPng(photo.width, photo.height, 20, 3));
  await t.ok('densepose:import', { modelPhotoId: photo.id, file: await t.grant(dp), format: 'HD-parula' });
  return { photo, garment: garments[0]!.garment, ckpt };
}

test('queue: generate gets blob paths, the base folder and the cell settings; a missing mask fails the cell clearly', async () => {
  const { engine, calls } = scriptedEngine();
  const t = await makeHost({ engine, previewEveryMs: 10_000 });
  try {
    const { photo, garment, ckpt } = await seeded(t, { masks: false });
    const preview = await t.ok('batches:preview', { garmentIds: [garment.id], modelPhotoIds: [photo.id], seeds: [1] });
    assert.deepEqual(preview.missing, [{ modelPhotoId: photo.id, what: 'mask', category: 'lower_body' }]);
    const b1 = await t.ok('batches:enqueue', { garmentIds: [garment.id], modelPhotoIds: [photo.id], seeds: [1], settings: [{ steps: 3 }] });
    await waitFor(() => t.eventsOf('queue:event').some((e) => e.type === 'batch-finished' && e.batchId === b1.batchId), 5000, 'batch 1');
    const [failed] = (await t.ok('queue:cells', { batchId: b1.batchId })).items;
    assert.equal(failed!.status, 'failed');
    assert.match(failed!.error!.message, /has no lower_body mask: save one \(masks:save\) and retry/);
    assert.equal(calls.length, 0, 'the engine was not asked');

    await t.ok('masks:save', { modelPhotoId: photo.id, category: 'lower_body', pngBase64: (await solidPng(photo.width, photo.height, 255)).toString('base64') });
    const b2 = await t.ok('batches:enqueue', { garmentIds: [garment.id], modelPhotoIds: [photo.id], seeds: [5], settings: [{ steps: 3, guidanceScale: 3 }] });
    await waitFor(() => t.eventsOf('queue:event').some((e) => e.type === 'batch-finished' && e.batchId === b2.batchId), 5000, 'batch 2');
    const call = calls[0]!;
    const project = t.host.projects.project!;
    assert.equal(call.task, 'tryon');
    assert.equal(call.checkpoint.path, project.blobPath(ckpt.blobHash));
    assert.equal(call.checkpoint.base, join(project.dir, ckpt.baseConfig!));
    assert.ok(existsSync(join(call.checkpoint.base!, 'unet', 'config.json')));
    assert.equal(call.inputs.person, project.blobPath(photo.blobHash));
    assert.deepEqual([call.settings.seed, call.settings.steps, call.settings.guidanceScale, call.settings.category], [5, 3, 3, 'lower_body']);
    const previews = t.eventsOf('queue:event').filter((e) => e.type === 'preview');
    assert.equal(previews.length, 1, 'previews are throttled per cell');
    const result = (await t.ok('results:list', { batchId: b2.batchId })).items[0]!;
    assert.equal(result.commercialUse, false, 'the licence flag travels to the result');
    const rec = (await t.ok('results:get', { id: result.id })).record as { engine: { engineVersion: string; backend: string } };
    assert.deepEqual([rec.engine.engineVersion, rec.engine.backend], ['leffa-tfjs 0', 'cpu']);
    const status = await t.ok('engine:status');
    assert.deepEqual([status.state, status.backend, status.memory?.numTensors], ['idle', 'cpu', 3]);
  } finally {
    await t.close();
  }
});

test('queue: cancelling the running cell aborts the engine request; retry queues it again', async () => {
  const { engine, calls } = scriptedEngine({ stepDelayMs: 20 });
  const t = await makeHost({ engine });
  try {
    const { photo, garment } = await seeded(t);
    const batch = await t.ok('batches:enqueue', { garmentIds: [garment.id], modelPhotoIds: [photo.id], seeds: [1], settings: [{ steps: 200 }] });
    await waitFor(() => t.eventsOf('queue:event').some((e) => e.type === 'progress'), 5000, 'the cell to start');
    const [cell] = (await t.ok('queue:cells', { batchId: batch.batchId })).items;
    assert.equal(cell!.status, 'running');
    assert.ok((await t.ok('queue:state')).current?.jobId === cell!.jobId);
    assert.deepEqual(await t.ok('queue:cancel', { jobId: cell!.jobId }), { cancelled: 1 });
    await waitFor(() => t.eventsOf('queue:event').some((e) => e.type === 'batch-finished'), 5000, 'the cancel');
    await t.fails('queue:cancel', { jobId: cell!.jobId }, 'conflict', /already been cancelled/);
    assert.equal(calls.length, 1);
    assert.deepEqual((await t.ok('queue:retry', { batchId: batch.batchId })).created, [], 'cancelled cells are not failed cells');
    assert.equal((await t.ok('batches:list', {})).items[0]!.finished, true);
  } finally {
    await t.close();
  }
});
