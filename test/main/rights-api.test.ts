// Releases and project settings through the API (createHost + dispatch, as both hosts run it): the release
// policy persists in the project; a release with a scan (image FileRef or PDF bytes) is stored and listed
// with its state; checks are ok / warn / refuse for valid, expiring, expired, revoked, missing and
// out-of-scope releases; batches:preview reports release problems per model photo, and batches:enqueue
// refuses (conflict, naming the photos, nothing queued) only when the project is strict.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, assetsDir } from '../helpers/fixtures.ts';
import { today } from '../../main/services/rights-service.ts';
import { blobFiles, garmentPng, makeHost, solidPng, type TestHost } from './api-helpers.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
let t: TestHost;

/** 'YYYY-MM-DD' n days from today (local calendar, as the service counts). */
function day(n: number): string {
  const d = new Date();
  d.setDate(d.getDate() + n);
  return today(d);
}

/** A minimal one-page PDF. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

before(async () => {
  t = await makeHost();
});

after(async () => {
  await t.close();
});

test('project settings: defaults, partial updates merge, values are checked, and they persist in the project', async () => {
  await t.fails('project:settings', {}, 'unavailable', /no project is open/);
  const info = await t.ok('project:create', { name: 'Rights settings' });
  assert.deepEqual(await t.ok('project:settings'), { releasePolicy: { strict: false, channel: 'web', region: null, warnWithinDays: 30 } });
  const a = await t.ok('project:updateSettings', { releasePolicy: { strict: true, region: 'eu' } });
  assert.deepEqual(a.releasePolicy, { strict: true, channel: 'web', region: 'EU', warnWithinDays: 30 }, 'regions are upper-cased, other fields stay');
  const b = await t.ok('project:updateSettings', { releasePolicy: { channel: 'Print', warnWithinDays: 14 } });
  assert.deepEqual(b.releasePolicy, { strict: true, channel: 'print', region: 'EU', warnWithinDays: 14 });
  await t.fails('project:updateSettings', { releasePolicy: { warnWithinDays: -1 } }, 'validation', /warnWithinDays/);
  await t.fails('project:updateSettings', { releasePolicy: { strict: 'yes' } }, 'validation', /strict/);
  await t.fails('project:updateSettings', { releasePolicy: { colour: 'red' } }, 'validation');
  await t.fails('project:updateSettings', { releasePolicy: { channel: '' } }, 'validation', /channel/);
  assert.deepEqual((await t.ok('project:settings')).releasePolicy, b.releasePolicy, 'refused updates changed nothing');

  // Close and reopen: the settings live in the project's database (migration 012), not in memory.
  await t.ok('project:close');
  await t.ok('project:open', { path: info.path });
  assert.deepEqual((await t.ok('project:settings')).releasePolicy, { strict: true, channel: 'print', region: 'EU', warnWithinDays: 14 });
  const row = t.host.projects.require().db.prepare(`SELECT value FROM project_settings WHERE key = 'releasePolicy'`).pluck().get() as string;
  assert.deepEqual(JSON.parse(row), b.releasePolicy);
  await t.ok('project:updateSettings', { releasePolicy: { strict: false, channel: 'web', region: null, warnWithinDays: 30 } });
  assert.deepEqual((await t.ok('project:settings')).releasePolicy, { strict: false, channel: 'web', region: null, warnWithinDays: 30 }, 'region null clears it');
});

async function importPeople(names: string[]): Promise<number[]> {
  const files = ['astronaut.png', 'grace_hopper.jpg', 'camera.png'];
  const items = [];
  for (const [i, name] of names.entries()) items.push({ file: await t.grant(join(assetsDir, 'people', files[i]!)), name });
  return (await t.ok('models:import', { items })).photos.map((p) => p.id);
}

test('releases: add with a scan, list with states, revoke, and the check for valid / expiring / expired / revoked / missing', async () => {
  await t.ok('project:create', { name: 'Rights releases' });
  const [ana, bo, cy] = await importPeople(['Ana', 'Bo', 'Cy']) as [number, number, number];
  const before = blobFiles(t.host.projects.require().dir);

  // A scan as an image FileRef (what an upload or the open dialog gives), and one as PDF bytes.
  const scanPng = join(t.dir, 'release-scan.png');
  writeFileSync(scanPng, await solidPng(40, 56, 200));
  const r1 = await t.ok('releases:add', {
    modelPhotoId: ana, subject: 'Ana Silva', consentDate: '2024-01-01', channels: ['Web', 'print'], regions: ['eu'], scan: await t.grant(scanPng), notes: 'agency form 12',
  });
  assert.deepEqual([r1.subject, r1.channels, r1.regions, r1.scanMediaType, r1.state, r1.expiresOn], ['Ana Silva', ['web', 'print'], ['EU'], 'image/png', 'valid', null]);
  assert.match(r1.scanSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.ok(existsSync(t.host.projects.require().blobPath(r1.scanSha256!)), 'the scan is stored as a blob');
  const r2 = await t.ok('releases:add', {
    modelPhotoId: bo, subject: 'Bo Berg', consentDate: '2024-01-01', expiresOn: day(10), channels: ['*'], regions: ['*'], scanBase64: PDF.toString('base64'),
  });
  assert.deepEqual([r2.scanMediaType, r2.state], ['application/pdf', 'expiring'], 'ends in 10 days, inside the 30-day warning');
  assert.equal(blobFiles(t.host.projects.require().dir).length, before.length + 2);

  // Refused input names the argument and stores nothing.
  await t.fails('releases:add', { modelPhotoId: ana, subject: 'X', consentDate: '2024-02-30', channels: ['web'], regions: ['*'] }, 'validation', /consentDate/);
  await t.fails('releases:add', { modelPhotoId: ana, subject: 'X', consentDate: '2024-02-01', expiresOn: '2024-01-01', channels: ['web'], regions: ['*'] }, 'validation', /expiresOn/);
  await t.fails('releases:add', { modelPhotoId: ana, subject: 'X', consentDate: '2024-02-01', channels: [], regions: ['*'] }, 'validation', /channels/);
  await t.fails('releases:add', { modelPhotoId: 999, subject: 'X', consentDate: '2024-02-01', channels: ['web'], regions: ['*'] }, 'not_found', /modelPhotoId is 999/);
  await t.fails('releases:add', { modelPhotoId: ana, subject: 'X', consentDate: '2024-02-01', channels: ['web'], regions: ['*'], scanBase64: Buffer.from('not a scan at all').toString('base64') }, 'validation', /scan.*PDF or a PNG/);
  const notes = join(t.dir, 'notes.txt');
  writeFileSync(notes, 'hello');
  await t.fails('releases:add', { modelPhotoId: ana, subject: 'X', consentDate: '2024-02-01', channels: ['web'], regions: ['*'], scan: await t.grant(notes) }, 'validation', /scan/);
  assert.equal(blobFiles(t.host.projects.require().dir).length, before.length + 2, 'refused releases stored no file');
  assert.equal((await t.ok('releases:list', { modelPhotoId: ana })).releases.length, 1);

  // Checks for today in the policy's channel ('web', any region).
  const ok = await t.ok('releases:check', { modelPhotoId: ana });
  assert.deepEqual([ok.status, ok.releaseId, ok.issues, ok.checkedFor], ['ok', r1.id, [], { date: today(), channel: 'web', region: null, strict: false }]);
  const soon = await t.ok('releases:check', { modelPhotoId: bo });
  assert.deepEqual([soon.status, soon.issues.map((i) => i.code)], ['warn', ['expires-soon']]);
  assert.deepEqual((await t.ok('releases:check', { modelPhotoId: bo, date: day(11) })).issues.map((i) => [i.code, i.severity]), [['expired', 'refuse']], 'the day after expiry is refused');
  assert.equal((await t.ok('releases:check', { modelPhotoId: ana, channel: 'tv' })).status, 'refuse', 'a channel not granted');
  assert.equal((await t.ok('releases:check', { modelPhotoId: ana, region: 'us' })).issues[0]!.code, 'region-not-covered');
  const missing = await t.ok('releases:check', { modelPhotoId: cy });
  assert.deepEqual([missing.status, missing.issues.map((i) => i.code)], ['warn', ['no-release']]);
  assert.equal((await t.ok('releases:check', { modelPhotoId: cy, strict: true })).status, 'refuse', 'strict: no release is a refusal');
  await t.fails('releases:check', { modelPhotoId: 404 }, 'not_found', /model photo/);

  // An expired release lists as expired; a revoked one as revoked, and the check refuses from that day.
  await t.ok('releases:add', { modelPhotoId: cy, subject: 'Cy Chen', consentDate: '2023-01-01', expiresOn: day(-1), channels: ['web'], regions: ['*'] });
  const cyList = await t.ok('releases:list', { modelPhotoId: cy });
  assert.deepEqual([cyList.releases.map((r) => r.state), cyList.check.status, cyList.check.issues.map((i) => i.code)], [['expired'], 'refuse', ['expired']]);
  const revoked = await t.ok('releases:revoke', { id: r1.id });
  assert.deepEqual([revoked.revokedOn, revoked.state], [today(), 'revoked']);
  const anaList = await t.ok('releases:list', { modelPhotoId: ana });
  assert.deepEqual([anaList.releases.map((r) => r.state), anaList.check.status, anaList.check.issues.map((i) => i.code)], [['revoked'], 'refuse', ['revoked']]);
  await t.fails('releases:revoke', { id: r1.id }, 'conflict', /revoked on/);
  await t.fails('releases:revoke', { id: 999 }, 'not_found');
});

test('batches: preview reports release problems per model photo; enqueue refuses only in strict mode, naming the photos', async () => {
  await t.ok('project:create', { name: 'Rights batches' });
  await t.ok('queue:pause'); // the cells are never run here: this test is about what gets queued
  const [ana, bo] = await importPeople(['Ana', 'Bo']) as [number, number];
  const shirt = await garmentPng(t.dir, 't-shirt_01');
  const { garments } = await t.ok('garments:import', { items: [{ sku: 'TS-1', name: 'Tee', category: 'upper_body', photos: [{ file: await t.grant(shirt), type: 'flat-lay' }] }] });
  await t.ok('checkpoints:import', {
    file: await t.grant(join(tiny, 'weights.safetensors')), base: await t.grant(join(tiny, 'base', 'tiny-stable-diffusion-inpainting')),
    name: 'Leffa tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true,
  });
  const scan = join(t.dir, 'scan.png');
  writeFileSync(scan, await solidPng(32, 32, 180));
  const valid = await t.ok('releases:add', { modelPhotoId: ana, subject: 'Ana', consentDate: '2024-01-01', channels: ['web'], regions: ['*'], scan: await t.grant(scan) });
  const spec = { garmentIds: [garments[0]!.garment.id], modelPhotoIds: [ana, bo], seeds: [1], settings: [{ steps: 1 }] };

  // Not strict: Bo has no release, a warning; the batch is queued.
  const plan = await t.ok('batches:preview', spec);
  assert.deepEqual(plan.releases, {
    strict: false, channel: 'web', region: null,
    photos: [
      { modelPhotoId: ana, status: 'ok', releaseId: valid.id, issues: [] },
      { modelPhotoId: bo, status: 'warn', releaseId: null, issues: [{ code: 'no-release', severity: 'warn', releaseId: null, message: 'no release is on file for this model photo' }] },
    ],
  });
  const queued = await t.ok('batches:enqueue', spec);
  assert.equal(queued.created, 2);
  assert.equal(queued.releases?.photos[1]?.status, 'warn');

  // Strict: the same use is refused, with the photo named; nothing is queued.
  await t.ok('project:updateSettings', { releasePolicy: { strict: true } });
  const spec2 = { ...spec, seeds: [2] };
  const strictPlan = await t.ok('batches:preview', spec2);
  assert.deepEqual(strictPlan.releases?.photos.map((p) => [p.modelPhotoId, p.status]), [[ana, 'ok'], [bo, 'refuse']]);
  assert.equal(strictPlan.created, 2, 'the preview still shows what would be queued');
  const jobsBefore = (await t.ok('queue:state')).counts.total;
  const batchesBefore = (await t.ok('batches:list')).items.length;
  await t.fails('batches:enqueue', spec2, 'conflict', new RegExp(`strict.*model photo ${bo} \\(Bo\\): no release is on file`));
  assert.equal((await t.ok('queue:state')).counts.total, jobsBefore, 'no cell was queued');
  assert.equal((await t.ok('batches:list')).items.length, batchesBefore, 'no batch was recorded');

  // Only Ana (covered) is fine in strict mode; an expired release for Bo is still refused; a valid one clears it.
  assert.equal((await t.ok('batches:enqueue', { ...spec2, modelPhotoIds: [ana] })).created, 1);
  await t.ok('releases:add', { modelPhotoId: bo, subject: 'Bo', consentDate: '2020-01-01', expiresOn: '2021-12-31', channels: ['web'], regions: ['*'], scan: await t.grant(scan) });
  await t.fails('batches:enqueue', { ...spec2, seeds: [3] }, 'conflict', /expired on 2021-12-31/);
  await t.ok('releases:add', { modelPhotoId: bo, subject: 'Bo', consentDate: '2024-01-01', channels: ['*'], regions: ['*'], scan: await t.grant(scan) });
  const ok = await t.ok('batches:enqueue', { ...spec2, seeds: [3] });
  assert.deepEqual([ok.created, ok.releases?.photos.map((p) => p.status)], [2, ['ok', 'ok']]);
  // Strict also refuses a release without a scan (nothing documents it).
  await t.ok('releases:revoke', { id: valid.id });
  await t.ok('releases:add', { modelPhotoId: ana, subject: 'Ana', consentDate: '2024-01-01', channels: ['web'], regions: ['*'] });
  await t.fails('batches:enqueue', { ...spec2, seeds: [4] }, 'conflict', new RegExp(`model photo ${ana} \\(Ana\\): .*no scan`));
});
