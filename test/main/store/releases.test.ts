// Model releases: recording them (with the scan of the signed form as a blob), checking a use against them
// (valid, expired, not yet valid, revoked, out of scope, missing, strict mode), and the export manifest that
// says which release covers each image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Project } from '../../../main/store/index.ts';
import { ReleaseRepo } from '../../../main/store/releases.ts';
import { count, pngBytes, tempProject } from './helpers.ts';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/** One finished result of a model photo (rows as the queue writes them), for manifest tests. */
async function addResult(project: Project, modelPhotoId: number, seed: number): Promise<number> {
  const db = project.db;
  let ckpt = db.prepare(`SELECT id FROM checkpoints LIMIT 1`).pluck().get() as number | undefined;
  if (ckpt === undefined) {
    const file = join(project.dir, 'weights.bin');
    await writeFile(file, 'weights');
    ckpt = (await project.checkpoints.import({ file, name: 'Tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true })).id;
  }
  const g = project.garments.add({ sku: `SKU-${seed}`, name: `Garment ${seed}`, category: 'upper_body' });
  const gp = await project.garments.addPhoto({ garmentId: g.id, file: await pngBytes(8, 8, 1000 + seed), type: 'flat-lay' });
  const now = Date.now();
  const batch = db.prepare(`INSERT INTO batches (name, checkpoint_id, spec, created_at) VALUES ('b', ?, '{}', ?) RETURNING id`).pluck().get(ckpt, now) as number;
  const job = db.prepare(`INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, checkpoint_id, seed, settings, settings_hash, steps, status, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, '{}', ?, 1, 'succeeded', ?, ?) RETURNING id`).pluck().get(batch, g.id, gp.id, modelPhotoId, ckpt, seed, `h${seed}`, now, now) as number;
  const blob = await project.files.putBytes(await pngBytes(8, 8, 2000 + seed));
  return project.ctx.blobRows.commitOrDiscard(blob, () => db.transaction(() => {
    project.ctx.blobRows.register(blob, { mediaType: 'image/png', width: 8, height: 8 });
    return project.results.insert({ jobId: job, batchId: batch, garmentId: g.id, modelPhotoId, checkpointId: ckpt!, category: 'upper_body', settingsHash: `h${seed}`, blobHash: blob.hash, width: 8, height: 8, commercialUse: true, record: '{}' });
  })());
}

test('migration 007: releases are immutable except a one-time revocation, dates are checked by the database too', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const releases = new ReleaseRepo(project.ctx);
    const photo = await project.modelPhotos.add({ name: 'Ana front', file: await pngBytes(16, 16, 1) });
    const r = await releases.add({ modelPhotoId: photo.id, subject: 'Ana Silva', consentDate: '2025-01-10', channels: ['web'], regions: ['eu'] });
    assert.throws(() => project.db.prepare(`UPDATE model_releases SET expires_on = '2099-01-01' WHERE id = ?`).run(r.id), /releases are never edited/);
    assert.throws(() => project.db.prepare(`INSERT INTO model_releases (model_photo_id, subject, consent_date, channels, regions, created_at) VALUES (?, 'X', '10/01/2025', '["web"]', '["EU"]', 0)`).run(photo.id), /CHECK constraint/);
    releases.revoke({ id: r.id, on: '2025-06-01' });
    assert.throws(() => releases.revoke({ id: r.id }), /revokeRelease: id is \d+; expected a release that is not revoked yet \(it was revoked on 2025-06-01\)/);
    assert.throws(() => project.db.prepare(`UPDATE model_releases SET revoked_on = NULL WHERE id = ?`).run(r.id), /a revoked release stays revoked/);
  } finally {
    await t.cleanup();
  }
});

test('a release covers its channels, regions and dates; outside them a use is refused', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const releases = new ReleaseRepo(project.ctx);
    const photo = await project.modelPhotos.add({ name: 'Ana front', file: await pngBytes(16, 16, 1) });
    const r = await releases.add({
      modelPhotoId: photo.id, subject: 'Ana Silva', consentDate: '2025-01-10', expiresOn: '2026-01-09',
      channels: ['Web', 'social', 'web'], regions: ['eu', 'US'], scan: PDF,
    });
    assert.deepEqual([r.channels, r.regions, r.scanMediaType], [['web', 'social'], ['EU', 'US'], 'application/pdf']);
    assert.ok(project.files.exists(r.scanSha256!), 'the scan is a stored blob');

    const ok = releases.checkRelease(photo.id, { date: '2025-06-01', channel: 'web', region: 'EU' });
    assert.deepEqual([ok.status, ok.release?.id, ok.issues], ['ok', r.id, []]);
    assert.equal(releases.checkRelease(photo.id, { date: '2026-01-09', channel: 'social', warnWithinDays: 0 }).status, 'ok', 'the expiry day itself is covered');

    const expired = releases.checkRelease(photo.id, { date: '2026-01-10', channel: 'web' });
    assert.equal(expired.status, 'refuse');
    assert.deepEqual(expired.issues.map((i) => i.code), ['expired']);
    assert.match(expired.issues[0]!.message, /release \d+ \(Ana Silva\): expired on 2026-01-09, the use is on 2026-01-10/);
    assert.deepEqual(releases.checkRelease(photo.id, { date: '2025-01-09', channel: 'web' }).issues.map((i) => i.code), ['not-yet-valid']);
    assert.deepEqual(releases.checkRelease(photo.id, { date: '2025-06-01', channel: 'print', region: 'JP' }).issues.map((i) => i.code), ['channel-not-covered', 'region-not-covered']);
    assert.equal(releases.checkRelease(photo.id, { date: '2025-06-01', channel: 'print', strict: false }).status, 'refuse', 'a known problem is refused in any mode');

    const soon = releases.checkRelease(photo.id, { date: '2025-12-20', channel: 'web' });
    assert.deepEqual([soon.status, soon.issues.map((i) => i.code)], ['warn', ['expires-soon']]);

    // A renewal covers what the first release no longer does; the check reports the one that covers.
    const renewal = await releases.add({ modelPhotoId: photo.id, subject: 'Ana Silva', consentDate: '2026-01-01', channels: ['*'], regions: ['*'], scan: await pngBytes(20, 30, 9) });
    assert.equal(renewal.scanMediaType, 'image/png');
    const later = releases.checkRelease(photo.id, { date: '2027-03-01', channel: 'print', region: 'JP' });
    assert.deepEqual([later.status, later.release?.id], ['ok', renewal.id]);
    releases.revoke({ id: renewal.id, on: '2027-04-01' });
    assert.equal(releases.checkRelease(photo.id, { date: '2027-03-31', channel: 'print' }).status, 'ok', 'before the withdrawal');
    const revoked = releases.checkRelease(photo.id, { date: '2027-04-01', channel: 'print' });
    assert.deepEqual([revoked.status, revoked.issues.map((i) => i.code)], ['refuse', ['expired', 'channel-not-covered', 'revoked']]);
  } finally {
    await t.cleanup();
  }
});

test('missing release or scan: a warning, and a refusal in strict mode', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const releases = new ReleaseRepo(project.ctx);
    const bare = await project.modelPhotos.add({ name: 'No paperwork', file: await pngBytes(16, 16, 2) });
    const missing = releases.checkRelease(bare.id, { date: '2025-06-01', channel: 'web' });
    assert.deepEqual([missing.status, missing.release, missing.issues.map((i) => i.code)], ['warn', null, ['no-release']]);
    assert.equal(releases.checkRelease(bare.id, { date: '2025-06-01', channel: 'web', strict: true }).status, 'refuse');

    const noScan = await project.modelPhotos.add({ name: 'Form not scanned', file: await pngBytes(16, 16, 3) });
    await releases.add({ modelPhotoId: noScan.id, subject: 'Bo', consentDate: '2025-01-01', channels: ['web'], regions: ['*'] });
    assert.deepEqual(releases.checkRelease(noScan.id, { date: '2025-06-01', channel: 'web' }).issues.map((i) => [i.code, i.severity]), [['no-scan', 'warn']]);
    assert.equal(releases.checkRelease(noScan.id, { date: '2025-06-01', channel: 'web', strict: true }).status, 'refuse');
  } finally {
    await t.cleanup();
  }
});

test('bad input is refused with the argument named, storing nothing', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const releases = new ReleaseRepo(project.ctx);
    const photo = await project.modelPhotos.add({ name: 'Ana', file: await pngBytes(16, 16, 1) });
    const base = { modelPhotoId: photo.id, subject: 'Ana', consentDate: '2025-01-10', channels: ['web'], regions: ['EU'] };
    await assert.rejects(releases.add({ ...base, consentDate: '2025-02-30' }), /addRelease: consentDate is "2025-02-30"; expected a calendar date as YYYY-MM-DD/);
    await assert.rejects(releases.add({ ...base, expiresOn: '2024-12-31' }), /addRelease: expiresOn is .*; expected expiresOn on or after consentDate/);
    await assert.rejects(releases.add({ ...base, modelPhotoId: 99 }), /addRelease: modelPhotoId is 99; expected the id of an existing model photo/);
    await assert.rejects(releases.add({ ...base, scan: Buffer.from('PK\x03\x04 a zip') }), /addRelease: scan is <\d+ bytes>; expected a PDF or a PNG, JPEG, WebP or TIFF image/);
    await assert.rejects(releases.add({ ...base, channels: [] }), /addRelease: channels is \[\]; expected/);
    assert.throws(() => releases.checkRelease(99, { channel: 'web' }), /checkRelease: modelPhotoId is 99; expected the id of an existing model photo/);
    assert.throws(() => releases.checkRelease(photo.id, { channel: 'web', date: '1 May' }), /checkRelease: date is "1 May"/);
    assert.equal(count(project, 'model_releases'), 0);
    assert.equal(count(project, 'blobs'), 1, 'only the photo');
  } finally {
    await t.cleanup();
  }
});

test('export manifest: which release covers each image, per recorded export', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const releases = new ReleaseRepo(project.ctx);
    const ana = await project.modelPhotos.add({ name: 'Ana', file: await pngBytes(16, 16, 1) });
    const bo = await project.modelPhotos.add({ name: 'Bo', file: await pngBytes(16, 16, 2) });
    const rel = await releases.add({ modelPhotoId: ana.id, subject: 'Ana Silva', consentDate: '2025-01-01', expiresOn: '2025-12-31', channels: ['web'], regions: ['EU'], scan: PDF });
    const r1 = await addResult(project, ana.id, 1);
    const r2 = await addResult(project, ana.id, 2);
    const r3 = await addResult(project, bo.id, 3);
    const exp = project.exports.record({ name: 'SS25 web', targetDir: 'exports/ss25', preset: { format: 'jpeg' }, items: [
      { resultId: r1, fileName: 'a1.jpg' }, { resultId: r2, fileName: 'a2.jpg' }, { resultId: r3, fileName: 'b1.jpg' },
    ] });
    const m = releases.exportManifestFor(exp.id, { date: '2025-06-01', channel: 'web', region: 'EU' });
    assert.deepEqual(m.checkedFor, { date: '2025-06-01', channel: 'web', region: 'EU', strict: false });
    assert.deepEqual(m.entries.map((e) => [e.fileName, e.resultId, e.status, e.release?.id ?? null]), [
      ['a1.jpg', r1, 'ok', rel.id], ['a2.jpg', r2, 'ok', rel.id], ['b1.jpg', r3, 'warn', null],
    ]);
    assert.deepEqual(m.counts, { ok: 2, warn: 1, refuse: 0 });
    const strictLate = releases.exportManifest([{ resultId: r1 }, { resultId: r3 }], { date: '2026-02-01', channel: 'web', strict: true });
    assert.deepEqual(strictLate.entries.map((e) => [e.fileName, e.status, e.issues.map((i) => i.code)]), [[null, 'refuse', ['expired']], [null, 'refuse', ['no-release']]]);
    assert.throws(() => releases.exportManifest([{ resultId: 999 }], { channel: 'web' }), /releaseManifest: items\[0\]\.resultId is 999; expected the id of an existing result/);
  } finally {
    await t.cleanup();
  }
});
