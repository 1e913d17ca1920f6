// Review, QA and re-run through the real API, the real queue and the engine worker on the tiny fixture
// model: the quality checks are computed in the worker and stored with each result (and agree with the
// checks recomputed here from the stored image); "re-run exactly" makes a new result, linked to the one it
// re-runs, with byte-identical image; "vary seed" makes a different one; the enqueue dedupe still skips the
// cell; reviews, tags, QA filters, sorting and the cell's pick work on the stored rows.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { EngineSupervisor } from '../../main/engine-host/supervisor.ts';
import { loadImage } from '../../models/image/index.ts';
import { outsideChangeCheck } from '../../models/preprocess/quality_checks.ts';
import { assetsDir, fixturesDir } from '../helpers/fixtures.ts';
import { garmentPng, makeHost, solidPng, waitFor, type TestHost } from './api-helpers.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
const engine = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
let t: TestHost | null = null;

after(async () => {
  await t?.close();
  await engine.close();
});

/** A mask with a white box in the middle (the region to regenerate), black elsewhere. */
async function boxMask(w: number, h: number): Promise<Buffer> {
  const px = Buffer.alloc(w * h);
  for (let y = Math.round(h * 0.3); y < Math.round(h * 0.8); y++) px.fill(255, y * w + Math.round(w * 0.25), y * w + Math.round(w * 0.75));
  return sharp(px, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
}

const succeededResults = () => t!.eventsOf('queue:event').filter((e) => e.type === 'cell' && e.to === 'succeeded').length;

test('quality checks are stored with results; re-run exactly reproduces the bytes; vary seed does not', { timeout: 120_000 }, async () => {
  t = await makeHost({ engine });
  await t.ok('project:create', { name: 'Review run' });
  const person = join(assetsDir, 'people', 'astronaut.png');
  const { photos } = await t.ok('models:import', { items: [{ file: await t.grant(person) }] });
  const photo = photos[0]!;
  const shirt = await garmentPng(t.dir, 't-shirt_01');
  const { garments } = await t.ok('garments:import', {
    items: [{ sku: 'TS-001', name: 'Plain tee', category: 'upper_body', photos: [{ file: await t.grant(shirt), type: 'flat-lay' }] }],
  });
  await t.ok('checkpoints:import', {
    file: await t.grant(join(tiny, 'weights.safetensors')), base: await t.grant(join(tiny, 'base', 'tiny-stable-diffusion-inpainting')),
    name: 'Leffa tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true,
  });
  const maskPng = await boxMask(photo.width, photo.height);
  await t.ok('masks:save', { modelPhotoId: photo.id, category: 'upper_body', pngBase64: maskPng.toString('base64') });
  const dpPath = join(t.dir, 'dp.png');
  await sharp(await solidPng(photo.width, photo.height, 30, 3)).toFile(dpPath);
  await t.ok('densepose:import', { modelPhotoId: photo.id, file: await t.grant(dpPath), format: 'HD-parula' });

  const spec = { garmentIds: [garments[0]!.garment.id], modelPhotoIds: [photo.id], seeds: [3, 4], settings: [{ steps: 2 }] };
  const batch = await t.ok('batches:enqueue', spec);
  assert.equal(batch.created, 2);
  await waitFor(() => succeededResults() === 2, 80_000, 'two results');

  // The list: both results, with quality checks computed in the worker.
  const list = await t.ok('review:list', { sort: 'oldest' });
  assert.equal(list.total, 2);
  const [a, b] = list.items;
  assert.deepEqual([a!.seed, b!.seed, a!.sku, a!.modelPhotoName, a!.steps], [3, 4, 'TS-001', 'astronaut', 2]);
  for (const item of list.items) {
    assert.ok(item.quality, 'quality checks stored');
    const checks = Object.values(item.quality.checks);
    assert.equal(checks.length, 3, `three checks: ${Object.keys(item.quality.checks).join(', ')}`);
    for (const c of checks) assert.equal(c.verdict, c.value <= c.threshold && c.verdict === 'pass' ? 'pass' : c.verdict);
    assert.equal(item.quality.warnings, checks.filter((c) => c.verdict === 'warn').length);
  }
  // Recomputed here from the stored image, person photo and mask: the same outside-change value.
  const stored = await loadImage(t.host.catalog.blob(a!.blobHash)!.path, { what: 'result' });
  const original = await loadImage(person, { what: 'person' });
  const maskRaw = await sharp(maskPng).greyscale().raw().toBuffer();
  const again = outsideChangeCheck({ original, result: stored, mask: { data: new Uint8Array(maskRaw), width: photo.width, height: photo.height } });
  assert.ok(Math.abs(again.value - a!.quality!.checks.outsideChange!.value) < 1e-9, `${again.value} vs ${a!.quality!.checks.outsideChange!.value}`);

  // Re-run exactly: a new job (not skipped as a duplicate), a new result with the very same bytes.
  const exact = await t.ok('results:rerun', { id: a!.id, mode: 'exact' });
  assert.deepEqual([exact.mode, exact.seed, exact.sourceResultId], ['exact', 3, a!.id]);
  await waitFor(() => succeededResults() === 3, 60_000, 'the exact re-run');
  const seedRun = await t.ok('results:rerun', { id: a!.id, mode: 'seed', seed: 99 });
  assert.equal(seedRun.seed, 99);
  await waitFor(() => succeededResults() === 4, 60_000, 'the vary-seed re-run');

  const detail = await t.ok('review:get', { id: a!.id });
  assert.equal(detail.versions.length, 4, 'four versions of the cell, nothing overwritten');
  assert.equal(detail.reruns.length, 2);
  const [exactId, seedId] = detail.reruns;
  const exactItem = detail.versions.find((v) => v.id === exactId)!;
  const seedItem = detail.versions.find((v) => v.id === seedId)!;
  assert.deepEqual(exactItem.rerunOf, { resultId: a!.id, mode: 'exact' });
  assert.deepEqual(seedItem.rerunOf, { resultId: a!.id, mode: 'seed' });
  assert.notEqual(exactItem.id, a!.id);
  assert.equal(exactItem.blobHash, a!.blobHash, 'same image hash');
  assert.ok(readFileSync(t.host.catalog.blob(exactItem.blobHash)!.path).equals(readFileSync(t.host.catalog.blob(a!.blobHash)!.path)));
  assert.equal(seedItem.seed, 99);
  assert.notEqual(seedItem.blobHash, a!.blobHash, 'another seed, another image');
  assert.deepEqual(detail.inputs.maskHash !== null && detail.inputs.denseposeHash !== null, true);
  assert.equal((await t.ok('results:get', { id: a!.id })).blobHash, a!.blobHash, 'the original is unchanged');

  // The ordinary enqueue still skips done cells (the re-run bypass is deliberate, not a hole).
  const dup = await t.ok('batches:enqueue', spec);
  assert.deepEqual([dup.created, dup.skippedDone], [0, 2]);

  // Errors name the argument, the value and what was expected.
  await t.fails('results:rerun', { id: 999, mode: 'exact' }, 'not_found', /resultId is 999; expected the id of an existing result/);
  await t.fails('results:rerun', { id: a!.id, mode: 'exact', seed: 5 }, 'validation', /seed is 5; expected no seed, or the result's own \(3\)/);
  await t.fails('results:rerun', { id: a!.id, mode: 'seed', seed: 3 }, 'validation', /seed is 3; expected a seed other than/);
  await t.fails('review:add', { resultId: a!.id, status: 'approved', defectTags: ['melted'] }, 'validation');
});

test('reviews with tags and notes, filters by status, tag and QA, sorting, and the pick of a cell', async () => {
  const all = await t!.ok('review:list', { sort: 'oldest' });
  const [a, b, c] = all.items;
  const r1 = await t!.ok('review:add', { resultId: a!.id, status: 'rejected', defectTags: ['sleeve-leak', 'colour-off'], notes: 'left sleeve' });
  assert.deepEqual([r1.item.reviewStatus, r1.item.defectTags, r1.item.notes], ['rejected', ['sleeve-leak', 'colour-off'], 'left sleeve']);
  await t!.ok('review:add', { resultId: b!.id, status: 'approved' });
  await t!.ok('review:add', { resultId: c!.id, status: 'redo', defectTags: ['hands-changed'] });
  const ids = async (req: object) => (await t!.ok('review:list', { sort: 'oldest', ...req })).items.map((i) => i.id);
  assert.deepEqual(await ids({ reviewStatus: 'approved' }), [b!.id]);
  assert.deepEqual(await ids({ tag: 'sleeve-leak' }), [a!.id]);
  assert.deepEqual(await ids({ tag: 'hands-changed' }), [c!.id]);
  assert.deepEqual(await ids({ reviewStatus: 'pending' }), [all.items[3]!.id]);
  // QA filters partition the results; sorting by a check orders by its value, largest first.
  const warn = await ids({ qa: 'warn' });
  const pass = await ids({ qa: 'pass' });
  assert.deepEqual([...warn, ...pass].sort((x, y) => x - y), all.items.map((i) => i.id));
  assert.deepEqual(await ids({ qa: 'none' }), []);
  const byOutside = (await t!.ok('review:list', { sort: 'outside' })).items.map((i) => i.quality!.checks.outsideChange!.value);
  assert.deepEqual(byOutside, [...byOutside].sort((x, y) => y - x));
  const history = (await t!.ok('review:get', { id: a!.id })).history;
  assert.equal(history.length, 1);
  // Paging by offset.
  const page = await t!.ok('review:list', { sort: 'oldest', limit: 3 });
  assert.deepEqual([page.items.length, page.total, page.nextOffset], [3, 4, 3]);

  // Pick of the cell: one at a time; picking another moves it; clearing removes it.
  await t!.ok('review:pick', { resultId: b!.id });
  assert.deepEqual(await ids({ pickedOnly: true }), [b!.id]);
  await t!.ok('review:pick', { resultId: c!.id });
  assert.deepEqual(await ids({ pickedOnly: true }), [c!.id]);
  await t!.fails('review:pick', { resultId: b!.id, clear: true }, 'conflict', /current pick/);
  await t!.ok('review:pick', { resultId: c!.id, clear: true });
  assert.deepEqual(await ids({ pickedOnly: true }), []);
});
