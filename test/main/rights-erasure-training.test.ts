// Right to erasure and training (migration 009), through the API on a real store in a temp folder:
// - models:erasePlan lists the training sets that hold pairs of the person, the runs whose held-out pairs showed
//   them (their sample grids go), and the checkpoints trained on them (and built on those);
// - models:erase removes the pairs, the sample rows and files of those runs and the dataset copies in their
//   run folders; the derived checkpoints are kept (and reported) unless alsoDerivedCheckpoints is set, and then
//   go with their files and what was made with them;
// - a training set that gains a pair of the person changes the plan's digest (a stale plan is refused);
// - a running training run on a set with the person refuses the erasure; a malformed option is refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../../main/store/index.ts';
import { TrainingRunRepo } from '../../main/store/training-runs.ts';
import { TrainingSetRepo } from '../../main/store/training-sets.ts';
import { makeHost, solidPng, type TestHost } from './api-helpers.ts';

const W = 16, H = 16;
const hosts: TestHost[] = [];
after(async () => { for (const h of hosts) await h.close(); });

const png = (v: number) => solidPng(W, H, v, 3);
const count = (project: Project, sql: string, ...params: unknown[]) => project.db.prepare(sql).pluck().get(...params) as number;

/**
 * Ana and Bo, two garments, a base checkpoint. Set "catalogue": Ana×G1 train, Ana×G2 held out, Bo×G1 train,
 * Bo×G2 held out; set "bo only": Bo×G1 train, Bo×G2 held out (Bo must not be there for Ana's erasure to touch it).
 * Run 1 (catalogue) succeeded with 2 samples and registered checkpoint "Tuned"; run 2 (bo only) has 1 sample;
 * run 3 trained from "Tuned" (on bo only) and registered the LoRA "Tuned LoRA"; a batch with "Tuned" made a result.
 * Run 1's folder still has a dataset copy.
 */
async function setup(name: string) {
  const t = await makeHost();
  hosts.push(t);
  await t.ok('project:create', { name });
  const project = t.host.projects.require();
  const photo = async (n: string, seed: number) => {
    const p = await project.modelPhotos.add({ name: n, file: await png(seed) });
    await project.modelPhotos.addMask({ modelPhotoId: p.id, category: 'upper_body', file: await solidPng(W, H, 255) });
    await project.modelPhotos.addDensePose({ modelPhotoId: p.id, file: await png(seed + 1), format: 'HD-parula', origin: 'imported', approximated: false });
    return p.id;
  };
  const ana = await photo('Ana front', 10);
  const bo = await photo('Bo front', 20);
  const g1 = project.garments.add({ sku: 'G-1', name: 'Tee', category: 'upper_body' });
  await project.garments.addPhoto({ garmentId: g1.id, file: await png(90), type: 'flat-lay' });
  const g2 = project.garments.add({ sku: 'G-2', name: 'Shirt', category: 'upper_body' });
  await project.garments.addPhoto({ garmentId: g2.id, file: await png(95), type: 'flat-lay' });
  const weights = async (file: string, text: string) => { const f = join(t.dir, file); writeFileSync(f, text); return f; };
  const base = await project.checkpoints.import({ file: await weights('base.bin', 'base weights'), name: 'Base', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true });

  const sets = new TrainingSetRepo(project.ctx);
  const runs = new TrainingRunRepo(project.ctx);
  const split = (setId: number, splits: string[]) => splits.forEach((s, position) => project.db.prepare(`UPDATE training_pairs SET split = ? WHERE set_id = ? AND position = ?`).run(s, setId, position));
  const catalogue = sets.create({ name: 'catalogue', pairs: [
    { modelPhotoId: ana, garmentId: g1.id }, { modelPhotoId: ana, garmentId: g2.id }, { modelPhotoId: bo, garmentId: g1.id }, { modelPhotoId: bo, garmentId: g2.id }] });
  split(catalogue.id, ['train', 'heldout', 'train', 'heldout']);
  const boOnly = sets.create({ name: 'bo only', pairs: [{ modelPhotoId: bo, garmentId: g1.id }, { modelPhotoId: bo, garmentId: g2.id }] });
  split(boOnly.id, ['train', 'heldout']);

  const sample = async (runId: number, step: number, seed: number) => runs.addSample(runId, step, await project.files.putBytes(await png(seed)), { width: W, height: H });
  const finish = (runId: number, checkpointId: number | null) => {
    runs.setStatus(runId, 'running', { startedAt: Date.now() });
    return runs.setStatus(runId, 'succeeded', { step: 4, ...(checkpointId !== null && { checkpointId }), finishedAt: Date.now() });
  };
  const config = { mode: 'full', steps: 4 };
  const run1 = runs.create({ setId: catalogue.id, baseCheckpointId: base.id, config, totalSteps: 4 });
  await sample(run1.id, 2, 101);
  await sample(run1.id, 4, 102);
  const tuned = await project.checkpoints.import({
    file: await weights('tuned.bin', 'tuned weights'), name: 'Tuned', kind: 'finetune', architecture: 'sd15', licence: 'MIT', commercialUse: true,
    parentId: base.id, trainingRun: { runId: run1.id },
  });
  finish(run1.id, tuned.id);
  mkdirSync(join(project.dir, run1.folder, 'dataset', 'person'), { recursive: true });
  writeFileSync(join(project.dir, run1.folder, 'dataset', 'person', '0001.png'), await png(10));

  const run2 = runs.create({ setId: boOnly.id, baseCheckpointId: base.id, config, totalSteps: 4 });
  await sample(run2.id, 4, 103);
  runs.setStatus(run2.id, 'running', { startedAt: Date.now() });
  runs.setStatus(run2.id, 'paused', { step: 4 });

  const run3 = runs.create({ setId: boOnly.id, baseCheckpointId: tuned.id, config: { mode: 'lora', steps: 4 }, totalSteps: 4 });
  await sample(run3.id, 4, 104);
  const lora = await project.checkpoints.import({
    file: await weights('lora.bin', 'lora weights'), name: 'Tuned LoRA', kind: 'LoRA', architecture: 'sd15', licence: 'MIT', commercialUse: true,
    parentId: tuned.id, trainingRun: { runId: run3.id },
  });
  finish(run3.id, lora.id);

  // Run 4 (catalogue) was stopped at step 2: its folder holds intermediate weights trained on Ana.
  const run4 = runs.create({ setId: catalogue.id, baseCheckpointId: base.id, config, totalSteps: 4 });
  runs.setStatus(run4.id, 'running', { startedAt: Date.now() });
  runs.addMetric(run4.id, { step: 1, total: 1, diffusion: 1, leffa: null, lr: 1e-4, gradNorm: 1, stepMs: 1 });
  runs.addMetric(run4.id, { step: 2, total: 1, diffusion: 1, leffa: null, lr: 1e-4, gradNorm: 1, stepMs: 1 });
  runs.setStatus(run4.id, 'paused', { step: 2, resume: true });
  mkdirSync(join(project.dir, run4.folder, 'output', 'checkpoints'), { recursive: true });
  writeFileSync(join(project.dir, run4.folder, 'output', 'checkpoints', 'step-2.bin'), 'weights at step 2');

  // A cell of Bo made with "Tuned" (not Ana's: it goes only with the derived checkpoints).
  const batch = project.db.prepare(`INSERT INTO batches (name, checkpoint_id, spec, created_at) VALUES ('with tuned', ?, '{}', 0) RETURNING id`).pluck().get(tuned.id) as number;
  const gp = project.db.prepare(`SELECT id FROM garment_photos WHERE garment_id = ?`).pluck().get(g1.id) as number;
  const job = project.db.prepare(`INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, checkpoint_id, seed, settings, settings_hash, steps, status, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, 1, '{}', 'h-tuned', 1, 'succeeded', 0, 0) RETURNING id`).pluck().get(batch, g1.id, gp, bo, tuned.id) as number;
  const blob = await project.files.putBytes(await png(120));
  const result = project.ctx.blobRows.commitOrDiscard(blob, () => project.db.transaction(() => {
    project.ctx.blobRows.register(blob, { mediaType: 'image/png', width: W, height: H });
    return project.results.insert({ jobId: job, batchId: batch, garmentId: g1.id, modelPhotoId: bo, checkpointId: tuned.id, category: 'upper_body', settingsHash: 'h-tuned', blobHash: blob.hash, width: W, height: H, commercialUse: true, record: '{}' });
  })());
  return { t, project, sets, runs, ana, bo, g1, g2, base, tuned, lora, catalogue, boOnly, run1, run2, run3, run4, result, resultBlob: blob.hash };
}

const sampleHashes = (project: Project, runId: number) => project.db.prepare(`SELECT blob_hash FROM training_samples WHERE run_id = ? ORDER BY step`).pluck().all(runId) as string[];

test('the plan lists training sets, runs with samples and derived checkpoints; erase removes pairs, samples and dataset copies and keeps the checkpoints by default', async () => {
  const s = await setup('Erase training, default');
  const { t, project } = s;
  const plan = await t.ok('models:erasePlan', { modelPhotoIds: [s.ana] });
  assert.deepEqual(plan.training.sets, [{ id: s.catalogue.id, name: 'catalogue', pairs: 2 }]);
  assert.deepEqual(plan.training.sampleRuns, [{ id: s.run1.id, samples: 2 }]);
  assert.deepEqual(plan.training.runningRuns, []);
  assert.deepEqual(plan.training.derivedCheckpoints.map((c) => [c.id, c.name, c.kind]), [[s.tuned.id, 'Tuned', 'finetune'], [s.lora.id, 'Tuned LoRA', 'LoRA']]);
  assert.deepEqual(plan.training.derived, { jobs: 1, results: 1, runs: 1, files: 4, running: 0 }); // 2 weights, the result, run 3's sample
  assert.deepEqual(plan.training.unfinishedRuns, [s.run4.id]);
  assert.ok(plan.lines.some((l) => new RegExp(`1 unfinished training run with weights trained on them \\(run ${s.run4.id}\\): kept unless`).test(l)), plan.lines.join('\n'));
  assert.ok(plan.lines.some((l) => /2 training pairs removed from 1 training set \(catalogue\)/.test(l)), plan.lines.join('\n'));
  assert.ok(plan.lines.some((l) => /2 sample images of 1 training run/.test(l)), plan.lines.join('\n'));
  assert.ok(plan.lines.some((l) => /2 checkpoints trained on these photos \(Tuned, Tuned LoRA\): kept unless/.test(l)), plan.lines.join('\n'));

  const run1Samples = sampleHashes(project, s.run1.id);
  const keptSample = sampleHashes(project, s.run2.id)[0]!;
  const done = await t.ok('models:erase', { modelPhotoIds: [s.ana], confirm: plan.digest });
  assert.equal(done.trainingPairsRemoved, 2);
  assert.equal(done.samplesDeleted, 2);
  assert.equal(done.derivedCheckpointsDeleted, 0);
  assert.deepEqual(done.derivedCheckpointsKept, [s.tuned.id, s.lora.id]);

  // Pairs gone from the set, Bo's stay; the set is still usable.
  assert.equal(count(project, `SELECT count(*) FROM training_pairs WHERE model_photo_id = ?`, s.ana), 0);
  assert.deepEqual(s.sets.pairs(s.catalogue.id).map((p) => [p.modelPhotoId, p.split]), [[s.bo, 'train'], [s.bo, 'heldout']]);
  // Run 1's samples: rows and files gone; run 2's (Bo only) untouched; the dataset copy is gone.
  assert.deepEqual(sampleHashes(project, s.run1.id), []);
  for (const h of run1Samples) assert.equal(existsSync(project.blobPath(h)), false, `sample ${h} deleted`);
  assert.deepEqual(sampleHashes(project, s.run2.id), [keptSample]);
  assert.ok(existsSync(project.blobPath(keptSample)));
  assert.equal(existsSync(join(project.dir, s.run1.folder, 'dataset')), false);
  // The checkpoints, their files, the run that made them and what was made with them stay.
  for (const c of [s.tuned, s.lora]) {
    assert.ok(project.checkpoints.get(c.id), `checkpoint ${c.name} kept`);
    assert.ok(existsSync(project.blobPath(c.blobHash)));
  }
  assert.equal(s.runs.get(s.run1.id)?.checkpointId, s.tuned.id);
  assert.equal(count(project, `SELECT count(*) FROM results WHERE id = ?`, s.result), 1);
  assert.equal(count(project, `SELECT count(*) FROM training_runs WHERE id = ?`, s.run3.id), 1);
  // The unfinished run keeps its weights and steps (its dataset copy went).
  assert.deepEqual([s.runs.get(s.run4.id)?.step, s.runs.get(s.run4.id)?.resume, s.runs.metrics(s.run4.id).length], [2, true, 2]);
  assert.ok(existsSync(join(project.dir, s.run4.folder, 'output', 'checkpoints', 'step-2.bin')));
});

test('alsoDerivedCheckpoints deletes the derived checkpoints, their files and what was made with them', async () => {
  const s = await setup('Erase training, derived');
  const { t, project } = s;
  mkdirSync(join(project.dir, s.run3.folder, 'output'), { recursive: true });
  const plan = await t.ok('models:erasePlan', { modelPhotoIds: [s.ana] });
  const run3Sample = sampleHashes(project, s.run3.id)[0]!;
  const done = await t.ok('models:erase', { modelPhotoIds: [s.ana], confirm: plan.digest, alsoDerivedCheckpoints: true });
  assert.equal(done.derivedCheckpointsDeleted, 2);
  assert.deepEqual(done.derivedCheckpointsKept, []);
  for (const c of [s.tuned, s.lora]) {
    assert.equal(project.checkpoints.get(c.id), undefined, `checkpoint ${c.name} deleted`);
    assert.equal(existsSync(project.blobPath(c.blobHash)), false, `${c.name}'s file deleted`);
  }
  // The base stays; the run that registered "Tuned" stays, without its checkpoint; run 3 (trained from it) and the cell made with it go.
  assert.ok(project.checkpoints.get(s.base.id));
  assert.ok(existsSync(project.blobPath(s.base.blobHash)));
  assert.equal(s.runs.get(s.run1.id)?.checkpointId, null);
  assert.equal(s.runs.get(s.run3.id), undefined);
  assert.equal(existsSync(project.blobPath(run3Sample)), false);
  assert.equal(existsSync(join(project.dir, s.run3.folder)), false);
  assert.equal(count(project, `SELECT count(*) FROM results WHERE id = ?`, s.result), 0);
  assert.equal(existsSync(project.blobPath(s.resultBlob)), false);
  assert.equal(count(project, `SELECT count(*) FROM batches WHERE checkpoint_id = ?`, s.tuned.id), 0);
  // The unfinished run starts again from scratch: weights, steps and metrics gone; it can still be resumed (as a fresh start).
  assert.deepEqual([s.runs.get(s.run4.id)?.status, s.runs.get(s.run4.id)?.step, s.runs.get(s.run4.id)?.resume, s.runs.metrics(s.run4.id).length], ['paused', 0, false, 0]);
  assert.equal(existsSync(join(project.dir, s.run4.folder, 'output')), false);
  // Bo, his pairs and run 2 are untouched.
  assert.equal(count(project, `SELECT count(*) FROM model_photos WHERE id = ?`, s.bo), 1);
  assert.equal(count(project, `SELECT count(*) FROM training_pairs WHERE model_photo_id = ?`, s.bo), 4);
  assert.equal(sampleHashes(project, s.run2.id).length, 1);
});

test('a training set gaining a pair of the person changes the digest; a stale plan and a running training run refuse the erasure; a malformed option is refused', async () => {
  const s = await setup('Erase training, refusals');
  const { t, project } = s;
  const before = await t.ok('models:erasePlan', { modelPhotoIds: [s.ana] });
  s.sets.create({ name: 'new set', pairs: [{ modelPhotoId: s.ana, garmentId: s.g1.id }, { modelPhotoId: s.bo, garmentId: s.g2.id }] });
  const after = await t.ok('models:erasePlan', { modelPhotoIds: [s.ana] });
  assert.notEqual(after.digest, before.digest);
  assert.deepEqual(after.training.sets.map((x) => x.name), ['catalogue', 'new set']);
  await t.fails('models:erase', { modelPhotoIds: [s.ana], confirm: before.digest }, 'conflict', /not the plan/);
  assert.equal(count(project, `SELECT count(*) FROM training_pairs WHERE model_photo_id = ?`, s.ana), 3, 'nothing deleted');

  await t.fails('models:erase', { modelPhotoIds: [s.ana], confirm: after.digest, alsoDerivedCheckpoints: 1 }, 'validation', /alsoDerivedCheckpoints/);

  // A run on a set with Ana is training: refused until it stops.
  const running = s.runs.create({ setId: s.catalogue.id, baseCheckpointId: s.base.id, config: { mode: 'full', steps: 4 }, totalSteps: 4 });
  s.runs.setStatus(running.id, 'running', { startedAt: Date.now() });
  const plan = await t.ok('models:erasePlan', { modelPhotoIds: [s.ana] });
  assert.deepEqual(plan.training.runningRuns, [running.id]);
  assert.ok(plan.lines.some((l) => /training run using them running now/.test(l)), plan.lines.join('\n'));
  await t.fails('models:erase', { modelPhotoIds: [s.ana], confirm: plan.digest }, 'conflict', /training run\(s\) \d+ .*training/);
  assert.equal(count(project, `SELECT count(*) FROM model_photos WHERE id = ?`, s.ana), 1, 'nothing deleted');
  s.runs.setStatus(running.id, 'paused', { step: 1 });
  const again = await t.ok('models:erasePlan', { modelPhotoIds: [s.ana] });
  await t.ok('models:erase', { modelPhotoIds: [s.ana], confirm: again.digest });
  assert.equal(count(project, `SELECT count(*) FROM model_photos WHERE id = ?`, s.ana), 0);
});
