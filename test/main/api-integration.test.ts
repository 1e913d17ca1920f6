// The API end to end on the real engine worker (wasm, 1 thread) and the tiny fixture model: create a
// project, import two model photos and two garments from the shared assets, import the tiny
// checkpoint with its base configs, save a mask and a DensePose image per photo, enqueue a 2×2×1
// batch and let the queue run it to completion, with progress events and four stored results.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { EngineSupervisor } from '../../main/engine-host/supervisor.ts';
import type { Mask } from '../../preload/contract.ts';
import { assetsDir, fixturesDir } from '../helpers/fixtures.ts';
import { garmentPng, makeHost, solidPng, waitFor, type TestHost } from './api-helpers.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
const engine = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
let t: TestHost | null = null;

after(async () => {
  await t?.close();
  await engine.close();
});

test('create → import → checkpoint → masks/DensePose → 2×2×1 batch runs on the engine → 4 results', { timeout: 90_000 }, async () => {
  t = await makeHost({ engine, previewEveryMs: 1 });
  const project = await t.ok('project:create', { name: 'Spring drop' });
  assert.equal(project.name, 'Spring drop');
  assert.deepEqual(t.eventsOf('project:changed').at(-1), { project });
  assert.equal((await t.ok('project:recent')).projects[0]!.path, project.path);

  // Two model photos (different sizes) and two garments, as the open dialog would hand them over.
  const people = [join(assetsDir, 'people', 'astronaut.png'), join(assetsDir, 'people', 'grace_hopper.jpg')];
  const { photos } = await t.ok('models:import', { items: [{ file: await t.grant(people[0]!) }, { file: await t.grant(people[1]!), name: 'Grace' }] });
  assert.deepEqual(photos.map((p) => [p.name, p.width, p.height]), [['astronaut', 512, 512], ['Grace', 512, 600]]);
  const shirts = [await garmentPng(t.dir, 't-shirt_01'), await garmentPng(t.dir, 't-shirt_02')];
  const { garments } = await t.ok('garments:import', {
    items: [
      { sku: 'TS-001', name: 'Plain tee', category: 'upper_body', tags: ['basics'], photos: [{ file: await t.grant(shirts[0]!), type: 'flat-lay' }] },
      { sku: 'TS-002', name: 'Striped tee', category: 'upper_body', photos: [{ file: await t.grant(shirts[1]!), type: 'flat-lay', view: 'front' }] },
    ],
  });
  assert.equal(garments.length, 2);
  const list = await t.ok('garments:list', {});
  assert.equal(list.total, 2);
  assert.ok(list.items.every((g) => g.coverHash && g.photoCount === 1));

  // The tiny checkpoint, carrying its own base configs (else the engine would build the full-size model).
  const ckpt = await t.ok('checkpoints:import', {
    file: await t.grant(join(tiny, 'weights.safetensors')), base: await t.grant(join(tiny, 'base', 'tiny-stable-diffusion-inpainting')),
    name: 'Leffa tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true,
  });
  assert.equal(ckpt.baseConfig, `bases/${ckpt.baseConfig!.split('/')[1]}/tiny-stable-diffusion-inpainting`);
  assert.ok(ckpt.isDefault, 'the first try-on checkpoint becomes the default');
  assert.ok(t.eventsOf('checkpoints:importProgress').length > 0);

  // A mask (from the editor as base64, and from a file) and a DensePose image per photo.
  for (const [i, photo] of photos.entries()) {
    const mask = await solidPng(photo.width, photo.height, 255);
    const saved: Mask = i === 0
      ? await t.ok('masks:save', { modelPhotoId: photo.id, category: 'upper_body', pngBase64: mask.toString('base64') })
      : await t.ok('masks:save', { modelPhotoId: photo.id, category: 'upper_body', file: await t.grant(await writeTemp(t.dir, `mask${i}.png`, mask)) });
    assert.equal(saved.version, 1);
    assert.equal(saved.origin, i === 0 ? 'manual' : 'imported');
    const dp = await solidPng(photo.width, photo.height, 30, 3);
    await t.ok('densepose:import', { modelPhotoId: photo.id, file: await t.grant(await writeTemp(t.dir, `dp${i}.png`, dp)), format: 'HD-parula' });
  }
  const models = await t.ok('models:list');
  assert.ok(models.items.every((m) => m.masks.upper_body?.version === 1 && m.denseposeFormats.includes('HD-parula')));

  // Preview writes nothing; enqueue queues four cells; the runner takes them at once.
  const spec = { garmentIds: garments.map((g) => g.garment.id), modelPhotoIds: photos.map((p) => p.id), seeds: [7], settings: [{ steps: 2 }] };
  const plan = await t.ok('batches:preview', spec);
  assert.deepEqual([plan.cells, plan.created, plan.steps, plan.missing], [4, 4, 8, []]);
  assert.equal((await t.ok('queue:state')).counts.total, 0, 'preview queued nothing');
  const batch = await t.ok('batches:enqueue', spec);
  assert.equal(batch.created, 4);
  await waitFor(() => t!.eventsOf('queue:event').some((e) => e.type === 'batch-finished' && e.batchId === batch.batchId), 80_000, 'the batch to finish');

  const queueEvents = t.eventsOf('queue:event');
  const finished = queueEvents.find((e) => e.type === 'batch-finished')!;
  assert.deepEqual(finished.type === 'batch-finished' && finished.counts, { queued: 0, running: 0, succeeded: 4, failed: 0, cancelled: 0, total: 4 });
  const progress = queueEvents.filter((e) => e.type === 'progress');
  assert.ok(progress.length >= 4, `progress events: ${progress.length}`);
  assert.ok(progress.every((e) => e.type === 'progress' && e.steps === 2 && e.step >= 1 && e.step <= 2));
  const succeeded = queueEvents.filter((e) => e.type === 'cell' && e.to === 'succeeded');
  assert.equal(succeeded.length, 4);
  assert.ok(succeeded.every((e) => e.type === 'cell' && e.resultId && e.resultHash));
  const previews = queueEvents.filter((e) => e.type === 'preview');
  assert.ok(previews.every((e) => e.type === 'preview' && e.dataUrl.startsWith('data:image/png;base64,')));
  assert.ok(t.eventsOf('engine:status').length > 0);

  const results = await t.ok('results:list', { batchId: batch.batchId });
  assert.equal(results.items.length, 4);
  for (const r of results.items) {
    const blob = t.host.catalog.blob(r.blobHash);
    assert.ok(blob, 'the result image is served');
    const meta: Metadata = await sharp(readFileSync(blob.path)).metadata();
    assert.equal(meta.format, 'png');
    assert.deepEqual([meta.width, meta.height], [r.width, r.height]);
    assert.equal((await t.ok('blobs:url', { hash: r.blobHash })).url, `/blob/${r.blobHash}`);
  }
  const detail = await t.ok('results:get', { id: results.items[0]!.id });
  assert.equal((detail.record as { seed: number }).seed, 7);
  const cells = await t.ok('queue:cells', { batchId: batch.batchId });
  assert.ok(cells.items.every((c) => c.status === 'succeeded' && c.resultId !== null));
  const stats = await t.ok('project:stats');
  assert.deepEqual([stats.results, stats.garments, stats.modelPhotos, stats.checkpoints, stats.jobs.succeeded], [4, 2, 2, 1, 4]);

  // The same batch again is all done already: nothing new is queued.
  const again = await t.ok('batches:enqueue', spec);
  assert.deepEqual([again.created, again.skippedDone], [0, 4]);
});

async function writeTemp(dir: string, name: string, bytes: Buffer): Promise<string> {
  const { writeFile } = await import('node:fs/promises');
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}
