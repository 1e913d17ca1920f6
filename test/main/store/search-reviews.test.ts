// Search and filters over garments and results, reviews (history plus the result's current status) and
// export records (which must stay inside the project folder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { JobStore } from '../../../main/queue/index.ts';
import { ftsQuery } from '../../../main/store/fts-query.ts';
import { Search } from '../../../main/store/search.ts';
import type { Project } from '../../../main/store/index.ts';
import { count, pngBytes, tempDir, tempProject } from './helpers.ts';
import { addFixture } from '../queue/helpers.ts';

test('ftsQuery quotes every word as a prefix term, so query syntax in user input is inert', () => {
  assert.equal(ftsQuery('AB-12 silk'), '"AB"* "12"* "silk"*');
  assert.equal(ftsQuery('" OR * NEAR('), '"OR"* "NEAR"*');
  assert.equal(ftsQuery('  '), null);
  assert.equal(ftsQuery(undefined), null);
});

test('garment search: text over SKU, name and tags; category, collection and tag filters; keyset paging', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const c = project.collections.add({ name: 'SS26' });
    project.garments.add({ sku: 'TS-001', name: 'Cotton T-Shirt', category: 'upper_body', tags: ['basics'], collectionId: c.id });
    project.garments.add({ sku: 'TS-002', name: 'Linen Shirt', category: 'upper_body', tags: ['summer', 'linen'] });
    project.garments.add({ sku: 'DR-001', name: 'Summer Dress', category: 'dresses', tags: ['summer'], collectionId: c.id });
    project.garments.add({ sku: 'PA-001', name: 'Café Trousers', category: 'lower_body' });
    const skus = (f: Parameters<Project['search']['garments']>[0]) => project.search.garments(f).items.map((g) => g.sku);
    assert.deepEqual(skus({ text: 'ts-00' }), ['TS-002', 'TS-001'], 'SKU prefix, newest first');
    assert.deepEqual(skus({ text: 'summer' }), ['DR-001', 'TS-002'], 'name or tag');
    assert.deepEqual(skus({ text: 'summer', category: 'dresses' }), ['DR-001']);
    assert.deepEqual(skus({ text: 'cafe' }), ['PA-001'], 'diacritics folded');
    assert.deepEqual(skus({ collectionId: c.id }), ['DR-001', 'TS-001']);
    assert.deepEqual(skus({ tag: 'Summer' }), ['DR-001', 'TS-002'], 'tags compare lowercased');
    assert.deepEqual(skus({ text: '"' }), ['PA-001', 'DR-001', 'TS-002', 'TS-001'], 'no words: no text filter');
    assert.equal(project.search.countGarments({ text: 'shirt' }), 2);
    const p1 = project.search.garments({ limit: 3 });
    assert.equal(p1.items.length, 3);
    const p2 = project.search.garments({ limit: 3, beforeId: p1.nextBeforeId! });
    assert.deepEqual([p2.items.map((g) => g.sku), p2.nextBeforeId], [['TS-001'], null]);
    assert.throws(() => project.search.garments({ limit: 0 }), /searchGarments: limit is 0; expected number to be >=1/);
  } finally {
    await t.cleanup();
  }
});

/** Makes one finished result per cell of garments × people × seeds, without a model. */
async function makeResults(project: Project, fx: Awaited<ReturnType<typeof addFixture>>, seeds: number[]): Promise<number> {
  const jobs = new JobStore(project);
  jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds, settings: [{ steps: 1 }] });
  let n = 0;
  for (let job = jobs.claimNext('w'); job; job = jobs.claimNext('w')) {
    await jobs.storeResult(job.id, 'w', { image: await pngBytes(8, 8, job.id), record: { engineVersion: 't', backend: 't' } }, { runMs: 1, stepMs: 1 });
    n++;
  }
  return n;
}

test('result search and filters; reviews keep a history and set the current status', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const fx = await addFixture(project, { garments: 3 });
    assert.equal(await makeResults(project, fx, [1, 2]), 6);
    const all = project.search.results({});
    assert.equal(all.items.length, 6);
    const target = all.items.find((r) => r.garmentId === fx.garmentIds[1])!;
    const r1 = project.reviews.add({ resultId: target.id, status: 'rejected', defectTags: ['sleeve-leak', 'Sleeve-Leak', 'colour-off'], reviewer: 'mia', notes: 'cuff bleeds' });
    assert.deepEqual(r1.defectTags, ['sleeve-leak', 'colour-off'], 'lowercased, de-duplicated');
    project.reviews.add({ resultId: target.id, status: 'approved', reviewer: 'lea' });
    assert.deepEqual(project.reviews.history(target.id).map((r) => [r.status, r.reviewer]), [['rejected', 'mia'], ['approved', 'lea']]);
    assert.equal(project.results.get(target.id)!.reviewStatus, 'approved');

    const ids = (f: Parameters<Project['search']['results']>[0]) => project.search.results(f).items.map((r) => r.id);
    assert.deepEqual(ids({ reviewStatus: 'approved' }), [target.id]);
    assert.equal(ids({ reviewStatus: 'pending' }).length, 5);
    assert.deepEqual(ids({ text: 'SKU-1' }), all.items.filter((r) => r.garmentId === fx.garmentIds[1]).map((r) => r.id));
    assert.deepEqual(ids({ text: 'SKU-1', reviewStatus: 'approved', category: 'upper_body' }), [target.id]);
    assert.deepEqual(ids({ category: 'dresses' }), []);
    assert.deepEqual(project.search.countResults({ text: 'garment', commercialUse: true }), { count: 6, exact: true });
    assert.deepEqual(project.search.countResults({ garmentId: fx.garmentIds[0]! }), { count: 2, exact: true });
    assert.deepEqual(project.search.countResults({ cap: 4 }), { count: 4, exact: false });

    // Both query plans (start from garments / from results) return the same rows for every filter mix.
    const fromResults = new Search(project.db, { garmentDrivenMax: 0 });
    for (const f of [{ text: 'SKU-1' }, { text: 'garment', reviewStatus: 'pending' as const }, { text: 'SKU', category: 'upper_body' as const }, { text: 'SKU-2', reviewStatus: 'approved' as const }]) {
      assert.deepEqual(fromResults.results(f), project.search.results(f), JSON.stringify(f));
      assert.deepEqual(fromResults.results({ ...f, limit: 4 }), project.search.results({ ...f, limit: 4 }));
      assert.deepEqual(fromResults.countResults(f), project.search.countResults(f));
    }

    await assert.rejects(async () => project.reviews.add({ resultId: 999, status: 'approved', reviewer: 'x' }), /addReview: resultId is 999; expected the id of an existing result/);
    await assert.rejects(async () => project.reviews.add({ resultId: target.id, status: 'ok' as never, reviewer: 'x' }), /addReview: status is "ok"; expected one of "pending"\|"approved"\|"rejected"\|"redo"/);
    assert.equal(count(project, 'reviews'), 2);
  } finally {
    await t.cleanup();
  }
});

test('exports are recorded with a folder inside the project; paths outside it are refused', async () => {
  const t = await tempProject();
  const outside = await tempDir('leffa-outside-');
  try {
    const { project, dir } = t;
    const fx = await addFixture(project, { garments: 1 });
    await makeResults(project, fx, [1, 2]);
    const [a, b] = project.search.results({}).items;
    const e = project.exports.record({ name: 'Zalando', targetDir: 'exports/zalando', preset: { format: 'jpeg', size: [1024, 1365] }, items: [{ resultId: a!.id, fileName: 'SKU-0_front_1.jpg' }, { resultId: b!.id, fileName: 'SKU-0_front_2.jpg' }] });
    assert.deepEqual([e.targetDir, e.items.length, e.preset.format], ['exports/zalando', 2, 'jpeg']);

    await mkdir(join(dir, 'exports'), { recursive: true });
    await symlink(outside, join(dir, 'exports', 'escape'));
    const item = [{ resultId: a!.id, fileName: 'x.jpg' }];
    for (const targetDir of ['../elsewhere', outside, 'exports/../../x', 'exports/escape/sub']) {
      assert.throws(() => project.exports.record({ name: 'x', targetDir, preset: {}, items: item }),
        (err: Error) => err.message.startsWith(`recordExport: targetDir is ${JSON.stringify(targetDir)}; expected a path relative to the project folder that stays inside it`));
    }
    assert.throws(() => project.exports.record({ name: 'x', targetDir: 'ok', preset: {}, items: [{ resultId: a!.id, fileName: '../x.jpg' }] }), /recordExport: items\[0\]\.fileName is "..\/x.jpg"; expected a file name without a folder part/);
    assert.throws(() => project.exports.record({ name: 'x', targetDir: 'ok', preset: {}, items: [{ resultId: 404, fileName: 'x.jpg' }] }), /recordExport: items\[0\]\.resultId is 404; expected the id of an existing result/);
    assert.throws(() => project.exports.record({ name: 'x', targetDir: 'ok', preset: {}, items: [{ resultId: a!.id, fileName: 'X.jpg' }, { resultId: b!.id, fileName: 'x.JPG' }] }), /items\[1\]\.fileName is "x.JPG"; expected a file name not used by another item/);
    assert.equal(count(project, 'exports'), 1);
  } finally {
    await t.cleanup();
    await rm(outside, { recursive: true, force: true });
  }
});
