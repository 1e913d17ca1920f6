// Every channel's validation, at the dispatch level: malformed payloads, unknown ids, files that are not
// images (or are decompression bombs), paths the app did not hand out. Each refused call answers a clear
// {name, message, kind} and writes nothing (no rows, no blob files).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHANNELS } from '../../main/api/schemas.ts';
import type { Channel } from '../../preload/contract.ts';
import { assetsDir, fixturesDir } from '../helpers/fixtures.ts';
import { blobFiles, bombPng, garmentPng, makeHost, solidPng, type TestHost } from './api-helpers.ts';

let t: TestHost;
const ref = (n = 0) => `f_${String(n).padStart(20, 'x')}`;

before(async () => {
  t = await makeHost();
});
after(() => t.close());

/** Malformed payloads per channel (each must be refused as 'validation'). */
const MALFORMED: Record<Channel, unknown[]> = {
  'app:info': [42, { extra: 1 }],
  'engine:info': ['x', { a: 1 }],
  'engine:status': [[1], { a: 1 }],
  'dialog:openFiles': [{}, { purpose: 'anything' }, { purpose: 'images', multiple: 'yes' }],
  'files:dropped': [{}, { paths: [] }, { paths: ['relative/path.png'] }, { paths: ['/a\0b'] }],
  'project:current': [{ x: 1 }],
  'project:open': [{}, { path: 'relative' }, { folder: '/etc' }, { folder: ref(), path: '/x' }],
  'project:create': [{}, { name: '' }, { name: '../evil' }, { name: 'a/b' }, { name: '..' }, { name: 'ok', parent: '/tmp' }],
  'project:close': [{ force: true }],
  'project:recent': [7],
  'project:forget': [{}, { path: 3 }],
  'project:stats': [{ x: 1 }],
  'collections:list': [{ x: 1 }],
  'collections:create': [{}, { name: '' }, { name: 'x'.repeat(201) }],
  'garments:list': [{ limit: 0 }, { limit: 501 }, { category: 'hats' }, { beforeId: -1 }, { tag: '!!' }],
  'garments:get': [{}, { id: 0 }, { id: 1.5 }, { id: '1' }],
  'garments:import': [{}, { items: [] }, { items: [{ sku: 'A', name: 'n', category: 'upper_body', photos: [] }] },
    { items: [{ sku: 'A', name: 'n', category: 'hats', photos: [{ file: ref(), type: 'flat-lay' }] }] },
    { items: [{ sku: 'A', name: 'n', category: 'upper_body', photos: [{ file: '/etc/passwd', type: 'flat-lay' }] }] }],
  'garments:update': [{}, { id: 1, sku: '' }, { id: 1, category: 'hats' }, { id: 1, tags: ['bad tag!'] }],
  'garments:bulkUpdate': [{ ids: [], set: { season: 'x' } }, { ids: [1], set: {} }, { ids: [1] }],
  'garments:photos': [{}, { garmentId: 1, add: [] }, { garmentId: 1, add: [{ file: 'x', type: 'flat-lay' }] }],
  'models:list': [{ x: 1 }],
  'models:get': [{ id: -3 }],
  'models:import': [{ items: [] }, { items: [{ file: '/elsewhere/x.png' }] }, { items: [{ file: ref(), name: '' }] }],
  'masks:list': [{}, { modelPhotoId: 'a' }],
  'masks:versions': [{ modelPhotoId: 1 }, { modelPhotoId: 1, category: 'hats' }],
  'masks:save': [{ modelPhotoId: 1, category: 'upper_body' }, { modelPhotoId: 1, category: 'upper_body', pngBase64: 'not base64!' },
    { modelPhotoId: 1, category: 'upper_body', file: ref(), pngBase64: 'AAAA' }, { modelPhotoId: 1, category: 'upper_body', origin: 'magic', file: ref() }],
  'densepose:import': [{ modelPhotoId: 1, file: ref() }, { modelPhotoId: 1, file: ref(), format: 'jpeg' }],
  'densepose:list': [{}],
  'checkpoints:list': [{ x: 1 }],
  'checkpoints:get': [{ id: null }],
  'checkpoints:import': [{}, { file: ref(), name: 'n', kind: 'try-on-HD', architecture: 'sd3', licence: 'MIT', commercialUse: true },
    { file: ref(), name: 'n', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: 'yes' },
    { file: '/weights.safetensors', name: 'n', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true }],
  'checkpoints:setDefault': [{}],
  'batches:preview': [{}, { garmentIds: [], modelPhotoIds: [1], seeds: [1] }, { garmentIds: [1], modelPhotoIds: [1], seeds: [-1] },
    { garmentIds: [1], modelPhotoIds: [1], seeds: [1], settings: [{ steps: 0 }] }],
  'batches:enqueue': [{ garmentIds: [1], modelPhotoIds: [1] }, { garmentIds: [1], modelPhotoIds: [1], seeds: [2 ** 32] }],
  'batches:list': [{ limit: 0 }],
  'queue:state': [{ x: 1 }],
  'queue:pause': [{ x: 1 }],
  'queue:resume': [{ x: 1 }],
  'queue:cancel': [{}, { all: false }, { jobId: 1, batchId: 1 }],
  'queue:retry': [{ batchId: 'x' }],
  'queue:cells': [{ status: 'done' }, { limit: 5000 }],
  'results:list': [{ reviewStatus: 'maybe' }, { limit: 0 }],
  'results:get': [{ id: 0 }],
  'blobs:url': [{}, { hash: 'abc' }, { hash: 'A'.repeat(64) }],

  // Preprocessing (auto masks, DensePose approximation, garment clean-up) and garment edits.
  'masks:auto': [{}, { modelPhotoId: 0 }, { modelPhotoId: 1, categories: ['shoes'] }, { modelPhotoId: 1, protectHands: 'yes' }],
  'densepose:generate': [{ modelPhotoId: 1 }, { modelPhotoId: 1, format: 'parula' }],
  'garments:cleanPreview': [{}, { garmentPhotoId: -1 }, { garmentPhotoId: 1, extra: 1 }],
  // Model manager.
  'checkpoints:acceptLicence': [{}, { id: 0 }, { id: 1, by: '' }],
  'hub:catalogue': [{ x: 1 }],
  'hub:download': [{}, { modelId: '../x' }, { modelId: 3 }],
  'hub:cancel': [{}, { modelId: 'A B' }],
  'hub:register': [{}, { modelId: '' }],
  // Team queue.
  'queue:workers': [{ x: 1 }],
  'queue:settings': [{ x: 1 }],
  'queue:saveSettings': [{}, { kind: 'cloud' }, { kind: 'team' }, { kind: 'team', redisUrl: 'redis://x', queueName: '../q' }, { kind: 'team', redisUrl: 'redis://x', passwordFile: 'rel/path' }],
  'queue:testConnection': [{}, { redisUrl: '' }, { redisUrl: 'redis://x', passwordFile: 'relative' }],
  'queue:workerTokens': [{ x: 1 }],
  'queue:issueWorkerToken': [{}, { name: 'gpu box' }, { name: 'a:b' }, { name: '' }],
  'queue:revokeWorkerToken': [{}, { name: '' }],
  // Review, compare, re-run.
  'review:list': [{ reviewStatus: 'maybe' }, { qa: 'bad' }, { sort: 'random' }, { limit: 0 }, { offset: -1 }, { extra: 1 }],
  'review:get': [{ id: 0 }, {}],
  'review:add': [{ resultId: 1 }, { resultId: 1, status: 'great' }, { resultId: 1, status: 'approved', defectTags: ['melted'] }, { resultId: 1, status: 'approved', reviewer: '  ' }, { resultId: 1, status: 'approved', reviewer: 'x'.repeat(65) }, { resultId: 1, status: 'approved', reviewer: 'a\nb' }, { resultId: 1, status: 'approved', who: 'x' }],
  'review:pick': [{}, { resultId: 1, clear: 'yes' }, { resultId: 1, reviewer: '' }, { resultId: 1, reviewer: 7 }],
  'results:rerun': [{ id: 1 }, { id: 1, mode: 'twice' }, { id: 1, mode: 'seed', seed: -1 }, { id: 1, mode: 'seed', seed: 2 ** 32 }],
  // Explain.
  'explain:layers': [{}, { resultId: 0 }],
  'explain:run': [{}, { resultId: 1, step: -1 }, { resultId: 1, layer: '' }, { resultId: 1, force: 'yes' }],
  'explain:get': [{ resultId: 1 }, { resultId: 1, layer: 'x', step: 1.5 }],
  'explain:inspect': [{ resultId: 1, layer: 'x', step: 0 }, { resultId: 1, layer: 'x', step: 0, x: -1, y: 0 }],
  // Export.
  'exports:presets': [{ x: 1 }],
  'exports:savePreset': [{}, { name: 'p' }, { name: '', spec: {} }],
  'exports:deletePreset': [{}, { id: 0 }],
  'exports:preview': [{}, { selection: { resultIds: [] }, target: { zip: 'x' } }, { selection: { resultIds: [1] }, target: { folder: '/etc' } }],
  'exports:run': [{}, { selection: { resultIds: [1] }, target: { zip: 'x' }, runId: '../x' }, { selection: { filter: { reviewStatus: 'great' } }, target: { zip: 'x' } }],
  'exports:list': [{ limit: 0 }],
  'exports:signing': [{ x: 1 }],
  'exports:setSigning': [{}, { cert: '/etc/cert.pem', key: ref(), alg: 'es256' }, { cert: ref(), key: ref(1), alg: 'rs1' }],
  'exports:clearSigning': [{ x: 1 }],
  // Finetune.
  'training:sets': [{ x: 1 }],
  'training:createSet': [{}, { name: 'x', pairs: [] }, { name: 'x', pairs: [{ modelPhotoId: 1, garmentId: 1 }, { modelPhotoId: 0, garmentId: 1 }] }],
  'training:setDetail': [{}, { id: 0 }],
  'training:start': [{}, { setId: 1 }, { setId: 1, baseCheckpointId: 1, mode: 'half', steps: 1, learningRate: 1e-4, leffaLoss: { enabled: true, weight: 1 }, sampleEvery: 0, seed: 1 }],
  'training:runs': [{ x: 1 }],
  'training:run': [{}, { id: 0 }],
  'training:stop': [{}, { id: 'x' }],
  'training:resume': [{}, { id: -1 }],
  'training:compare': [{}, { checkpointId: 1, garmentIds: [], modelPhotoIds: [1], seeds: [1] }],
  // Project settings, model releases and erasure.
  'project:settings': [{ a: 1 }],
  'project:updateSettings': [{ releasePolicy: { strict: 'yes' } }, { colour: 1 }],
  'releases:list': [{}, { modelPhotoId: 0 }],
  'releases:add': [{}, { modelPhotoId: 1, subject: 'x', consentDate: '2024-02-30', channels: ['web'], regions: ['*'] }],
  'releases:revoke': [{}, { id: 1, on: 'yesterday' }],
  'releases:check': [{}, { modelPhotoId: 1, date: 'x' }],
  'models:erasePlan': [{}, { modelPhotoIds: [] }],
  'models:erase': [{ modelPhotoIds: [1] }, { modelPhotoIds: [1], confirm: 'nope' }, { modelPhotoIds: [1], confirm: 'a'.repeat(64), alsoDerivedCheckpoints: 'yes' }],
};

test('every channel refuses malformed payloads with a validation error naming the channel', async () => {
  assert.deepEqual(Object.keys(MALFORMED).sort(), [...CHANNELS].sort(), 'the table covers every channel');
  for (const [channel, payloads] of Object.entries(MALFORMED)) {
    for (const payload of payloads) {
      const error = await t.fails(channel, payload, 'validation');
      assert.equal(error.name, 'ValidationError');
      assert.match(error.message, new RegExp(`^invalid payload for '${channel}': payload`), `${channel}: ${error.message}`);
    }
  }
  await t.fails('nope:nope', {}, 'not_found', /unknown channel "nope:nope"/);
  await t.fails('__proto__', {}, 'not_found');
});

test('without an open project, project channels answer unavailable', async () => {
  assert.equal(await t.ok('project:current'), null);
  for (const [channel, payload] of [['garments:list', {}], ['models:list', {}], ['queue:state', {}], ['results:list', {}], ['project:stats', {}], ['blobs:url', { hash: 'a'.repeat(64) }], ['checkpoints:list', {}]] as const) {
    await t.fails(channel, payload, 'unavailable', /no project is open/);
  }
});

test('serve mode has no dialog and no dropped paths; unknown or non-recent paths are refused', async () => {
  await t.fails('dialog:openFiles', { purpose: 'images' }, 'unavailable', /no open dialog in the browser/);
  await t.fails('files:dropped', { paths: ['/etc/passwd'] }, 'unavailable');
  await t.fails('project:open', { path: '/etc' }, 'forbidden', /not in the recent projects list/);
  await t.fails('project:open', { folder: ref(1) }, 'not_found', /not a file reference this app handed out/);
  await t.fails('project:create', { name: 'x', parent: ref(2) }, 'not_found');
});

test('the Electron host grants dialog picks and dropped files as refs, never as paths', async () => {
  const e = await makeHost({ mode: 'electron' });
  try {
    const photo = join(assetsDir, 'people', 'camera.png');
    const dropped = await e.ok('files:dropped', { paths: [photo] });
    assert.deepEqual(Object.keys(dropped.files[0]!).sort(), ['id', 'kind', 'name', 'size']);
    assert.equal(dropped.files[0]!.name, 'camera.png');
    assert.ok(!JSON.stringify(dropped).includes(assetsDir), 'no path goes back to the page');
    await e.fails('files:dropped', { paths: ['/no/such/file.png'] }, 'not_found');
    await e.fails('dialog:openFiles', { purpose: 'images' }, 'unavailable', /no open dialog/); // none injected in this test host
  } finally {
    await e.close();
  }
});

test('with a project: unknown ids are not_found, bad files are refused, and nothing is written', async () => {
  const project = await t.ok('project:create', { name: 'validation' });
  const snapshot = async () => ({ stats: await t.ok('project:stats'), blobs: blobFiles(project.path) });

  // Some real data first.
  const astronaut = await t.grant(join(assetsDir, 'people', 'astronaut.png'));
  const { photos: [photo] } = await t.ok('models:import', { items: [{ file: astronaut }] });
  const shirt = await t.grant(await garmentPng(t.dir, 't-shirt_03'));
  const { garments: [g] } = await t.ok('garments:import', { items: [{ sku: 'SKU-1', name: 'Tee', category: 'upper_body', photos: [{ file: shirt, type: 'flat-lay' }] }] });
  const before = await snapshot();

  const missing = 9999;
  const notFound: Array<[string, unknown]> = [
    ['garments:get', { id: missing }], ['garments:update', { id: missing, name: 'x' }], ['garments:bulkUpdate', { ids: [g!.garment.id, missing], set: { season: 'SS27' } }],
    ['garments:photos', { garmentId: missing }], ['models:get', { id: missing }], ['masks:list', { modelPhotoId: missing }],
    ['masks:versions', { modelPhotoId: missing, category: 'upper_body' }], ['masks:save', { modelPhotoId: missing, category: 'upper_body', pngBase64: 'AAAA' }],
    ['densepose:import', { modelPhotoId: missing, file: astronaut, format: 'HD-parula' }], ['densepose:list', { modelPhotoId: missing }],
    ['checkpoints:get', { id: missing }], ['checkpoints:setDefault', { id: missing }], ['results:get', { id: missing }],
    ['queue:cancel', { jobId: missing }], ['queue:cancel', { batchId: missing }], ['queue:retry', { batchId: missing }], ['queue:cells', { batchId: missing }],
    ['blobs:url', { hash: 'b'.repeat(64) }], ['garments:update', { id: g!.garment.id, collectionId: missing }],
    ['models:import', { items: [{ file: ref(3) }] }], ['garments:import', { items: [{ sku: 'N', name: 'n', category: 'dresses', photos: [{ file: ref(4), type: 'on-model' }] }] }],
    ['garments:import', { items: [{ sku: 'N', name: 'n', category: 'dresses', collectionId: missing, photos: [{ file: shirt, type: 'on-model' }] }] }],
    ['batches:preview', { checkpointId: missing, garmentIds: [g!.garment.id], modelPhotoIds: [photo!.id], seeds: [1] }],
  ];
  for (const [channel, payload] of notFound) await t.fails(channel, payload, 'not_found', /9999|file reference|b{64}/);

  // No checkpoint yet: a batch cannot name one by default.
  await t.fails('batches:enqueue', { garmentIds: [g!.garment.id], modelPhotoIds: [photo!.id], seeds: [1] }, 'validation', /no checkpoint given/);

  // Files that are not images, bombs, folders, wrong sizes.
  const text = join(t.dir, 'notes.png');
  writeFileSync(text, 'this is not a png');
  const bomb = join(t.dir, 'bomb.png');
  writeFileSync(bomb, bombPng());
  const folder = await t.grant(t.dir);
  const textRef = await t.grant(text);
  await t.fails('models:import', { items: [{ file: textRef }] }, 'validation', /PNG, JPEG, WebP or TIFF/);
  await t.fails('models:import', { items: [{ file: await t.grant(bomb) }] }, 'validation', /megapixels/);
  await t.fails('models:import', { items: [{ file: folder }] }, 'validation', /is a folder; expected a file/);
  // One bad item in a batch of imports writes none of them.
  const camera = await t.grant(join(assetsDir, 'people', 'camera.png'));
  await t.fails('models:import', { items: [{ file: camera }, { file: textRef }] }, 'validation', /items\[1\]/);
  await t.fails('garments:import', { items: [
    { sku: 'NEW-1', name: 'ok', category: 'upper_body', photos: [{ file: shirt, type: 'flat-lay' }] },
    { sku: 'SKU-1', name: 'clash', category: 'upper_body', photos: [{ file: shirt, type: 'flat-lay' }] },
  ] }, 'conflict', /garment \d+ already has this SKU/);
  await t.fails('garments:import', { items: [
    { sku: 'DUP', name: 'a', category: 'upper_body', photos: [{ file: shirt, type: 'flat-lay' }] },
    { sku: 'DUP', name: 'b', category: 'upper_body', photos: [{ file: shirt, type: 'flat-lay' }] },
  ] }, 'conflict', /same SKU as items\[0\]/);
  await t.fails('garments:photos', { garmentId: g!.garment.id, add: [{ file: textRef, type: 'on-model' }] }, 'validation');
  await t.fails('masks:save', { modelPhotoId: photo!.id, category: 'upper_body', pngBase64: (await solidPng(10, 10, 255)).toString('base64') }, 'validation', /the size of model photo/);
  await t.fails('masks:save', { modelPhotoId: photo!.id, category: 'upper_body', pngBase64: Buffer.from('GIF89a-nope').toString('base64') }, 'validation', /PNG, JPEG/);
  await t.fails('masks:save', { modelPhotoId: photo!.id, category: 'upper_body', file: textRef }, 'validation');
  await t.fails('densepose:import', { modelPhotoId: photo!.id, file: await t.grant(bomb), format: 'HD-parula' }, 'validation', /megapixels/);

  // Checkpoints: not weights; a base folder that is not a diffusers config folder.
  await t.fails('checkpoints:import', { file: textRef, name: 'n', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true }, 'validation', /is not a checkpoint/);
  const weights = await t.grant(join(fixturesDir, 'leffa-tiny', 'weights.safetensors'));
  const badBase = join(t.dir, 'tiny-stable-diffusion-inpainting');
  mkdirSync(join(badBase, 'unet'), { recursive: true });
  writeFileSync(join(badBase, 'unet', 'config.json'), '{}');
  await t.fails('checkpoints:import', { file: weights, base: await t.grant(badBase), name: 'n', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true }, 'validation', /vae\/config.json is missing/);
  await t.fails('checkpoints:import', { file: weights, base: folder, name: 'n', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true }, 'validation', /expected a diffusers config folder/);
  await t.fails('checkpoints:import', { file: weights, base: weights, name: 'n', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true }, 'validation', /expected a folder/);
  assert.ok(!existsSync(join(project.path, 'bases')), 'no base folder was copied');

  assert.deepEqual(await snapshot(), before, 'nothing was written by any refused call');
  assert.deepEqual((await t.ok('garments:get', { id: g!.garment.id })).garment.season, null, 'the bulk update with an unknown id changed nothing');
});

test('checkpoints, batches and the queue refuse what cannot run; bulk updates are all or nothing', async () => {
  const weights = await t.grant(join(fixturesDir, 'leffa-tiny', 'weights.safetensors'));
  const pose = await t.ok('checkpoints:import', { file: weights, name: 'pose', kind: 'pose', architecture: 'sd15', licence: 'MIT', commercialUse: false });
  assert.equal(pose.isDefault, false, 'a pose checkpoint does not become the try-on default');
  const { items: [photo] } = await t.ok('models:list');
  const { items: [g] } = await t.ok('garments:list', {});
  await t.fails('batches:enqueue', { checkpointId: pose.id, garmentIds: [g!.id], modelPhotoIds: [photo!.id], seeds: [1] }, 'validation', /a try-on checkpoint/);
  await t.fails('queue:cancel', { jobId: 1 }, 'not_found');

  const collection = await t.ok('collections:create', { name: 'SS27' });
  const updated = await t.ok('garments:bulkUpdate', { ids: [g!.id], set: { collectionId: collection.id, addTags: ['hero', 'basics'], removeTags: ['basics'] } });
  assert.deepEqual([updated.garments[0]!.collectionId, updated.garments[0]!.tags], [collection.id, ['hero']]);
  await t.fails('garments:bulkUpdate', { ids: [g!.id], set: { collectionId: 4242 } }, 'not_found', /nothing was changed/);

  const state = await t.ok('queue:pause');
  assert.equal(state.paused, true);
  assert.equal((await t.ok('queue:resume')).paused, false);
  assert.ok(t.eventsOf('queue:event').some((e) => e.type === 'state' && e.paused));
});
