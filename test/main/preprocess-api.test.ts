// Preprocessing over the API on the real engine worker (wasm, 1 thread) and the real pose models:
// automatic masks (masks:auto), approximated DensePose (densepose:generate) and cleaned-up garment
// previews (garments:cleanPreview), each stored in the project. The truth is hand-measured on the
// photo (astronaut.png: the orange suit's torso spans about x 150…280, y 320…470; the top corners
// are flag and backdrop) and the clean-up's documented layout (768×1024 on white).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { EngineSupervisor } from '../../main/engine-host/supervisor.ts';
import type { EngineLike } from '../../main/services/queue-service.ts';
import type { ModelPhoto } from '../../preload/contract.ts';
import { readPngText } from '../../models/image/index.ts';
import { assetsDir } from '../helpers/fixtures.ts';
import { garmentPng, makeHost, type TestHost } from './api-helpers.ts';

const supervisor = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
/** The real engine, counting the requests per method (to prove a cached call did not run again). */
const calls = new Map<string, number>();
const engine: EngineLike = {
  request: ((method: string, params: never, opts?: never) => {
    calls.set(method, (calls.get(method) ?? 0) + 1);
    return supervisor.request(method as 'info', params, opts);
  }) as EngineLike['request'],
};
let t: TestHost;
let photo: ModelPhoto;

before(async () => {
  t = await makeHost({ engine });
  await t.ok('project:create', { name: 'Prep' });
  const { photos } = await t.ok('models:import', { items: [{ file: await t.grant(join(assetsDir, 'people', 'astronaut.png')) }] });
  photo = photos[0]!;
});
after(async () => {
  await t?.close();
  await supervisor.close();
});

async function grey(hash: string): Promise<{ data: Buffer; width: number; height: number }> {
  const blob = t.host.catalog.blob(hash);
  assert.ok(blob, `blob ${hash} is served`);
  const { data, info } = await sharp(readFileSync(blob.path)).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const count = (m: { data: Buffer; width: number }, x0: number, y0: number, x1: number, y1: number) => {
  let on = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (m.data[y * m.width + x]! >= 128) on++;
  return on;
};

test('masks:auto saves an auto upper_body mask at the photo size covering the torso, nothing far outside the person', { timeout: 120_000 }, async () => {
  const r = await t.ok('masks:auto', { modelPhotoId: photo.id, categories: ['upper_body'] });
  assert.equal(r.masks.length, 1);
  const m = r.masks[0]!;
  assert.deepEqual([m.category, m.origin, m.version, m.modelPhotoId], ['upper_body', 'auto', 1, photo.id]);
  assert.deepEqual([r.protectHands, r.protectFace], [true, true], 'defaults');
  const img = await grey(m.blobHash);
  assert.deepEqual([img.width, img.height], [photo.width, photo.height]);
  const torso = count(img, 150, 320, 280, 470);
  assert.ok(torso > 0.9 * 130 * 150, `torso box mostly masked: ${torso} of ${130 * 150}`);
  assert.equal(count(img, 0, 0, 60, 60), 0, 'top-left corner (flag) kept');
  assert.equal(count(img, 452, 0, 512, 60), 0, 'top-right corner (backdrop) kept');
  assert.equal(count(img, 200, 70, 250, 110), 0, 'face kept');
  const text = await readPngText(readFileSync(t.host.catalog.blob(m.blobHash)!.path));
  assert.match(text['leffa:mask']!, /^auto; category=upper_body; protectHands=true; protectFace=true; leffa-studio preprocess/);
});

test('masks:auto makes a new version per call with other options, never overwriting; all categories', { timeout: 120_000 }, async () => {
  const before = await t.ok('masks:versions', { modelPhotoId: photo.id, category: 'upper_body' });
  const v1 = before.masks.at(-1)!;
  const off = await t.ok('masks:auto', { modelPhotoId: photo.id, categories: ['upper_body'], protectHands: false, protectFace: false });
  assert.equal(off.masks[0]!.version, v1.version + 1);
  assert.notEqual(off.masks[0]!.blobHash, v1.blobHash);
  const on = await t.ok('masks:auto', { modelPhotoId: photo.id, categories: ['upper_body'] });
  assert.equal(on.masks[0]!.version, v1.version + 2, 'back to the defaults is again a new version');
  const versions = await t.ok('masks:versions', { modelPhotoId: photo.id, category: 'upper_body' });
  assert.deepEqual(versions.masks.map((m) => m.version), [1, 2, 3]);
  assert.equal(versions.masks[0]!.blobHash, v1.blobHash, 'version 1 untouched');
  assert.ok(versions.masks.every((m) => m.origin === 'auto'));
  // Without protection the face region may be regenerated; with it, it never is.
  const faceOff = count(await grey(off.masks[0]!.blobHash), 200, 70, 250, 110);
  const faceOn = count(await grey(on.masks[0]!.blobHash), 200, 70, 250, 110);
  assert.equal(faceOn, 0);
  assert.ok(faceOff >= faceOn);

  const all = await t.ok('masks:auto', { modelPhotoId: photo.id });
  const cats = all.masks.map((m) => m.category).sort();
  assert.ok(cats.includes('upper_body') && cats.includes('dresses'), cats.join());
  for (const m of all.masks) {
    const img = await grey(m.blobHash);
    assert.deepEqual([img.width, img.height], [512, 512]);
    assert.ok(count(img, 0, 0, img.width, img.height) > 0, `${m.category} non-empty`);
  }
  await t.fails('masks:auto', { modelPhotoId: 999 }, 'not_found', /model photo 999/);
  await t.fails('masks:auto', { modelPhotoId: photo.id, categories: ['shoes'] }, 'validation');
});

test('densepose:generate saves an approximated, generated map in the asked format at the photo size', { timeout: 120_000 }, async () => {
  const hd = await t.ok('densepose:generate', { modelPhotoId: photo.id, format: 'HD-parula' });
  assert.deepEqual([hd.format, hd.origin, hd.approximated, hd.modelPhotoId], ['HD-parula', 'generated', true, photo.id]);
  assert.match(hd.generator!, /^leffa-studio preprocess \d+ \(MoveNet Lightning \+ BlazePose Full, @vladmandic\/human-models@/);
  const file = readFileSync(t.host.catalog.blob(hd.blobHash)!.path);
  const meta = await sharp(file).metadata();
  assert.deepEqual([meta.width, meta.height], [photo.width, photo.height]);
  assert.match((await readPngText(file))['leffa:densepose']!, /^approximated; layout=vitonhd/);
  // Background (top-left corner) is black, the torso coloured.
  const { data } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([...data.subarray(0, 3)], [0, 0, 0]);
  const at = (x: number, y: number) => [...data.subarray(3 * (y * 512 + x), 3 * (y * 512 + x) + 3)];
  assert.notDeepEqual(at(215, 400), [0, 0, 0], 'torso labelled');

  const dc = await t.ok('densepose:generate', { modelPhotoId: photo.id, format: 'DC-I-map' });
  const dcRaw = await sharp(readFileSync(t.host.catalog.blob(dc.blobHash)!.path)).raw().toBuffer();
  let max = 0;
  for (let i = 0; i < dcRaw.length; i++) max = Math.max(max, dcRaw[i]!);
  assert.ok(max > 0 && max <= 24, `DC-I-map holds part indices 1…24 (max ${max})`);
  const list = await t.ok('densepose:list', { modelPhotoId: photo.id });
  assert.deepEqual(list.items.map((d) => d.format).sort(), ['DC-I-map', 'HD-parula']);
  await t.fails('densepose:generate', { modelPhotoId: photo.id, format: 'parula' }, 'validation');
});

test('garments:cleanPreview: 768×1024 on white, cached (same hash, not cleaned again)', { timeout: 120_000 }, async () => {
  const shirt = await garmentPng(t.dir, 't-shirt_01');
  const { garments } = await t.ok('garments:import', {
    items: [{ sku: 'TS-1', name: 'Tee', category: 'upper_body', photos: [{ file: await t.grant(shirt), type: 'flat-lay' }] }],
  });
  const gp = garments[0]!.photos[0]!;
  const first = await t.ok('garments:cleanPreview', { garmentPhotoId: gp.id });
  assert.deepEqual([first.width, first.height, first.cached, first.garmentPhotoId], [768, 1024, false, gp.id]);
  assert.equal(first.sourceHash, gp.blobHash);
  assert.ok(first.warnings.some((w) => w.code === 'too-small'), 'a 192×256 render is flagged as too small');
  const file = readFileSync(t.host.catalog.blob(first.blobHash)!.path);
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [768, 1024]);
  for (const [x, y] of [[0, 0], [767, 0], [0, 1023], [767, 1023]] as const) {
    const i = info.channels * (y * 768 + x);
    assert.deepEqual([...data.subarray(i, i + 3)], [255, 255, 255], `corner ${x},${y} white`);
  }
  const ran = calls.get('preprocess.garment');
  assert.equal(ran, 1);
  const second = await t.ok('garments:cleanPreview', { garmentPhotoId: gp.id });
  assert.equal(second.blobHash, first.blobHash);
  assert.equal(second.cached, true);
  assert.deepEqual(second.warnings, first.warnings);
  assert.equal(calls.get('preprocess.garment'), 1, 'the engine was not asked again');
  await t.fails('garments:cleanPreview', { garmentPhotoId: 4242 }, 'not_found', /garment photo 4242/);
});

test('a photo with no person, and a garment photo with no garment, are refused with why', { timeout: 120_000 }, async () => {
  const blank = join(t.dir, 'blank.png');
  await sharp({ create: { width: 300, height: 400, channels: 3, background: '#ffffff' } }).png().toFile(blank);
  const shirt = await garmentPng(t.dir, 't-shirt_02');
  const { photos } = await t.ok('models:import', { items: [{ file: await t.grant(shirt), name: 'not a person' }] });
  await t.fails('masks:auto', { modelPhotoId: photos[0]!.id }, 'validation', /no person was found in the photo/);
  await t.fails('densepose:generate', { modelPhotoId: photos[0]!.id, format: 'HD-parula' }, 'validation', /no person was found/);
  assert.deepEqual((await t.ok('masks:list', { modelPhotoId: photos[0]!.id })).masks, [], 'nothing saved');
  const { garments } = await t.ok('garments:import', {
    items: [{ sku: 'EMPTY', name: 'Nothing', category: 'upper_body', photos: [{ file: await t.grant(blank), type: 'flat-lay' }] }],
  });
  await t.fails('garments:cleanPreview', { garmentPhotoId: garments[0]!.photos[0]!.id }, 'validation', /no garment found/);
});

test('preprocessing leaks no tensors per call; unload frees the pose models', { timeout: 120_000 }, async () => {
  const tensors = async () => (await supervisor.request('memory', {})).numTensors;
  await t.ok('masks:auto', { modelPhotoId: photo.id, categories: ['upper_body'], protectHands: false });
  const steady = await tensors();
  await t.ok('masks:auto', { modelPhotoId: photo.id, categories: ['lower_body'], protectFace: false });
  await t.ok('densepose:generate', { modelPhotoId: photo.id, format: 'UVI' });
  assert.equal(await tensors(), steady, 'no tensors left behind by mask or DensePose calls');
  const { freed } = await supervisor.request('unload', {});
  assert.ok(freed >= 2, `freed ${freed}`);
  assert.ok((await tensors()) < steady, 'the pose model weights are gone');
});

test('missing pose model files: an unavailable error that says how to fetch them', { timeout: 60_000 }, async () => {
  const saved = process.env.LEFFA_POSE_MODELS_DIR;
  process.env.LEFFA_POSE_MODELS_DIR = join(t.dir, 'no-models-here');
  try {
    await supervisor.request('unload', {});
    await t.fails('masks:auto', { modelPhotoId: photo.id }, 'unavailable', /pose models are missing.*node scripts\/fetch-pose-models\.mjs/);
    await t.fails('densepose:generate', { modelPhotoId: photo.id, format: 'HD-parula' }, 'unavailable', /fetch-pose-models/);
  } finally {
    if (saved === undefined) delete process.env.LEFFA_POSE_MODELS_DIR;
    else process.env.LEFFA_POSE_MODELS_DIR = saved;
  }
  // Fetched again (here: the env restored), the next call loads them.
  const r = await t.ok('masks:auto', { modelPhotoId: photo.id, categories: ['upper_body'] });
  assert.equal(r.masks[0]!.origin, 'auto');
});
