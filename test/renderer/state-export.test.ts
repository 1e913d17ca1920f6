// ExportState (the Export screen) against a scripted api: the request it builds (selection, preset by id or
// inline, target), the live preview (older answers dropped), when Run is allowed, the run's pushed progress,
// presets, signing, and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { ExportPresetInfo, ExportPreview, ExportRunResult, FileRef } from '../../preload/contract.ts';
import { deferred, fakeApi, fails, tick } from './fake-api.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { ExportState, defaultSpec } = await import('../../renderer/src/lib/state/export.svelte.ts');

function preview(total: number, over: Partial<ExportPreview> = {}): ExportPreview {
  return {
    total, items: [], conflicts: [], refused: [], releaseWarnings: [], releaseCheck: { date: '2026-02-01', channel: 'ecommerce', region: null },
    error: null, ...over,
  };
}

const preset = (id: number, name: string, quality = 90): ExportPresetInfo => ({ id, name, spec: { ...defaultSpec(), quality }, createdAt: 1, updatedAt: 1 });

const runResult: ExportRunResult = {
  exportId: 3, name: 'web', target: { kind: 'folder', path: '/p/exports/web' }, files: [], manifestFiles: { csv: 'm.csv', json: 'm.json' },
  rows: [], warnings: [],
};

const signing = { configured: false, alg: null, subject: null } as const;

function api(mode: 'serve' | 'electron' = 'serve') {
  return fakeApi({
    'exports:presets': { presets: [preset(1, 'Web', 80)] },
    'exports:signing': signing,
    'exports:list': { exports: [] },
    'exports:preview': preview(2),
  }, { mode });
}

test('export: load reads presets, signing and history, then previews the approved results into the project folder', async () => {
  const a = api();
  const ex = new ExportState(a);
  await ex.load();
  assert.deepEqual(a.callsTo('exports:list'), [{ limit: 20 }]);
  assert.equal(ex.presets[0].name, 'Web');
  assert.equal(ex.loaded, true);
  assert.deepEqual(a.callsTo('exports:preview'), [{
    selection: { filter: { reviewStatus: 'approved' } }, preset: defaultSpec(), target: { projectFolder: 'web' }, onConflict: 'suffix',
  }]);
  assert.equal(ex.preview?.total, 2);
  assert.equal(ex.canRun, true);

  a.handlers['exports:signing'] = fails('no project is open', 'validation');
  await ex.load();
  assert.equal(ex.error, 'Could not load export presets: no project is open');
});

test('export: the request follows the selection, the batch filter, the target and whether the preset was edited', async () => {
  const a = api('electron');
  const ex = new ExportState(a);
  await ex.load();
  const last = () => a.callsTo('exports:preview').at(-1);

  ex.usePreset(1);
  await tick();
  assert.equal(ex.spec.quality, 80);
  assert.equal(ex.presetName, 'Web');
  assert.deepEqual(last(), { selection: { filter: { reviewStatus: 'approved' } }, presetId: 1, target: { projectFolder: 'web' }, onConflict: 'suffix' });

  ex.spec.quality = 70; // edited: sent inline, and the saved preset is untouched
  ex.selection = 'any';
  ex.batchId = 4;
  ex.target = 'zip';
  ex.targetName = '';
  ex.onConflict = 'refuse';
  await ex.refreshPreview();
  assert.deepEqual(last(), {
    selection: { filter: { reviewStatus: 'any', batchId: 4 } }, preset: { ...defaultSpec(), quality: 70 }, target: { zip: 'export' }, onConflict: 'refuse',
  });
  assert.equal(ex.presets[0].spec.quality, 80);

  ex.pick([5, 3, 5]);
  assert.equal(ex.selection, 'picked');
  ex.target = 'folder'; // no folder chosen yet: the project folder is used
  ex.targetName = 'web';
  await ex.refreshPreview();
  assert.deepEqual((last() as { selection: unknown }).selection, { resultIds: [5, 3] });
  assert.deepEqual((last() as { target: unknown }).target, { projectFolder: 'web' });
  assert.equal(ex.canRun, false, 'the folder target without a folder cannot run');

  const folder: FileRef = { id: 'dir_1', name: 'Exports', size: 0, kind: 'folder' };
  a.openFiles = async () => [folder];
  await ex.chooseFolder();
  assert.equal(ex.target, 'folder');
  assert.deepEqual((last() as { target: unknown }).target, { folder: 'dir_1' });
  assert.equal(ex.canRun, true);

  const n = a.callsTo('exports:preview').length;
  ex.pick([]);
  assert.equal(ex.selection, 'approved');
  ex.selection = 'picked';
  await ex.refreshPreview();
  assert.equal(ex.preview, null, 'nothing picked: no preview');
  assert.equal(a.callsTo('exports:preview').length, n);
});

test('export: an older preview answering late is dropped; a refused preview shows its error', async () => {
  const a = api();
  const slow = deferred<ExportPreview>();
  a.handlers['exports:preview'] = (req) => ('filter' in req.selection && req.selection.filter.reviewStatus === 'any' ? slow.promise : preview(7));
  const ex = new ExportState(a);
  ex.selection = 'any';
  const first = ex.refreshPreview();
  ex.selection = 'approved';
  await ex.refreshPreview();
  slow.resolve(preview(99));
  await first;
  assert.equal(ex.preview?.total, 7);

  a.handlers['exports:preview'] = preview(0, { error: 'template has an unknown token {colour}' });
  await ex.refreshPreview();
  assert.equal(ex.previewError, 'template has an unknown token {colour}');
  assert.equal(ex.canRun, false);
  a.handlers['exports:preview'] = fails('socket hang up', 'unavailable');
  await ex.refreshPreview();
  assert.match(ex.previewError!, /^Could not preview the export: socket hang up \(The app server/);
});

test('export: Run needs a clean preview with results, no refused names and a signing key for C2PA', async () => {
  const ex = new ExportState(api());
  assert.equal(ex.canRun, false, 'no preview');
  ex.preview = preview(0);
  assert.equal(ex.canRun, false, 'nothing to export');
  ex.preview = preview(3, { refused: [{ resultId: 1, fileName: 'a.jpg', reason: 'release refused' }] });
  assert.equal(ex.canRun, false);
  ex.preview = preview(3);
  assert.equal(ex.canRun, true);
  ex.spec.c2pa = true;
  assert.equal(ex.canRun, false, 'C2PA without a signing key');
  ex.signing = { configured: true, alg: 'es256', subject: 'CN=Studio' };
  assert.equal(ex.canRun, true);
  ex.running = true;
  assert.equal(ex.canRun, false);
});

test('export: run tags itself, follows its own progress events only, then lists the export and previews again', async () => {
  const a = api();
  const answer = deferred<ExportRunResult>();
  a.handlers['exports:run'] = () => answer.promise;
  const ex = new ExportState(a);
  const off = ex.connect();
  await ex.load();
  ex.targetName = 'shop';
  a.handlers['exports:list'] = { exports: [{ id: 3, name: 'shop', targetDir: '/p/exports/shop', presetName: null, format: 'jpeg', fileCount: 2, createdAt: 5 }] };
  const running = ex.run();
  await tick();
  assert.equal(ex.running, true);
  assert.equal(ex.canRun, false);
  assert.deepEqual(ex.progress, { done: 0, total: 2, fileName: null });
  const [req] = a.callsTo('exports:run') as [{ runId: string; name: string; target: unknown }];
  assert.match(req.runId, /^r[0-9a-z]+$/);
  assert.equal(req.name, 'shop', 'no export name: the target name');
  assert.deepEqual(req.target, { projectFolder: 'shop' });

  a.emit('exports:progress', { runId: 'someone-else', phase: 'rendering', done: 9, total: 9, fileName: 'x.jpg' });
  assert.equal(ex.progress?.done, 0);
  a.emit('exports:progress', { runId: req.runId, phase: 'writing', done: 1, total: 2, fileName: 'S1_red.jpg' });
  assert.deepEqual({ ...ex.progress }, { done: 1, total: 2, fileName: 'S1_red.jpg' });

  const previews = a.callsTo('exports:preview').length;
  answer.resolve(runResult);
  await running;
  assert.equal(ex.running, false);
  assert.equal(ex.result?.exportId, 3);
  assert.equal(ex.history[0].name, 'shop');
  await tick();
  assert.equal(a.callsTo('exports:preview').length, previews + 1, 'files now exist: the names are previewed again');
  a.emit('exports:progress', { runId: req.runId, phase: 'done', done: 2, total: 2, fileName: null });
  assert.equal(ex.progress?.done, 1, 'a finished run\'s late events are ignored');
  off();
  assert.equal(a.listenerCount('exports:progress'), 0);

  ex.exportName = '  Spring drop ';
  a.handlers['exports:run'] = fails('target folder is not writable', 'forbidden');
  await ex.run();
  assert.equal((a.callsTo('exports:run')[1] as { name: string }).name, 'Spring drop');
  assert.equal(ex.error, 'Could not export: target folder is not writable');
  assert.equal(ex.running, false);
  assert.equal(ex.result, null);
});

test('export: presets save under a name and delete; signing set and removed (C2PA turned off)', async () => {
  const a = api();
  const ex = new ExportState(a);
  ex.presetName = '  ';
  await ex.savePreset();
  assert.equal(ex.error, 'Name the preset to save it.');
  assert.equal(a.callsTo('exports:savePreset').length, 0);

  a.handlers['exports:savePreset'] = ({ name, spec }) => ({ ...preset(2, name), spec: { ...defaultSpec(), ...spec } });
  a.handlers['exports:presets'] = { presets: [preset(1, 'Web'), preset(2, 'Print')] };
  ex.presetName = ' Print ';
  ex.spec.format = 'png';
  await ex.savePreset();
  assert.deepEqual(a.callsTo('exports:savePreset'), [{ name: 'Print', spec: { ...defaultSpec(), format: 'png' } }]);
  assert.equal(ex.presetId, 2);
  assert.equal(ex.presets.length, 2);
  assert.equal(ex.error, null);

  a.handlers['exports:deletePreset'] = { deleted: true };
  a.handlers['exports:presets'] = { presets: [preset(1, 'Web')] };
  await ex.deletePreset();
  assert.deepEqual(a.callsTo('exports:deletePreset'), [{ id: 2 }]);
  assert.equal(ex.presetId, null);
  await ex.deletePreset();
  assert.equal(a.callsTo('exports:deletePreset').length, 1, 'no preset chosen: nothing to delete');

  a.handlers['exports:setSigning'] = ({ alg }) => ({ configured: true, alg, subject: 'CN=Studio' });
  assert.equal(await ex.setSigning(new File(['cert'], 'c.pem'), new File(['key'], 'k.pem'), 'ps256'), true);
  assert.deepEqual(a.callsTo('exports:setSigning'), [{ cert: 'f_1', key: 'f_2', alg: 'ps256' }]);
  assert.equal(ex.signing.subject, 'CN=Studio');
  ex.spec.c2pa = true;
  a.handlers['exports:clearSigning'] = signing;
  await ex.clearSigning();
  assert.equal(ex.signing.configured, false);
  assert.equal(ex.spec.c2pa, false);

  a.handlers['exports:setSigning'] = fails('the key does not match the certificate', 'validation');
  assert.equal(await ex.setSigning(new File(['c'], 'c.pem'), new File(['k'], 'k.pem'), 'es256'), false);
  assert.equal(ex.error, 'Could not set the signing certificate: the key does not match the certificate');
});

test('export: clear forgets the project\'s presets, selection and results', async () => {
  const a = api();
  const ex = new ExportState(a);
  await ex.load();
  ex.usePreset(1);
  ex.pick([1, 2]);
  ex.result = runResult;
  ex.clear();
  assert.deepEqual([ex.presets, ex.presetId, ex.preview, ex.result, ex.history, ex.picked, ex.selection, ex.loaded], [[], null, null, null, [], [], 'approved', false]);
});
