// HubState ("Get models") against a scripted api: the catalogue, Download / Cancel / add-to-project calls,
// the pushed hub:progress events folded into each model's state, and errors that stay on screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { HubCatalogueItem, HubProgress } from '../../preload/contract.ts';
import { formatBytes } from '../../renderer/src/lib/format.ts';
import { deferred, fakeApi, fails, tick } from './fake-api.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { HubState, STATE_LABELS, formatRate } = await import('../../renderer/src/lib/state/hub.svelte.ts');

function model(id: string, over: Partial<HubCatalogueItem> = {}): HubCatalogueItem {
  return {
    id, title: id.toUpperCase(), purpose: 'Try-on', kind: 'try-on-HD', architecture: 'sd15', repo: 'franciszzj/Leffa', file: `${id}.pth`,
    sizeBytes: 4_000_000_000, state: 'not-downloaded', licence: null, commercialUse: null, checkpointId: null, partialBytes: 0,
    progress: null, error: null, ...over,
  };
}

function progress(modelId: string, over: Partial<HubProgress> = {}): HubProgress {
  return { modelId, file: `${modelId}.pth`, bytes: 0, totalBytes: 1000, bytesPerSecond: 0, etaMs: null, state: 'downloading', ...over };
}

const catalogue = (items: HubCatalogueItem[]) => ({ items, cacheDir: '/home/u/.cache/huggingface/hub', offline: false });

test('hub: load keeps the catalogue, cache folder and offline flag; a failed load says what failed', async () => {
  const api = fakeApi({ 'hub:catalogue': { items: [model('try-on-hd'), model('pose', { state: 'in-cache' })], cacheDir: '/c', offline: true } });
  const hub = new HubState(api);
  assert.equal(hub.loaded, false);
  await hub.load();
  assert.deepEqual(hub.items.map((m) => [m.id, m.state]), [['try-on-hd', 'not-downloaded'], ['pose', 'in-cache']]);
  assert.equal(hub.cacheDir, '/c');
  assert.equal(hub.offline, true);
  assert.equal(hub.loaded, true);
  assert.deepEqual(api.callsTo('hub:catalogue'), [{}]);

  api.handlers['hub:catalogue'] = fails('database is locked');
  await hub.load();
  assert.equal(hub.error, 'Could not list the models: database is locked');
  assert.equal(hub.items.length, 2, 'the last good catalogue stays');
  api.handlers['hub:catalogue'] = catalogue([model('try-on-hd')]);
  await hub.load();
  assert.equal(hub.error, null);
  assert.equal(STATE_LABELS['in-cache'], 'In your Hugging Face cache');
});

test('hub: download marks the model busy during the call and queued after it; cancel sends the id', async () => {
  const answer = deferred<{ queued: boolean; position: number }>();
  const api = fakeApi({
    'hub:catalogue': catalogue([model('try-on-hd'), model('pose')]),
    'hub:download': () => answer.promise,
    'hub:cancel': { cancelled: true },
  });
  const hub = new HubState(api);
  await hub.load();
  const started = hub.download('pose');
  await tick();
  assert.equal(hub.pending.has('pose'), true);
  assert.equal(hub.pending.has('try-on-hd'), false);
  assert.equal(hub.items[1].state, 'not-downloaded', 'not queued before the host says so');
  answer.resolve({ queued: true, position: 1 });
  await started;
  assert.deepEqual(api.callsTo('hub:download'), [{ modelId: 'pose' }]);
  assert.equal(hub.pending.size, 0);
  assert.deepEqual(hub.items.map((m) => m.state), ['not-downloaded', 'queued']);
  await hub.cancel('pose');
  assert.deepEqual(api.callsTo('hub:cancel'), [{ modelId: 'pose' }]);
  assert.equal(hub.error, null);
});

test('hub: a refused download reloads the catalogue and keeps the error on screen', async () => {
  const api = fakeApi({
    'hub:catalogue': catalogue([model('pose', { state: 'partial', partialBytes: 10 })]),
    'hub:download': fails('no space left on device'),
    'hub:cancel': fails('not downloading', 'conflict'),
  });
  const hub = new HubState(api);
  await hub.load();
  await hub.download('pose');
  assert.equal(api.callsTo('hub:catalogue').length, 2, 'the catalogue is read again after the failure');
  assert.equal(hub.error, 'Could not start the download: no space left on device');
  assert.equal(hub.items[0].state, 'partial');
  assert.equal(hub.pending.size, 0);
  await hub.cancel('pose');
  assert.equal(hub.error, 'Could not cancel the download: not downloading');
});

test('hub: pushed progress moves a model through queued, downloading and registering; failed keeps its error', async () => {
  const api = fakeApi({ 'hub:catalogue': catalogue([model('try-on-hd', { error: 'old failure' }), model('pose')]) });
  const hub = new HubState(api);
  const off = hub.connect();
  await hub.load();

  api.emit('hub:progress', progress('try-on-hd', { state: 'queued' }));
  assert.equal(hub.items[0].state, 'queued');
  assert.equal(hub.items[0].error, null, 'queuing again clears the last failure');
  const p = progress('try-on-hd', { state: 'downloading', bytes: 250, bytesPerSecond: 3_355_443, etaMs: 4000 });
  api.emit('hub:progress', p);
  assert.equal(hub.items[0].state, 'downloading');
  assert.deepEqual(hub.items[0].progress, p);
  assert.equal(formatRate(hub.items[0].progress!.bytesPerSecond, formatBytes), '3.2 MB/s');
  api.emit('hub:progress', progress('try-on-hd', { state: 'checking' }));
  assert.equal(hub.items[0].state, 'downloading', 'checking the hash shows as downloading');
  api.emit('hub:progress', progress('try-on-hd', { state: 'registering', bytes: 1000 }));
  assert.equal(hub.items[0].state, 'registering');
  assert.equal(hub.items[1].state, 'not-downloaded', 'other models are untouched');

  api.emit('hub:progress', progress('pose', { state: 'failed', error: 'HTTP 503' }));
  assert.equal(hub.items[1].error, 'HTTP 503');
  assert.equal(hub.items[1].progress, null);
  api.emit('hub:progress', progress('pose', { state: 'failed' }));
  assert.equal(hub.items[1].error, 'the download failed');
  await tick();
  assert.equal(api.callsTo('hub:catalogue').length, 3, 'each failure reloads the catalogue');
  off();
});

test('hub: done tells the owner which checkpoint was registered; cancelled reloads; dispose stops listening', async () => {
  const registered: number[] = [];
  const api = fakeApi({ 'hub:catalogue': catalogue([model('pose', { state: 'downloading' })]) });
  const hub = new HubState(api, (id) => registered.push(id));
  const off = hub.connect();
  assert.equal(api.listenerCount('hub:progress'), 1);
  await hub.load();
  api.handlers['hub:catalogue'] = catalogue([model('pose', { state: 'registered', checkpointId: 12 })]);
  api.emit('hub:progress', progress('pose', { state: 'done', checkpointId: 12 }));
  assert.deepEqual(registered, [12]);
  await tick();
  assert.equal(hub.items[0].state, 'registered');
  api.emit('hub:progress', progress('pose', { state: 'done' }));
  assert.deepEqual(registered, [12], 'done without a project registers nothing');
  api.emit('hub:progress', progress('pose', { state: 'cancelled' }));
  await tick();
  assert.equal(api.callsTo('hub:catalogue').length, 4);

  off();
  assert.equal(api.listenerCount('hub:progress'), 0);
  api.emit('hub:progress', progress('pose', { state: 'queued' }));
  assert.equal(hub.items[0].state, 'registered', 'events after dispose change nothing');
});

test('hub: add to project shows "registering", reports the new checkpoint id, and a refusal returns null', async () => {
  const registered: number[] = [];
  const answer = deferred<{ id: number }>();
  const api = fakeApi({
    'hub:catalogue': catalogue([model('pose', { state: 'in-cache' })]),
    'hub:register': () => answer.promise as never,
  });
  const hub = new HubState(api, (id) => registered.push(id));
  await hub.load();
  api.handlers['hub:catalogue'] = catalogue([model('pose', { state: 'registered', checkpointId: 5 })]);
  const adding = hub.register('pose');
  await tick();
  assert.equal(hub.items[0].state, 'registering');
  assert.equal(hub.pending.has('pose'), true);
  answer.resolve({ id: 5 });
  assert.equal(await adding, 5);
  assert.deepEqual(api.callsTo('hub:register'), [{ modelId: 'pose' }]);
  assert.deepEqual(registered, [5]);
  assert.equal(hub.items[0].state, 'registered');

  api.handlers['hub:catalogue'] = catalogue([model('pose', { state: 'in-cache' })]);
  api.handlers['hub:register'] = fails('the file in the cache is truncated', 'validation');
  assert.equal(await hub.register('pose'), null);
  assert.deepEqual(registered, [5]);
  assert.equal(hub.items[0].state, 'in-cache', 'the reload undoes "registering"');
  assert.equal(hub.error, 'Could not add the model to the project: the file in the cache is truncated');
});

test('hub: formatRate is empty while the speed is unknown', () => {
  assert.equal(formatRate(0, formatBytes), '');
  assert.equal(formatRate(-1, formatBytes), '');
  assert.equal(formatRate(512, formatBytes), '512 B/s');
});
