// The training store (migration 009, main/store/training-sets.ts, training-runs.ts): a set's seeded
// held-out split (reproducible, at least one pair, never all), its validation (unknown ids, a photo of
// another garment, duplicates, a taken name), the pairs' missing inputs, materialising into a dataset
// folder that models/train's own validator accepts, and the run lifecycle with metrics and samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrainingRunRepo } from '../../main/store/training-runs.ts';
import { TrainingSetRepo, heldOutPositions } from '../../main/store/training-sets.ts';
import type { Project } from '../../main/store/index.ts';
import { validateDataset } from '../../models/train/dataset.ts';
import { count, pngBytes, tempProject } from './store/helpers.ts';

async function catalogue(project: Project, n: number) {
  const photos = [], garments = [];
  for (let i = 0; i < n; i++) {
    photos.push(await project.modelPhotos.add({ name: `p${i}`, file: await pngBytes(24, 32, i + 1) }));
    const g = project.garments.add({ sku: `SKU-${i}`, name: `G${i}`, category: i % 2 ? 'dresses' : 'upper_body' });
    const photo = await project.garments.addPhoto({ garmentId: g.id, file: await pngBytes(20, 20, 100 + i), type: 'flat-lay' });
    garments.push({ ...g, photoId: photo.id });
  }
  return { photos, garments };
}

async function inputs(project: Project, photoId: number, category: 'upper_body' | 'dresses', seed: number) {
  await project.modelPhotos.addMask({ modelPhotoId: photoId, category, file: await pngBytes(24, 32, seed, 1) });
  await project.modelPhotos.addDensePose({ modelPhotoId: photoId, file: await pngBytes(24, 32, seed + 1), format: 'HD-parula', origin: 'imported', approximated: false });
}

test('held-out split: seeded, round(n·fraction) clamped to [1, n−1]', () => {
  assert.deepEqual([...heldOutPositions(10, 0.1, 7)], [...heldOutPositions(10, 0.1, 7)]);
  assert.equal(heldOutPositions(10, 0.1, 7).size, 1);
  assert.equal(heldOutPositions(10, 0.25, 7).size, 3); // round(2.5) = 3
  assert.equal(heldOutPositions(2, 0.01, 1).size, 1, 'at least one');
  assert.equal(heldOutPositions(3, 0.99, 1).size, 2, 'never all');
  const seen = new Set<string>();
  for (let s = 0; s < 20; s++) seen.add([...heldOutPositions(10, 0.2, s)].sort().join());
  assert.ok(seen.size > 5, 'different seeds hold out different pairs');
  for (let s = 0; s < 20; s++) for (const p of heldOutPositions(10, 0.2, s)) assert.ok(p >= 0 && p < 10);
});

test('a set: validation, missing inputs, materialised into a dataset models/train accepts', async () => {
  const tp = await tempProject();
  try {
    const { project } = tp;
    const sets = new TrainingSetRepo(project.ctx);
    const { photos, garments } = await catalogue(project, 4);
    const pairs = photos.map((p, i) => ({ modelPhotoId: p.id, garmentId: garments[i]!.id }));

    assert.throws(() => sets.create({ name: 'x', pairs: [pairs[0]!] }), /pairs is .*expected .*2/);
    assert.throws(() => sets.create({ name: 'x', pairs: [pairs[0]!, { modelPhotoId: 99, garmentId: garments[0]!.id }] }), (e: Error & { kind?: string }) => e.kind === 'not_found' && /pairs\[1\]\.modelPhotoId is 99/.test(e.message));
    assert.throws(() => sets.create({ name: 'x', pairs: [pairs[0]!, { ...pairs[1]!, garmentPhotoId: garments[0]!.photoId }] }), /pairs\[1\]\.garmentPhotoId .*a photo of garment/);
    assert.throws(() => sets.create({ name: 'x', pairs: [pairs[0]!, pairs[0]!] }), /pairs\[1\].*same as pairs\[0\]/);
    assert.equal(count(project, 'training_sets'), 0, 'refused sets wrote nothing');

    const set = sets.create({ name: 'Mixed', pairs, holdoutFraction: 0.25, seed: 4 });
    assert.deepEqual([set.pairs, set.heldOut, set.incomplete], [4, 1, 4]);
    assert.throws(() => sets.create({ name: 'Mixed', pairs }), (e: Error & { kind?: string }) => e.kind === 'conflict');
    const rows = sets.pairs(set.id);
    assert.deepEqual(rows.map((r) => r.category), ['upper_body', 'dresses', 'upper_body', 'dresses'], "the garment's category by default");
    assert.deepEqual(rows.map((r) => r.garmentPhotoId), garments.map((g) => g.photoId));
    assert.ok(rows.every((r) => r.missing.join() === 'mask,densepose'));
    assert.throws(() => sets.materialise(set.id, join(tp.dir, 'ds')), /pair 1 \(p0 × SKU-0\) lacks mask and densepose/);
    assert.ok(!existsSync(join(tp.dir, 'ds', 'pairs.jsonl')));

    // A mask in the wrong category does not count; the right one does.
    await project.modelPhotos.addMask({ modelPhotoId: photos[1]!.id, category: 'upper_body', file: await pngBytes(24, 32, 50, 1) });
    assert.deepEqual(sets.pairs(set.id)[1]!.missing, ['mask', 'densepose']);
    for (const [i, p] of photos.entries()) await inputs(project, p.id, i % 2 ? 'dresses' : 'upper_body', 10 * i + 1);
    assert.equal(sets.get(set.id)!.incomplete, 0);
    assert.deepEqual(sets.pairs(set.id, 'DC-I-map')[0]!.missing, ['densepose'], 'DensePose is looked for in the base model\'s format');

    const out = join(tp.dir, 'ds');
    assert.deepEqual(sets.materialise(set.id, out), { pairs: 4, heldOut: 1 });
    const lines = readFileSync(join(out, 'pairs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    assert.deepEqual(lines.map((l) => l.split === 'val'), rows.map((r) => r.split === 'heldout'));
    assert.ok(readFileSync(join(out, lines[0].person)).equals(readFileSync(project.blobPath(rows[0]!.modelPhotoHash))), 'the person photo is copied byte for byte');
    const records = await validateDataset(out);
    assert.deepEqual(records.map((r) => [r.category, r.split]), lines.map((l) => [l.category, l.split === 'val' ? 'heldout' : 'train']));
  } finally {
    await tp.cleanup();
  }
});

test('runs: lifecycle, metrics replaced on resume, samples as blobs', async () => {
  const tp = await tempProject();
  try {
    const { project } = tp;
    const sets = new TrainingSetRepo(project.ctx);
    const runs = new TrainingRunRepo(project.ctx);
    const { photos, garments } = await catalogue(project, 2);
    const set = sets.create({ name: 'S', pairs: photos.map((p, i) => ({ modelPhotoId: p.id, garmentId: garments[i]!.id })) });
    const weights = join(tp.dir, 'w.bin');
    (await import('node:fs')).writeFileSync(weights, Buffer.from('not really weights'));
    const ckpt = await project.checkpoints.import({ file: weights, name: 'base', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true });

    const run = runs.create({ setId: set.id, baseCheckpointId: ckpt.id, config: { mode: 'lora', steps: 4 }, totalSteps: 4 });
    assert.deepEqual([run.status, run.folder, run.setName, run.step], ['queued', `training/run-${run.id}`, 'S', 0]);
    assert.throws(() => runs.setStatus(run.id, 'succeeded'), (e: Error & { kind?: string }) => e.kind === 'conflict' && /a queued run can move to \(running, cancelled, queued\)/.test(e.message));
    runs.setStatus(run.id, 'running', { startedAt: 5, pausedQueue: true });
    const m = (step: number, total: number) => ({ step, total, diffusion: total, leffa: null, lr: 1e-5, gradNorm: 1, stepMs: 10 });
    for (let s = 1; s <= 3; s++) runs.addMetric(run.id, m(s, s));
    assert.equal(runs.get(run.id)!.step, 3);
    const png = await pngBytes(8, 4, 3);
    const blob = await project.files.putBytes(png);
    runs.addSample(run.id, 3, blob, { width: 8, height: 4 });
    assert.deepEqual(runs.samples(run.id), [{ step: 3, blobHash: blob.hash }]);
    assert.equal(project.db.prepare('SELECT media_type FROM blobs WHERE hash = ?').pluck().get(blob.hash), 'image/png');

    const paused = runs.setStatus(run.id, 'paused', { step: 3, resume: true });
    assert.deepEqual([paused.status, paused.resume, paused.pausedQueue, paused.startedAt], ['paused', true, true, 5]);
    runs.setStatus(run.id, 'queued');
    runs.setStatus(run.id, 'running');
    runs.truncateAfter(run.id, 2); // resumed from its step-2 checkpoint: step 3 is trained again
    assert.deepEqual(runs.metrics(run.id).map((x) => x.step), [1, 2]);
    assert.deepEqual(runs.samples(run.id), []);
    runs.addMetric(run.id, m(3, 0.5));
    runs.addMetric(run.id, m(4, 0.25));
    assert.deepEqual(runs.metrics(run.id).map((x) => [x.step, x.total]), [[1, 1], [2, 2], [3, 0.5], [4, 0.25]]);
    const done = runs.setStatus(run.id, 'succeeded', { checkpointId: ckpt.id, finishedAt: 9 });
    assert.deepEqual([done.checkpointId, done.finishedAt, done.error], [ckpt.id, 9, null]);
    assert.throws(() => runs.setStatus(run.id, 'queued'), /none: it has ended/);
    runs.clearPausedQueue(run.id);
    assert.equal(runs.get(run.id)!.pausedQueue, false);
    assert.deepEqual(runs.list().map((r) => r.id), [run.id]);
    assert.deepEqual(runs.withStatus('succeeded').map((r) => r.id), [run.id]);
  } finally {
    await tp.cleanup();
  }
});
