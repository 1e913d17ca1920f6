// CheckpointsState beyond the import path covered in state-catalog.test.ts: defaults per task, the licence
// dialog, file and config-folder choices, import progress for another file, failures, and how it and its
// "Get models" hub reload each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { CheckpointListItem, FileRef } from '../../preload/contract.ts';
import { deferred, fakeApi, fails, tick } from './fake-api.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { CheckpointsState, tasksFor, licenceAccepted } = await import('../../renderer/src/lib/state/checkpoints.svelte.ts');

function ckpt(id: number, over: Partial<CheckpointListItem> = {}): CheckpointListItem {
  return {
    id, name: `c${id}`, kind: 'try-on-HD', architecture: 'sd15', blobHash: String(id).repeat(64).slice(0, 64), size: 1000, source: null,
    licence: 'CC BY-NC-SA 4.0', commercialUse: false, parentId: null, trainingRun: null, baseConfig: null, createdAt: id, isDefault: false,
    licenceAcceptedAt: 1, ...over,
  };
}

test('checkpoints: tasksFor and licenceAccepted', () => {
  assert.deepEqual(tasksFor('pose'), ['pose']);
  assert.deepEqual(tasksFor('try-on-DC'), ['try-on-DC']);
  assert.deepEqual(tasksFor('LoRA'), ['try-on-HD', 'try-on-DC']);
  assert.deepEqual(tasksFor('finetune'), ['try-on-HD', 'try-on-DC']);
  assert.equal(licenceAccepted(ckpt(1, { licenceAcceptedAt: null })), false);
  assert.equal(licenceAccepted(ckpt(1, { licenceAcceptedAt: 5 })), true);
  assert.equal(licenceAccepted(ckpt(1, { licenceAcceptedAt: undefined })), true, 'older hosts send no field: accepted');
});

test('checkpoints: set default for a task marks each checkpoint with the tasks it is the default of', async () => {
  const api = fakeApi({
    'checkpoints:list': { items: [ckpt(1, { isDefault: true }), ckpt(2, { kind: 'try-on-DC' }), ckpt(3, { kind: 'pose' })], defaultId: 1 },
    'checkpoints:setDefault': ({ id, task }) => ({ defaultId: task === 'try-on-HD' || !task ? id : 1, defaults: { 'try-on-HD': 1, 'try-on-DC': 2, ...(task === 'pose' ? { pose: id } : {}) } }),
  });
  const s = new CheckpointsState(api);
  await s.load();
  assert.deepEqual(s.defaults, {}, 'an older host sends no per-task defaults');
  await s.setDefault(3, 'pose');
  assert.deepEqual(api.callsTo('checkpoints:setDefault'), [{ id: 3, task: 'pose' }]);
  assert.equal(s.defaultId, 1);
  assert.deepEqual(s.items.map((c) => [c.id, c.isDefault, c.defaultFor]), [[1, true, ['try-on-HD']], [2, false, ['try-on-DC']], [3, false, ['pose']]]);
  await s.setDefault(2);
  assert.deepEqual(api.callsTo('checkpoints:setDefault')[1], { id: 2 }, 'no task: no task field');
  assert.equal(s.defaultId, 2);
  assert.deepEqual(s.items.map((c) => c.isDefault), [false, true, false]);

  api.handlers['checkpoints:setDefault'] = fails('checkpoint 3 is a pose model', 'validation');
  await s.setDefault(3, 'try-on-HD');
  assert.equal(s.error, 'Could not set the default checkpoint: checkpoint 3 is a pose model');
  assert.equal(s.defaultId, 2);
});

test('checkpoints: the licence dialog records who accepted and replaces the item; a refusal keeps the dialog open', async () => {
  const api = fakeApi({
    'checkpoints:list': { items: [ckpt(1), ckpt(2, { licenceAcceptedAt: null })], defaultId: 1 },
    'checkpoints:acceptLicence': ({ id, by }) => ckpt(id, { licenceAcceptedAt: 99, licenceAcceptedBy: by ?? 'user' }),
  });
  const s = new CheckpointsState(api);
  await s.load();
  assert.equal(await s.acceptLicence('anna'), null, 'no dialog open');
  s.openLicence(s.items[1]);
  assert.equal(await s.acceptLicence('  Anna K  '), s.items[1]);
  assert.deepEqual(api.callsTo('checkpoints:acceptLicence'), [{ id: 2, by: 'Anna K' }]);
  assert.equal(s.items[1].licenceAcceptedBy, 'Anna K');
  assert.equal(licenceAccepted(s.items[1]), true);
  assert.equal(s.licenceFor, null);
  assert.equal(s.accepting, false);

  s.openLicence(s.items[0]);
  await s.acceptLicence('   ');
  assert.deepEqual(api.callsTo('checkpoints:acceptLicence')[1], { id: 1 }, 'a blank name is left to the host\'s default');
  s.openLicence(s.items[0]);
  api.handlers['checkpoints:acceptLicence'] = fails('no checkpoint 1', 'not_found');
  assert.equal(await s.acceptLicence('x'), null);
  assert.equal(s.error, 'Could not accept the licence: no checkpoint 1');
  assert.equal(s.licenceFor === s.items[0], true, 'the dialog stays open');
  assert.equal(s.accepting, false);
  s.closeLicence();
  assert.equal(s.licenceFor, null);
});

test('checkpoints: config folder as a .zip (serve) and through the dialog (desktop); open dialog in serve mode says no', async () => {
  const api = fakeApi({});
  const s = new CheckpointsState(api);
  await s.chooseBase(new File(['x'], 'configs.tar'));
  assert.equal(s.error, 'configs.tar is not a .zip of a config folder (unet/, vae/, scheduler/).');
  assert.equal(s.base === null, true); // (asserting on s.base itself would narrow its type below)
  await s.chooseBase(new File(['x'], 'configs.ZIP'));
  assert.equal(s.base?.id, 'f_1');
  assert.equal(s.error, null);
  assert.equal(s.phase, 'idle');
  assert.equal(await s.pickFile(), false, 'serve mode has no native dialog');

  const folder: FileRef = { id: 'dir_9', name: 'sdxl-configs', size: 0, kind: 'folder' };
  const weights: FileRef = { id: 'w_1', name: 'my-model.v2.safetensors', size: 10, kind: 'file' };
  const desktop = fakeApi({}, { mode: 'electron' });
  const asked: unknown[] = [];
  desktop.openFiles = async (opts) => (asked.push(opts), opts?.purpose === 'folder' ? [folder] : [weights]);
  const d = new CheckpointsState(desktop);
  d.form.name = 'Kept';
  assert.equal(await d.pickFile(), true);
  assert.equal(d.file?.id, 'w_1');
  assert.equal(d.form.name, 'Kept', 'a typed name is not overwritten');
  await d.pickBase();
  assert.equal(d.base?.id, 'dir_9');
  assert.deepEqual(asked.map((o) => (o as { purpose: string }).purpose), ['checkpoint', 'folder']);
  desktop.openFiles = async () => {
    throw new Error('dialog already open');
  };
  assert.equal(await d.pickFile(), true);
  assert.equal(d.error, 'Could not show the open dialog: dialog already open');
});

test('checkpoints: import sends the config folder and source; progress for another file is ignored; a failure keeps the form', async () => {
  const answer = deferred<CheckpointListItem>();
  const api = fakeApi({ 'checkpoints:list': { items: [], defaultId: null }, 'checkpoints:import': () => answer.promise });
  const s = new CheckpointsState(api);
  const off = s.connect();
  await s.chooseFile(new File([new Uint8Array(16)], 'model.pth'));
  await s.chooseBase(new File(['z'], 'cfg.zip'));
  s.form.licence = ' MIT ';
  s.form.source = ' https://huggingface.co/x/y ';
  s.form.kind = 'LoRA';
  const importing = s.import();
  await tick();
  assert.equal(s.busy, true);
  assert.deepEqual(s.progress, { bytes: 0, totalBytes: 16 });
  api.emit('checkpoints:importProgress', { file: 'someone-else', bytes: 9, totalBytes: 9 });
  assert.deepEqual(s.progress, { bytes: 0, totalBytes: 16 });
  api.emit('checkpoints:importProgress', { file: 'model.pth', bytes: 8, totalBytes: 16 });
  assert.deepEqual(s.progress, { bytes: 8, totalBytes: 16 }, 'matched by name too');
  answer.reject(Object.assign(new Error('Error: not a safetensors or torch file\n    at parse (x.ts:1:1)'), { kind: 'validation' }));
  assert.equal(await importing, null);
  assert.equal(s.error, 'Could not import the checkpoint: not a safetensors or torch file');
  assert.deepEqual(api.callsTo('checkpoints:import'), [{
    file: 'f_1', base: 'f_2', name: 'model', kind: 'LoRA', architecture: 'sd15', licence: 'MIT', commercialUse: false, source: 'https://huggingface.co/x/y',
  }]);
  assert.equal(s.file?.id, 'f_1', 'the file and form stay for another try');
  assert.equal(s.form.licence, ' MIT ');
  assert.equal(s.phase, 'idle');
  assert.equal(s.progress, null);

  off();
  assert.equal(api.listenerCount('checkpoints:importProgress'), 0);
  assert.equal(api.listenerCount('hub:progress'), 0, 'dispose also stops the hub\'s listener');
  s.file = null;
  assert.equal(await s.import(), null);
  assert.equal(s.error, 'Choose a weights file.');
  assert.equal(api.callsTo('checkpoints:import').length, 1);
});

test('checkpoints: a model the hub registers reloads the list; the list reloads the hub once it was opened', async () => {
  const api = fakeApi({
    'checkpoints:list': { items: [], defaultId: null },
    'hub:catalogue': { items: [], cacheDir: '/c', offline: false },
  });
  const s = new CheckpointsState(api);
  s.connect();
  await s.load();
  assert.equal(api.callsTo('hub:catalogue').length, 0, 'the hub was never opened: not read');
  await s.hub.load();
  api.handlers['checkpoints:list'] = { items: [ckpt(4)], defaultId: 4 };
  api.emit('hub:progress', { modelId: 'pose', file: 'pose.pth', bytes: 1, totalBytes: 1, bytesPerSecond: 0, etaMs: null, state: 'done', checkpointId: 4 });
  await tick();
  await tick();
  assert.deepEqual(s.items.map((c) => c.id), [4]);
  assert.equal(s.defaultId, 4);
  assert.equal(api.callsTo('hub:catalogue').length, 3, 'the hub reloads itself, and again with the new list ("in this project")');

  api.handlers['checkpoints:list'] = fails('no project is open', 'validation');
  await s.load();
  assert.equal(s.error, 'Could not load checkpoints: no project is open');
  assert.equal(s.loaded, true);
});
