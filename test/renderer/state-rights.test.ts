// RightsState (model releases, the release policy and erasure) against a scripted api: what it sends, the
// form's validation, answers for an older photo dropped, and the erase plan's digest / conflict round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { ErasureDone, ErasurePlanInfo, ErasureRequest, ModelRelease, ProjectSettings, ReleaseCheck } from '../../preload/contract.ts';
import { deferred, fakeApi, fails, tick } from './fake-api.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { RightsState, emptyForm, splitList, STATE_TONES } = await import('../../renderer/src/lib/state/rights.svelte.ts');

function release(id: number, modelPhotoId: number, over: Partial<ModelRelease> = {}): ModelRelease {
  return {
    id, modelPhotoId, subject: 'Agency 12', consentDate: '2026-01-05', expiresOn: null, channels: ['web'], regions: ['*'], scanSha256: null,
    scanMediaType: null, notes: null, revokedOn: null, createdAt: id, state: 'valid', ...over,
  };
}

function check(status: ReleaseCheck['status'], releaseId: number | null = null): ReleaseCheck {
  return { status, releaseId, issues: [], checkedFor: { date: '2026-02-01', channel: 'web', region: null, strict: false } };
}

function plan(ids: number[], digest: string): ErasurePlanInfo {
  return {
    modelPhotoIds: ids, lines: [`${ids.length} model photo(s)`],
    counts: { modelPhotos: ids.length, masks: 0, densePoses: 0, releases: 0, jobs: 0, results: 0, reviews: 0, exportItems: 0, files: 0, sharedFiles: 0 },
    queuedJobs: 0, runningJobs: [], exportedFiles: [],
    training: { sets: [], sampleRuns: [], runningRuns: [], derivedCheckpoints: [], derived: { jobs: 0, results: 0, runs: 0, files: 0, running: 0 } },
    digest,
  };
}

function erased(modelPhotoIds: number[], rowsDeleted: number): ErasureDone {
  return {
    modelPhotoIds, rowsDeleted, filesDeleted: 0, filesKept: 0, exportedFilesDeleted: 0, jobsCancelled: 0, trainingPairsRemoved: 0, samplesDeleted: 0,
    derivedCheckpointsDeleted: 0, derivedCheckpointsKept: [], erasureLogId: 1,
  };
}

/** The erase calls' fields this state sets (the request may carry more options than these). */
function eraseCalls(api: { callsTo(c: 'models:erase'): unknown[] }) {
  return api.callsTo('models:erase').map((c) => {
    const { modelPhotoIds, confirm, deleteExportedFiles } = c as ErasureRequest;
    return { modelPhotoIds, confirm, deleteExportedFiles };
  });
}

const settings = (strict: boolean): ProjectSettings => ({ releasePolicy: { strict, channel: 'web', region: null, warnWithinDays: 30 } });

test('rights: emptyForm dates consent today (local time); splitList trims, drops empties and repeats', () => {
  assert.deepEqual(emptyForm(new Date(2026, 0, 5, 23, 30).getTime()), {
    subject: '', consentDate: '2026-01-05', expiresOn: '', channels: 'web', regions: '*', notes: '',
  });
  assert.deepEqual(splitList('web, Print ,, *, web'), ['web', 'Print', '*']);
  assert.deepEqual(splitList(' , '), []);
  assert.equal(STATE_TONES.expired, 'error');
});

test('rights: project settings load and save the release policy; failures say what failed', async () => {
  const api = fakeApi({ 'project:settings': settings(false), 'project:updateSettings': ({ releasePolicy }) => settings(releasePolicy?.strict ?? false) });
  const r = new RightsState(api);
  assert.equal(r.policy === null, true);
  await r.loadSettings();
  assert.equal(r.policy?.strict, false);
  assert.equal(await r.saveSettings({ strict: true }), true);
  assert.deepEqual(api.callsTo('project:updateSettings'), [{ releasePolicy: { strict: true } }]);
  assert.equal(r.policy?.strict, true);
  assert.equal(r.savingSettings, false);

  api.handlers['project:updateSettings'] = fails('warnWithinDays must be 0-365', 'validation');
  assert.equal(await r.saveSettings({ warnWithinDays: 999 }), false);
  assert.equal(r.settingsError, 'Could not save the project settings: warnWithinDays must be 0-365');
  assert.equal(r.policy?.strict, true, 'the saved policy stays');
  api.handlers['project:settings'] = fails('no project is open', 'validation');
  await r.loadSettings();
  assert.equal(r.settingsError, 'Could not load the project settings: no project is open');
});

test('rights: load shows a photo\'s releases and check; an answer for an earlier photo is dropped', async () => {
  const slow = deferred<{ releases: ModelRelease[]; check: ReleaseCheck }>();
  const api = fakeApi({
    'releases:list': ({ modelPhotoId }) => (modelPhotoId === 1 ? slow.promise : { releases: [release(5, modelPhotoId)], check: check('ok', 5) }),
  });
  const r = new RightsState(api);
  const first = r.load(1);
  await tick();
  await r.load(2);
  slow.resolve({ releases: [release(9, 1)], check: check('refuse') });
  await first;
  assert.equal(r.photoId, 2);
  assert.deepEqual(r.releases.map((x) => x.id), [5]);
  assert.equal(r.check?.status, 'ok');
  assert.deepEqual(api.callsTo('releases:list'), [{ modelPhotoId: 1 }, { modelPhotoId: 2 }]);

  api.handlers['releases:list'] = fails('no model photo 3', 'not_found');
  await r.load(3);
  assert.equal(r.error, 'Could not load the releases: no model photo 3');
  assert.deepEqual(r.releases, [], 'another photo: the last one\'s releases are not shown for it');
  assert.equal(r.check, null);
});

test('rights: add checks the form first, in order, and sends nothing while it is incomplete', async () => {
  const api = fakeApi({ 'releases:add': () => release(1, 1) });
  const r = new RightsState(api);
  const form = { ...emptyForm(), subject: 'Agency 12' };
  assert.equal(await r.add(form, null), null, 'no photo loaded');
  assert.equal(r.error, null);
  r.photoId = 4;
  assert.equal(await r.add({ ...form, subject: '   ' }, null), null);
  assert.equal(r.error, 'Enter the model\'s name or agency id as on the form.');
  assert.equal(await r.add({ ...form, consentDate: '' }, null), null);
  assert.equal(r.error, 'Enter the date consent was given.');
  assert.equal(await r.add({ ...form, channels: ' , ' }, null), null);
  assert.equal(r.error, 'Name at least one channel (or * for all).');
  assert.equal(await r.add({ ...form, regions: '' }, null), null);
  assert.equal(r.error, 'Name at least one region (or * for all).');
  assert.equal(api.calls.length, 0);
});

test('rights: add sends the trimmed form with optional fields only when filled, then reloads the photo', async () => {
  const api = fakeApi({
    'releases:add': (req) => release(7, req.modelPhotoId),
    'releases:list': ({ modelPhotoId }) => ({ releases: [release(7, modelPhotoId)], check: check('ok', 7) }),
  });
  const r = new RightsState(api);
  await r.load(4);
  const added = await r.add(
    { subject: ' Agency 12 ', consentDate: '2026-01-05', expiresOn: '', channels: 'web, print, web', regions: 'EU', notes: '  ' },
    new File([new Uint8Array([1, 2])], 'scan.jpg', { type: 'image/jpeg' }),
  );
  assert.equal(added?.id, 7);
  assert.deepEqual(api.callsTo('releases:add'), [{
    modelPhotoId: 4, subject: 'Agency 12', consentDate: '2026-01-05', channels: ['web', 'print'], regions: ['EU'], scan: 'f_1',
  }]);
  assert.equal(api.callsTo('releases:list').length, 2, 'reloaded after adding');
  assert.deepEqual(r.releases.map((x) => x.id), [7]);
  assert.equal(r.busy, false);

  // In serve mode a PDF scan travels inline as base64 ("%PDF" -> "JVBERg=="); expiry and notes go when filled.
  await r.add({ ...emptyForm(), subject: 'A', expiresOn: '2027-01-01', notes: ' signed in studio ' }, new File(['%PDF'], 'form.PDF', { type: '' }));
  const second = api.callsTo('releases:add')[1] as Record<string, unknown>;
  assert.equal(second.scanBase64, 'JVBERg==');
  assert.equal('scan' in second, false);
  assert.equal(second.expiresOn, '2027-01-01');
  assert.equal(second.notes, 'signed in studio');

  api.handlers['releases:add'] = fails('consentDate is after expiresOn', 'validation');
  assert.equal(await r.add({ ...emptyForm(), subject: 'A' }, null), null);
  assert.equal(r.error, 'Could not record the release: consentDate is after expiresOn');
  assert.equal(r.busy, false);
});

test('rights: in the desktop app a PDF scan goes as a file reference', async () => {
  const api = fakeApi({ 'releases:add': (req) => release(1, req.modelPhotoId), 'releases:list': { releases: [], check: check('ok') } }, { mode: 'electron' });
  const r = new RightsState(api);
  r.photoId = 2;
  await r.add({ ...emptyForm(), subject: 'A' }, new File(['%PDF'], 'form.pdf', { type: 'application/pdf' }));
  const [req] = api.callsTo('releases:add') as [Record<string, unknown>];
  assert.equal(req.scan, 'f_1');
  assert.equal('scanBase64' in req, false);
});

test('rights: revoke reloads the photo, and a refusal is shown', async () => {
  const api = fakeApi({
    'releases:revoke': ({ id }) => release(id, 4, { state: 'revoked', revokedOn: '2026-02-01' }),
    'releases:list': { releases: [release(7, 4, { state: 'revoked' })], check: check('refuse') },
  });
  const r = new RightsState(api);
  r.photoId = 4;
  assert.equal(await r.revoke(7), true);
  assert.deepEqual(api.callsTo('releases:revoke'), [{ id: 7 }]);
  assert.equal(r.check?.status, 'refuse');
  api.handlers['releases:revoke'] = fails('release 7 is already revoked', 'conflict');
  assert.equal(await r.revoke(7), false);
  assert.equal(r.error, 'Could not revoke the release: release 7 is already revoked');
  assert.equal(r.busy, false);
});

test('rights: erase sends the plan\'s digest and forgets the erased photo; a changed project asks for the plan again', async () => {
  let digest = 'd1';
  const api = fakeApi({
    'models:erasePlan': ({ modelPhotoIds }) => plan(modelPhotoIds, digest),
    'models:erase': ({ modelPhotoIds, confirm }) => {
      if (confirm !== digest) throw Object.assign(new Error('the project changed since the plan'), { kind: 'conflict' });
      return erased(modelPhotoIds, 9);
    },
    'releases:list': { releases: [release(1, 4)], check: check('ok', 1) },
  });
  const r = new RightsState(api);
  assert.equal(await r.erase(), null, 'no plan: nothing to erase');
  await r.load(4);
  assert.equal((await r.planErase([4, 5]))?.digest, 'd1');
  assert.equal(r.planning, false);

  digest = 'd2'; // something changed after the plan was shown
  assert.equal(await r.erase(true), null);
  assert.equal(r.eraseError, 'Could not erase: the project changed since the plan');
  assert.equal(r.plan?.digest, 'd2', 'the new plan replaces the stale one');
  assert.equal(r.erasing, false);

  const done = await r.erase(true);
  assert.equal(done?.rowsDeleted, 9);
  assert.deepEqual(eraseCalls(api), [
    { modelPhotoIds: [4, 5], confirm: 'd1', deleteExportedFiles: true },
    { modelPhotoIds: [4, 5], confirm: 'd2', deleteExportedFiles: true },
  ]);
  assert.equal(r.plan, null);
  assert.equal(r.photoId, null, 'the open photo was erased');
  assert.deepEqual(r.releases, []);
  assert.equal(r.check, null);
});

test('rights: erasing other photos keeps the open one; a failed plan is shown; cancel forgets the plan', async () => {
  const api = fakeApi({
    'models:erasePlan': ({ modelPhotoIds }) => plan(modelPhotoIds, 'd'),
    'models:erase': ({ modelPhotoIds }) => erased(modelPhotoIds, 1),
    'releases:list': { releases: [release(1, 4)], check: check('ok', 1) },
  });
  const r = new RightsState(api);
  await r.load(4);
  await r.planErase([8]);
  await r.erase();
  assert.deepEqual(eraseCalls(api), [{ modelPhotoIds: [8], confirm: 'd', deleteExportedFiles: false }]);
  assert.equal(r.photoId, 4);
  assert.equal(r.releases.length, 1);

  await r.planErase([4]);
  r.cancelErase();
  assert.equal(r.plan, null);
  api.handlers['models:erasePlan'] = fails('a running cell uses photo 4', 'conflict');
  assert.equal(await r.planErase([4]), null);
  assert.equal(r.eraseError, 'Could not list what would be erased: a running cell uses photo 4');
  assert.equal(r.planning, false);
});
