// Erasure in the store, the parts test/main/store/erasure.test.ts leaves open:
// - a crash in the middle of the deletion (the process SIGKILLed inside the transaction, after some rows went)
//   leaves the project exactly as before: every row and file of the model is there, nothing is half-erased,
//   and erasing again afterwards works;
// - rows of tables erasure.ts does not name (added by later migrations) that point at the erased rows, and the
//   rows pointing at those, are deleted too and listed in the plan, instead of a foreign key failing the erasure.
// When run with RIGHTS_CRASH_CHILD=<dir>, this file is the child process that crashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeErasure, planErasure } from '../../main/store/erasure.ts';
import { openProject, type Project } from '../../main/store/index.ts';
import { listBlobFiles } from '../../main/store/integrity.ts';
import { pngBytes, tempProject } from './store/helpers.ts';

const W = 16, H = 16;

/** A model photo with a mask, a DensePose map, a release with a scan, a job and its result (with record and review). */
async function person(project: Project, ckpt: number, garment: { id: number; photoId: number }, batch: number, name: string, seed: number) {
  const photo = await project.modelPhotos.add({ name, file: await pngBytes(W, H, seed) });
  const mask = await project.modelPhotos.addMask({ modelPhotoId: photo.id, category: 'upper_body', file: await pngBytes(W, H, seed + 1, 1) });
  const dense = await project.modelPhotos.addDensePose({ modelPhotoId: photo.id, file: await pngBytes(W, H, seed + 2), format: 'HD-parula', origin: 'imported', approximated: false });
  await project.releases.add({ modelPhotoId: photo.id, subject: name, consentDate: '2025-01-01', channels: ['web'], regions: ['*'], scan: await pngBytes(W, H, seed + 3) });
  const job = project.db.prepare(`INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, mask_id, densepose_id, checkpoint_id, seed, settings, settings_hash, steps, status, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 1, '{}', ?, 1, 'succeeded', 0, 0) RETURNING id`).pluck().get(batch, garment.id, garment.photoId, photo.id, mask.id, dense.id, ckpt, `h${seed}`) as number;
  const blob = await project.files.putBytes(await pngBytes(W, H, seed + 4));
  const result = project.ctx.blobRows.commitOrDiscard(blob, () => project.db.transaction(() => {
    project.ctx.blobRows.register(blob, { mediaType: 'image/png', width: W, height: H });
    return project.results.insert({ jobId: job, batchId: batch, garmentId: garment.id, modelPhotoId: photo.id, checkpointId: ckpt, category: 'upper_body', settingsHash: `h${seed}`, blobHash: blob.hash, width: W, height: H, commercialUse: true, record: '{}' });
  })());
  project.reviews.add({ resultId: result, status: 'approved', reviewer: 'mia' });
  return { photoId: photo.id, resultId: result, jobId: job };
}

async function setup(project: Project) {
  const weights = join(project.dir, 'weights.bin');
  await writeFile(weights, 'weights');
  const ckpt = (await project.checkpoints.import({ file: weights, name: 'Tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true })).id;
  const g = project.garments.add({ sku: 'SKU-1', name: 'Shirt', category: 'upper_body' });
  const gp = await project.garments.addPhoto({ garmentId: g.id, file: await pngBytes(W, H, 900), type: 'flat-lay' });
  const batch = project.db.prepare(`INSERT INTO batches (name, checkpoint_id, spec, created_at) VALUES ('b', ?, '{}', 0) RETURNING id`).pluck().get(ckpt) as number;
  const ana = await person(project, ckpt, { id: g.id, photoId: gp.id }, batch, 'Ana Silva', 10);
  const bo = await person(project, ckpt, { id: g.id, photoId: gp.id }, batch, 'Bo Berg', 20);
  return { ana, bo };
}

/** Every row of every table, as text: equal snapshots mean an unchanged database. */
function snapshot(project: Project): Record<string, string> {
  const tables = project.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
  return Object.fromEntries(tables.map((tb) => [tb, JSON.stringify(project.db.prepare(`SELECT * FROM "${tb}" ORDER BY 1`).all())]));
}

if (process.env.RIGHTS_CRASH_CHILD) {
  // The child: plan the erasure of photo 1, then die inside executeErasure's transaction, at the delete of the
  // model_photos row (results, jobs, releases, masks and DensePose rows were already deleted in the transaction).
  const project = await openProject({ dir: process.env.RIGHTS_CRASH_CHILD, checkOrphans: 'skip' });
  const plan = planErasure(project.ctx, { modelPhotoIds: [Number(process.env.RIGHTS_CRASH_PHOTO)] });
  project.db.function('crash_now', () => {
    process.stdout.write('crashing\n');
    process.kill(process.pid, 'SIGKILL');
    return 0;
  });
  project.db.exec(`CREATE TEMP TRIGGER crash_mid_erasure BEFORE DELETE ON main.model_photos BEGIN SELECT crash_now(); END`);
  await executeErasure(project.ctx, plan);
  process.stdout.write('not crashed\n');
} else {
  test('a crash in the middle of the erasure transaction leaves the project as it was; erasing again works', { timeout: 60_000 }, async () => {
    const t = await tempProject();
    try {
      const { ana, bo } = await setup(t.project);
      const before = snapshot(t.project);
      const filesBefore = await listBlobFiles(t.project.files.root);
      t.project.close();

      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
        env: { ...process.env, RIGHTS_CRASH_CHILD: t.dir, RIGHTS_CRASH_PHOTO: String(ana.photoId) }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
      assert.equal(signal, 'SIGKILL', out);
      assert.match(out, /crashing/);

      const project = await openProject({ dir: t.dir, checkOrphans: 'report' });
      try {
        assert.deepEqual(snapshot(project), before, 'every row is back: the half-done transaction never happened');
        assert.deepEqual(await listBlobFiles(project.files.root), filesBefore, 'every file is there');
        const check = await project.checkIntegrity({ verify: true });
        assert.deepEqual([check.orphanFiles, check.missingFiles, check.damagedFiles], [[], [], []]);
        assert.equal((project.db.pragma('foreign_key_check') as unknown[]).length, 0);

        const plan = planErasure(project.ctx, { modelPhotoIds: [ana.photoId] });
        await executeErasure(project.ctx, plan);
        assert.equal(project.db.prepare(`SELECT count(*) FROM model_photos WHERE id = ?`).pluck().get(ana.photoId), 0);
        assert.equal(project.db.prepare(`SELECT count(*) FROM results WHERE id = ?`).pluck().get(bo.resultId), 1, 'Bo stays');
        for (const h of plan.blobs) assert.equal(existsSync(project.blobPath(h)), false);
      } finally {
        project.close();
      }
    } finally {
      await t.cleanup();
    }
  });

  test('rows of tables erasure does not name (later migrations) that point at erased rows go too, and are listed', async () => {
    const t = await tempProject();
    try {
      const { project } = t;
      const { ana, bo } = await setup(project);
      // As a later feature might add them: notes on results, tags on those notes (two levels), a link table
      // without rowid to model photos, and a nullable link to jobs.
      project.db.exec(`
        CREATE TABLE ext_notes (id INTEGER PRIMARY KEY, result_id INTEGER NOT NULL REFERENCES results(id), text TEXT);
        CREATE TABLE ext_note_tags (note_id INTEGER NOT NULL REFERENCES ext_notes(id), tag TEXT NOT NULL);
        CREATE TABLE ext_photo_sets (set_name TEXT NOT NULL, model_photo_id INTEGER NOT NULL REFERENCES model_photos(id), PRIMARY KEY (set_name, model_photo_id)) WITHOUT ROWID;
        CREATE TABLE ext_job_links (id INTEGER PRIMARY KEY, job_id INTEGER REFERENCES jobs(id));
      `);
      const note = (r: number) => project.db.prepare(`INSERT INTO ext_notes (result_id, text) VALUES (?, 'x') RETURNING id`).pluck().get(r) as number;
      const [na, nb] = [note(ana.resultId), note(bo.resultId)];
      for (const [n, tag] of [[na, 'a'], [na, 'b'], [nb, 'c']] as const) project.db.prepare(`INSERT INTO ext_note_tags VALUES (?, ?)`).run(n, tag);
      project.db.prepare(`INSERT INTO ext_photo_sets VALUES ('train', ?), ('train', ?)`).run(ana.photoId, bo.photoId);
      project.db.prepare(`INSERT INTO ext_job_links (job_id) VALUES (?), (?)`).run(ana.jobId, bo.jobId);

      const plan = planErasure(project.ctx, { modelPhotoIds: [ana.photoId] });
      assert.deepEqual(plan.linkedRows, { ext_job_links: 1, ext_note_tags: 2, ext_notes: 1, ext_photo_sets: 1 });
      assert.ok(plan.summary.includes('5 linked records (ext job links: 1, ext note tags: 2, ext notes: 1, ext photo sets: 1)'), plan.summary.join('\n'));
      assert.equal(project.db.prepare(`SELECT count(*) FROM ext_note_tags`).pluck().get(), 3, 'planning deletes nothing');

      // A new linked row after the plan makes it stale: refused, nothing deleted.
      project.db.prepare(`INSERT INTO ext_note_tags VALUES (?, 'late')`).run(na);
      await assert.rejects(executeErasure(project.ctx, plan), /plan and confirm again/);
      assert.equal(project.db.prepare(`SELECT count(*) FROM ext_note_tags`).pluck().get(), 4);

      const fresh = planErasure(project.ctx, { modelPhotoIds: [ana.photoId] });
      await executeErasure(project.ctx, fresh);
      const n = (sql: string) => project.db.prepare(sql).pluck().get() as number;
      assert.deepEqual([n(`SELECT count(*) FROM ext_notes`), n(`SELECT count(*) FROM ext_note_tags`), n(`SELECT count(*) FROM ext_photo_sets`), n(`SELECT count(*) FROM ext_job_links`)], [1, 1, 1, 1], "Bo's rows stay");
      assert.equal(n(`SELECT result_id FROM ext_notes`), bo.resultId);
      assert.equal((project.db.pragma('foreign_key_check') as unknown[]).length, 0);
    } finally {
      await t.cleanup();
    }
  });

  test('files that linked rows point at (an explanation\'s images, say) are erased with them unless still used', async () => {
    const t = await tempProject();
    try {
      const { project } = t;
      const { ana, bo } = await setup(project);
      project.db.exec(`CREATE TABLE ext_pictures (id INTEGER PRIMARY KEY, result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE, blob_hash TEXT NOT NULL REFERENCES blobs(hash))`);
      const picture = async (resultId: number, seed: number) => {
        const blob = await project.files.putBytes(await pngBytes(W, H, seed));
        project.ctx.blobRows.commitOrDiscard(blob, () => project.db.transaction(() => {
          project.ctx.blobRows.register(blob, { mediaType: 'image/png', width: W, height: H });
          project.db.prepare(`INSERT INTO ext_pictures (result_id, blob_hash) VALUES (?, ?)`).run(resultId, blob.hash);
        })());
        return blob.hash;
      };
      const anaOnly = await picture(ana.resultId, 70);
      const sharedHash = await picture(ana.resultId, 80);
      project.db.prepare(`INSERT INTO ext_pictures (result_id, blob_hash) VALUES (?, ?)`).run(bo.resultId, sharedHash); // Bo's row uses it too
      const bosOwn = await picture(bo.resultId, 90);

      const plan = planErasure(project.ctx, { modelPhotoIds: [ana.photoId] });
      assert.ok(plan.blobs.includes(anaOnly), "the picture only Ana's result used is listed");
      assert.ok(!plan.blobs.includes(sharedHash) && plan.sharedBlobs.includes(sharedHash), 'a picture Bo still uses stays');
      await executeErasure(project.ctx, plan);
      assert.equal(existsSync(project.blobPath(anaOnly)), false);
      assert.equal(existsSync(project.blobPath(sharedHash)), true);
      assert.equal(existsSync(project.blobPath(bosOwn)), true);
      assert.equal(project.db.prepare(`SELECT count(*) FROM blobs WHERE hash = ?`).pluck().get(anaOnly), 0);
      assert.equal((project.db.pragma('foreign_key_check') as unknown[]).length, 0);
    } finally {
      await t.cleanup();
    }
  });
}
