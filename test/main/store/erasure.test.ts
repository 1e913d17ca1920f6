// Right to erasure: the plan lists what goes; executing it leaves nothing of that model (rows or files) and
// touches no other model; a shared file stays; a stale plan or a running job is refused; and a crash between
// the commit and the file deletion leaves a consistent store whose leftovers the orphan check cleans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { executeErasure, planErasure } from '../../../main/store/erasure.ts';
import { openProject, type Project } from '../../../main/store/index.ts';
import { listBlobFiles } from '../../../main/store/integrity.ts';
import { ReleaseRepo } from '../../../main/store/releases.ts';
import { count, pngBytes, tempProject } from './helpers.ts';

const W = 16, H = 16;

interface Person { photoId: number; maskId: number; denseId: number; results: number[]; jobs: number[] }

/** Checkpoint, garment and a batch shared by everyone, as in a real project. */
async function shared(project: Project) {
  const file = join(project.dir, 'weights.bin');
  await writeFile(file, 'weights');
  const ckpt = (await project.checkpoints.import({ file, name: 'Tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true })).id;
  const g = project.garments.add({ sku: 'SKU-1', name: 'Shirt', category: 'upper_body' });
  const gp = await project.garments.addPhoto({ garmentId: g.id, file: await pngBytes(W, H, 900), type: 'flat-lay' });
  const batch = project.db.prepare(`INSERT INTO batches (name, checkpoint_id, spec, created_at) VALUES ('b', ?, '{}', 0) RETURNING id`).pluck().get(ckpt) as number;
  return { ckpt, garmentId: g.id, garmentPhotoId: gp.id, batch };
}

type Shared = Awaited<ReturnType<typeof shared>>;

function addJob(project: Project, s: Shared, p: Omit<Person, 'results' | 'jobs'>, seed: number, status = 'succeeded'): number {
  return project.db.prepare(`INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, mask_id, densepose_id, checkpoint_id, seed, settings, settings_hash, steps, status, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, 1, ?, 0, 0) RETURNING id`).pluck().get(s.batch, s.garmentId, s.garmentPhotoId, p.photoId, p.maskId, p.denseId, s.ckpt, seed, `h${p.photoId}-${seed}`, status) as number;
}

async function addResult(project: Project, s: Shared, p: Person, seed: number): Promise<number> {
  const job = addJob(project, s, p, seed);
  const blob = await project.files.putBytes(await pngBytes(W, H, 5000 + p.photoId * 100 + seed));
  const id = project.ctx.blobRows.commitOrDiscard(blob, () => project.db.transaction(() => {
    project.ctx.blobRows.register(blob, { mediaType: 'image/png', width: W, height: H });
    return project.results.insert({ jobId: job, batchId: s.batch, garmentId: s.garmentId, modelPhotoId: p.photoId, checkpointId: s.ckpt, category: 'upper_body', settingsHash: `h${p.photoId}-${seed}`, blobHash: blob.hash, width: W, height: H, commercialUse: true, record: JSON.stringify({ inputs: { person: `${p.photoId}.png` } }) });
  })());
  p.jobs.push(job);
  p.results.push(id);
  return id;
}

/** A model with two photos' worth of data: photo, mask, DensePose, a release with a scan, results, a review. */
async function addPerson(project: Project, s: Shared, name: string, seed: number, maskBytes?: Buffer): Promise<Person> {
  const photo = await project.modelPhotos.add({ name: `${name} front`, file: await pngBytes(W, H, seed) });
  const mask = await project.modelPhotos.addMask({ modelPhotoId: photo.id, category: 'upper_body', file: maskBytes ?? await pngBytes(W, H, seed + 1, 1) });
  const dense = await project.modelPhotos.addDensePose({ modelPhotoId: photo.id, file: await pngBytes(W, H, seed + 2), format: 'HD-parula', origin: 'imported', approximated: false });
  await new ReleaseRepo(project.ctx).add({ modelPhotoId: photo.id, subject: name, consentDate: '2025-01-01', channels: ['web'], regions: ['*'], scan: await pngBytes(W, H, seed + 3) });
  const p: Person = { photoId: photo.id, maskId: mask.id, denseId: dense.id, results: [], jobs: [] };
  await addResult(project, s, p, 1);
  await addResult(project, s, p, 2);
  project.reviews.add({ resultId: p.results[0]!, status: 'approved', reviewer: 'mia' });
  return p;
}

/** Rows anywhere that still point at this person. */
function leftOf(project: Project, p: Person): Record<string, number> {
  const n = (sql: string, ...a: unknown[]) => project.db.prepare(sql).pluck().get(...a) as number;
  return {
    model_photos: n(`SELECT count(*) FROM model_photos WHERE id = ?`, p.photoId),
    masks: n(`SELECT count(*) FROM masks WHERE model_photo_id = ?`, p.photoId),
    densepose: n(`SELECT count(*) FROM densepose WHERE model_photo_id = ?`, p.photoId),
    releases: n(`SELECT count(*) FROM model_releases WHERE model_photo_id = ?`, p.photoId),
    jobs: n(`SELECT count(*) FROM jobs WHERE model_photo_id = ?`, p.photoId),
    results: n(`SELECT count(*) FROM results WHERE model_photo_id = ?`, p.photoId),
    records: n(`SELECT count(*) FROM result_records WHERE result_id IN (SELECT value FROM json_each(?))`, JSON.stringify(p.results)),
    reviews: n(`SELECT count(*) FROM reviews WHERE result_id IN (SELECT value FROM json_each(?))`, JSON.stringify(p.results)),
    export_items: n(`SELECT count(*) FROM export_items WHERE result_id IN (SELECT value FROM json_each(?))`, JSON.stringify(p.results)),
  };
}

const none = { model_photos: 0, masks: 0, densepose: 0, releases: 0, jobs: 0, results: 0, records: 0, reviews: 0, export_items: 0 };

test('erasing a model removes their photos, inputs, releases and results, and nothing of anyone else', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const s = await shared(project);
    const sharedMask = await pngBytes(W, H, 77, 1);
    const ana = await addPerson(project, s, 'Ana Silva', 10, sharedMask);
    const bo = await addPerson(project, s, 'Bo Berg', 20, sharedMask); // same mask bytes: one blob, used by both
    const exp = project.exports.record({ name: 'web', targetDir: 'exports/web', preset: {}, items: [{ resultId: ana.results[0]!, fileName: 'ana.jpg' }, { resultId: bo.results[0]!, fileName: 'bo.jpg' }] });
    await mkdir(join(t.dir, 'exports', 'web'), { recursive: true });
    await writeFile(join(t.dir, 'exports', 'web', 'ana.jpg'), 'exported copy');
    await writeFile(join(t.dir, 'exports', 'web', 'bo.jpg'), 'exported copy');
    const boBefore = leftOf(project, bo);
    const filesBefore = await listBlobFiles(project.files.root);

    const plan = planErasure(project.ctx, { subject: 'ana silva' });
    assert.deepEqual([plan.modelPhotos, plan.masks, plan.densePoses, plan.results.length, plan.jobs.length, plan.reviews.length], [[ana.photoId], [ana.maskId], [ana.denseId], 2, 2, 1]);
    assert.deepEqual(plan.exportedFiles, ['exports/web/ana.jpg']);
    assert.equal(plan.blobs.length, 5, 'photo, DensePose, release scan and two results; the shared mask stays');
    assert.equal(plan.sharedBlobs.length, 1);
    assert.match(plan.summary.join('\n'), /1 model photo \(Ana Silva front\)\n1 mask, 1 DensePose input, 1 release record\n2 results with 1 review, 1 export record; 2 jobs\n5 stored files deleted; 1 file also used elsewhere stay/);
    assert.deepEqual(leftOf(project, ana).model_photos, 1, 'planning deletes nothing');
    assert.deepEqual(await listBlobFiles(project.files.root), filesBefore);

    const report = await executeErasure(project.ctx, plan, { deleteExportedFiles: true });
    assert.deepEqual(leftOf(project, ana), none);
    assert.deepEqual(leftOf(project, bo), boBefore, 'the other model is untouched');
    assert.equal(report.blobFilesDeleted, 5);
    for (const h of plan.blobs) assert.equal(existsSync(project.blobPath(h)), false, 'erased files are gone');
    for (const h of plan.sharedBlobs) assert.equal(existsSync(project.blobPath(h)), true, 'the shared mask stays');
    assert.equal(existsSync(join(t.dir, 'exports', 'web', 'ana.jpg')), false);
    assert.equal(existsSync(join(t.dir, 'exports', 'web', 'bo.jpg')), true);
    assert.deepEqual(project.exports.get(exp.id)!.items.map((i) => i.fileName), ['bo.jpg']);
    const integrity = await project.checkIntegrity({ verify: true });
    assert.deepEqual([integrity.orphanFiles, integrity.missingFiles, integrity.damagedFiles], [[], [], []], 'rows and files agree');
    assert.equal(project.db.prepare(`SELECT sum(n) FROM job_status_counts`).pluck().get(), count(project, 'jobs'), 'queue totals follow');
    const log = project.db.prepare(`SELECT * FROM erasure_log`).all() as Record<string, unknown>[];
    assert.deepEqual(log.map((l) => [l.model_photos, l.results, l.blobs_deleted]), [[1, 2, 5]]);
    assert.ok(!JSON.stringify(log).includes('Ana'), 'the log keeps no personal data');
    assert.throws(() => planErasure(project.ctx, { subject: 'Ana Silva' }), /planErasure: subject is "Ana Silva"; expected the name or id of a model on a recorded release/);
  } finally {
    await t.cleanup();
  }
});

test('a crash between the commit and the file deletion leaves a consistent store; the orphan check cleans up', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const s = await shared(project);
    const ana = await addPerson(project, s, 'Ana Silva', 10);
    const bo = await addPerson(project, s, 'Bo Berg', 20);
    const boBefore = leftOf(project, bo);
    const plan = planErasure(project.ctx, { modelPhotoIds: [ana.photoId] });
    await assert.rejects(executeErasure(project.ctx, plan, { afterCommit: () => { throw new Error('power cut'); } }), /power cut/);
    assert.deepEqual(leftOf(project, ana), none, 'the transaction committed: no row of the model is left');
    assert.deepEqual(leftOf(project, bo), boBefore);
    for (const h of plan.blobs) assert.equal(existsSync(project.blobPath(h)), true, 'the files were not deleted yet');
    project.close();

    const reopened = await openProject({ dir: t.dir, checkOrphans: 'clean' });
    try {
      assert.deepEqual([...reopened.startupCheck!.orphanFiles].sort(), [...plan.blobs].sort(), 'exactly the erased files are orphans');
      assert.equal(reopened.startupCheck!.cleaned, true);
      for (const h of plan.blobs) assert.equal(existsSync(reopened.blobPath(h)), false);
      const again = await reopened.checkIntegrity({ verify: true });
      assert.deepEqual([again.orphanFiles, again.missingFiles, again.damagedFiles], [[], [], []]);
      assert.equal(reopened.db.prepare(`SELECT count(*) FROM model_photos`).pluck().get(), 1, 'Bo is still there');
    } finally {
      reopened.close();
    }
  } finally {
    await t.cleanup();
  }
});

test('a stale plan or a running job is refused and nothing is deleted', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const s = await shared(project);
    const ana = await addPerson(project, s, 'Ana Silva', 10);
    const plan = planErasure(project.ctx, { subject: 'Ana Silva' });
    await addResult(project, s, ana, 3); // made after the user confirmed the plan
    const rowsBefore = leftOf(project, ana);
    await assert.rejects(executeErasure(project.ctx, plan), /executeErasure: plan is "[0-9a-f]{12}"; expected a plan of the project as it is now \(it changed since planErasure: plan and confirm again\)/);
    assert.deepEqual(leftOf(project, ana), rowsBefore);

    const running = addJob(project, s, ana, 4, 'running');
    const busy = planErasure(project.ctx, { subject: 'Ana Silva' });
    assert.deepEqual(busy.runningJobs, [running]);
    assert.match(busy.summary.at(-1)!, /1 job running now \(\d+\): cancel before erasing/);
    await assert.rejects(executeErasure(project.ctx, busy), /expected no running job of this model/);
    assert.equal(leftOf(project, ana).model_photos, 1);
    assert.throws(() => planErasure(project.ctx, {}), /planErasure: options is \{\}; expected a subject or at least one modelPhotoId/);
    assert.throws(() => planErasure(project.ctx, { modelPhotoIds: [99] }), /planErasure: modelPhotoIds\[0\] is 99; expected the id of an existing model photo/);
  } finally {
    await t.cleanup();
  }
});
