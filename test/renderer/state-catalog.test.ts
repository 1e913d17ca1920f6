// The catalog state classes (projects, garments, import tray, model photos, checkpoints) against a
// scripted api: what they ask the host, and what they show meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { GarmentListItem, ProjectInfo, CheckpointListItem } from '../../preload/contract.ts';
import { fakeApi, tick } from './fake-api.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { ProjectState } = await import('../../renderer/src/lib/state/project.svelte.ts');
const { GarmentsState, PAGE_SIZE } = await import('../../renderer/src/lib/state/garments.svelte.ts');
const { GarmentImportState } = await import('../../renderer/src/lib/state/garment-import.svelte.ts');
const { ModelPhotosState } = await import('../../renderer/src/lib/state/model-photos.svelte.ts');
const { CheckpointsState } = await import('../../renderer/src/lib/state/checkpoints.svelte.ts');

const project: ProjectInfo = { path: '/p/Spring', name: 'Spring', schemaVersion: 6, openedAt: 1 };
const stats = {
  garments: 3, garmentPhotos: 3, modelPhotos: 2, checkpoints: 1, results: 0, batches: 0,
  jobs: { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, total: 0 },
  reviews: { pending: 0, approved: 0, rejected: 0, redo: 0 },
};

function garment(id: number, over: Partial<GarmentListItem> = {}): GarmentListItem {
  return {
    id, sku: `SKU-${id}`, name: `Garment ${id}`, category: 'upper_body', colourway: null, season: null, collectionId: null, tags: [],
    createdAt: id, updatedAt: id, coverHash: 'a'.repeat(64), photoCount: 1, ...over,
  };
}

test('projects: create opens it, refreshes recent and stats, and tells listeners; an empty name is refused', async () => {
  const api = fakeApi({
    'project:current': null,
    'project:recent': { projects: [] },
    'project:create': ({ name }) => ({ ...project, name }),
    'project:stats': stats,
  });
  const state = new ProjectState(api);
  await state.load();
  assert.equal(state.current === null, true); // (asserting on state.current itself would narrow its type for the rest of the test)
  assert.equal(state.loaded, true);
  const seen: Array<string | null> = [];
  state.onChange((p) => seen.push(p?.name ?? null));

  assert.equal(await state.create('   '), false);
  assert.equal(state.error, 'Give the project a name.');
  api.handlers['project:recent'] = { projects: [{ path: project.path, name: 'Spring', openedAt: 1, exists: true }] };
  assert.equal(await state.create(' Spring '), true);
  assert.deepEqual(api.callsTo('project:create'), [{ name: 'Spring' }]);
  assert.equal(state.current?.name, 'Spring');
  assert.equal(state.stats?.garments, 3);
  assert.equal(state.recent.length, 1);
  assert.deepEqual(seen, ['Spring']);

  // The host says the project closed (another window, or the menu).
  state.connect();
  api.emit('project:changed', { project: null });
  assert.equal(state.current, null);
  assert.equal(state.stats, null);
  assert.deepEqual(seen, ['Spring', null]);
});

test('projects: a failure reads as a sentence, not a stack', async () => {
  const api = fakeApi({ 'project:recent': { projects: [] } });
  api.handlers['project:open'] = () => {
    throw Object.assign(new Error('no project at /gone\n    at open (store.ts:1:1)'), { kind: 'not_found' });
  };
  const state = new ProjectState(api);
  assert.equal(await state.openRecent('/gone'), false);
  assert.equal(state.error, 'Could not open the project: no project at /gone');
});

test('garments: pages load on demand in order; a new filter drops answers for the old one', async () => {
  const all = Array.from({ length: 450 }, (_, i) => garment(450 - i));
  const api = fakeApi({
    'garments:list': (req) => {
      const start = req.beforeId ? all.findIndex((g) => g.id < req.beforeId!) : 0;
      const items = all.slice(start, start + (req.limit ?? 50));
      const last = start + items.length >= all.length;
      return { items, nextBeforeId: last ? null : items.at(-1)!.id, total: all.length };
    },
  });
  const state = new GarmentsState(api);
  await state.reload();
  assert.equal(state.items.length, PAGE_SIZE);
  assert.equal(state.total, 450);
  await Promise.all([state.loadMore(), state.loadMore()]);
  assert.equal(state.items.length, 400, 'two calls while one is on its way fetch one page');
  await state.ensureLoaded(449);
  assert.equal(state.items.length, 450);
  assert.equal(state.hasMore, false);
  assert.deepEqual(api.callsTo('garments:list').map((r) => (r as { beforeId?: number }).beforeId), [undefined, 251, 51]);

  // Stale answers: the text filter changes while the first search is on its way.
  let release!: () => void;
  api.handlers['garments:list'] = (req) =>
    new Promise((resolve) => {
      const answer = { items: req.text === 'new' ? [garment(1)] : [garment(2), garment(3)], nextBeforeId: null, total: req.text === 'new' ? 1 : 2 };
      if (req.text === 'old') release = () => resolve(answer);
      else resolve(answer);
    });
  state.filter.text = 'old';
  const oldSearch = state.reload();
  await tick();
  state.filter.text = 'new';
  await state.reload();
  release();
  await oldSearch;
  assert.deepEqual(state.items.map((g) => g.id), [1]);
  assert.equal(state.total, 1);
});

test('garments: selection by click, shift and select-all-matching; bulk edit sends season/tags in one call', async () => {
  const items = [garment(3, { tags: ['summer'] }), garment(2), garment(1, { colourway: 'red' })];
  // The host's copy, which both update calls change.
  const db = new Map(items.map((g) => [g.id, { ...g }]));
  const api = fakeApi({
    'garments:list': { items, nextBeforeId: null, total: 3 },
    'garments:bulkUpdate': ({ ids, set }) => ({
      garments: ids.map((id) => {
        const g = db.get(id)!;
        const next = { ...g, season: set.season ?? g.season, colourway: set.colourway ?? g.colourway, tags: [...new Set([...g.tags.filter((t) => !set.removeTags?.includes(t)), ...(set.addTags ?? [])])].sort() };
        db.set(id, next);
        return next;
      }),
    }),
    'garments:update': (req) => {
      const next = { ...db.get(req.id)!, ...req };
      db.set(req.id, next);
      return next;
    },
  });
  const state = new GarmentsState(api);
  await state.reload();
  state.click(0);
  state.click(2, { shift: true });
  assert.equal(state.selection.size, 3);
  state.click(1, { toggle: true });
  assert.deepEqual([...state.selection.ids].sort(), [1, 3]);

  const changed = await state.bulkApply({ season: 'SS26', addTags: ['core'], removeTags: ['summer'], colourway: 'navy' });
  assert.equal(changed, 2);
  assert.deepEqual(api.callsTo('garments:bulkUpdate'), [{ ids: [3, 1], set: { season: 'SS26', colourway: 'navy', addTags: ['core'], removeTags: ['summer'] } }]);
  assert.deepEqual(api.callsTo('garments:update'), [], 'one all-or-nothing call, not one per garment');
  assert.deepEqual(state.items.find((g) => g.id === 3)?.tags, ['core']);
  assert.equal(state.items.find((g) => g.id === 1)?.colourway, 'navy');
  assert.equal(state.items[0].coverHash, 'a'.repeat(64), 'list fields survive an update');

  state.clearSelection();
  await state.selectAllMatching();
  assert.equal(state.selection.size, 3);
});

test('import tray: files become rows, bulk set applies to ticked rows, and import sends one call per tray', async () => {
  const api = fakeApi({ 'garments:import': ({ items }) => ({ garments: items.map((it, i) => ({ garment: { ...garment(i + 1), sku: it.sku }, photos: [] })) }) });
  const tray = new GarmentImportState(api);
  const file = (name: string, type = 'image/png') => new File([new Uint8Array(4)], name, { type });
  await tray.addFiles([file('t-shirt_01.png'), file('notes.txt', 'text/plain'), file('wild_summer_shorts.png')]);
  assert.equal(tray.rows.length, 2);
  assert.match(tray.error!, /1 file was skipped/);
  assert.deepEqual(tray.rows.map((r) => [r.sku, r.category]), [['T-SHIRT-01', 'upper_body'], ['WILD-SUMMER-SHORTS', 'lower_body']]);

  tray.toggle(tray.rows[0].key);
  tray.setForChecked('season', 'SS26');
  assert.deepEqual(tray.rows.map((r) => r.season), ['SS26', '']);
  tray.checkAll(false);
  tray.setForChecked('colourway', 'white');
  assert.deepEqual(tray.rows.map((r) => r.colourway), ['white', 'white'], 'nothing ticked: every row');

  tray.set(tray.rows[1].key, 'sku', '');
  assert.equal(await tray.submit(), null);
  assert.match(tray.error!, /Fix 1 row first: SKU is empty/);
  tray.set(tray.rows[1].key, 'sku', 'SH-01');
  const imported = await tray.submit();
  assert.equal(imported?.length, 2);
  const [request] = api.callsTo('garments:import') as [{ items: { sku: string; season?: string; photos: unknown[] }[] }];
  assert.deepEqual(request.items.map((i) => [i.sku, i.season]), [['T-SHIRT-01', 'SS26'], ['SH-01', undefined]]);
  const revoked: string[] = [];
  tray.reset((u) => revoked.push(u));
  assert.equal(tray.open, false);
});

test('model photos: import, open with the latest mask per category, versions, DensePose import', async () => {
  const photo = { id: 7, name: 'astronaut', blobHash: 'b'.repeat(64), width: 512, height: 512, notes: null, createdAt: 1 };
  const masks = [
    { id: 1, modelPhotoId: 7, category: 'upper_body' as const, version: 1, blobHash: 'c'.repeat(64), origin: 'auto' as const, createdAt: 1 },
    { id: 2, modelPhotoId: 7, category: 'upper_body' as const, version: 2, blobHash: 'd'.repeat(64), origin: 'manual' as const, createdAt: 2 },
  ];
  let densepose: { id: number; modelPhotoId: number; format: 'HD-parula'; origin: 'imported'; approximated: boolean; generator: null; blobHash: string; createdAt: number }[] = [];
  const api = fakeApi({
    'models:list': () => ({ items: [{ ...photo, masks: {}, denseposeFormats: [] }] }),
    'models:import': ({ items }) => ({ photos: items.map(() => photo) }),
    'models:get': () => ({ photo, masks, densepose }),
    'densepose:import': (req) => {
      densepose = [{ id: 1, modelPhotoId: 7, format: 'HD-parula', origin: 'imported', approximated: false, generator: null, blobHash: 'e'.repeat(64), createdAt: 3 }];
      return { ...densepose[0], format: req.format as 'HD-parula' };
    },
  });
  const state = new ModelPhotosState(api);
  assert.equal(await state.addFiles([new File([new Uint8Array(1)], 'astronaut.png', { type: 'image/png' })]), true);
  assert.deepEqual(api.callsTo('models:import'), [{ items: [{ file: 'f_1', name: 'astronaut' }] }]);
  assert.equal(state.items.length, 1);
  await state.open(7);
  assert.equal(state.mask?.version, 2, 'latest version by default');
  state.maskId = 1;
  assert.equal(state.mask?.version, 1);
  state.selectCategory('lower_body');
  assert.equal(state.mask, null);
  assert.equal(await state.importDensepose(new File([new Uint8Array(1)], 'dp.png', { type: 'image/png' }), 'HD-parula'), true);
  assert.equal(state.densepose?.format, 'HD-parula');
  assert.equal(state.showDensepose, true);
});

test('checkpoints: import shows copy progress from pushed events, then lists it; set default', async () => {
  const item: CheckpointListItem = {
    id: 1, name: 'tiny', kind: 'try-on-HD', architecture: 'sd15', blobHash: 'f'.repeat(64), size: 5_719_900, source: null,
    licence: 'MIT', commercialUse: true, parentId: null, trainingRun: null, baseConfig: null, createdAt: 1, isDefault: true,
  };
  let finish!: () => void;
  const api = fakeApi({
    'checkpoints:list': { items: [], defaultId: null },
    'checkpoints:import': () => new Promise((resolve) => (finish = () => resolve(item))),
    'checkpoints:setDefault': ({ id }) => ({ defaultId: id }),
  });
  const state = new CheckpointsState(api);
  state.connect();
  await state.load();
  assert.equal(state.problem, 'Choose a weights file.');
  await state.chooseFile(new File([new Uint8Array(8)], 'notes.txt'));
  assert.match(state.error!, /not a weights file/);
  await state.chooseFile(new File([new Uint8Array(8)], 'weights.safetensors'));
  assert.equal(state.form.name, 'weights');
  assert.match(state.problem!, /licence/);
  state.form.licence = 'MIT';
  state.form.commercialUse = true;
  const importing = state.import();
  await tick();
  assert.equal(state.phase, 'importing');
  api.emit('checkpoints:importProgress', { file: state.file!.id, bytes: 4, totalBytes: 8 });
  assert.deepEqual(state.progress, { bytes: 4, totalBytes: 8 });
  api.handlers['checkpoints:list'] = { items: [item], defaultId: 1 };
  finish();
  assert.equal((await importing)?.id, 1);
  assert.equal(state.phase, 'idle');
  assert.equal(state.items.length, 1);
  assert.equal(state.file, null);
  const [req] = api.callsTo('checkpoints:import') as [Record<string, unknown>];
  assert.deepEqual(req, { file: 'f_1', name: 'weights', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true });
  await state.setDefault(1);
  assert.equal(state.defaultId, 1);
});
