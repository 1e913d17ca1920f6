// The catalogue: garments with tags and photos, model photos with versioned masks and DensePose maps,
// checkpoints with provenance. Every refused write names the argument, the value and what was expected,
// and leaves no row and no file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listBlobFiles } from '../../../main/store/integrity.ts';
import { StoreError } from '../../../main/store/index.ts';
import { bombPng, count, pngBytes, tempProject } from './helpers.ts';

/** Asserts `fn` rejects with a StoreError of `kind` whose message matches `re`. */
async function refuses(fn: () => unknown, kind: StoreError['kind'], re: RegExp): Promise<void> {
  await assert.rejects(async () => fn(), (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.match(err.message, re);
    return true;
  });
}

test('garments: add, tags, update, and clear errors for bad input', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const spring = project.collections.add({ name: 'Spring 26', season: 'SS26' });
    const g = project.garments.add({ sku: 'AB-100', name: 'Silk Blouse', category: 'upper_body', colourway: 'Navy', tags: ['Summer', 'silk'], collectionId: spring.id });
    assert.deepEqual([g.sku, g.category, g.colourway, g.collectionId, g.tags], ['AB-100', 'upper_body', 'Navy', spring.id, ['silk', 'summer']]);
    const u = project.garments.update({ id: g.id, name: 'Silk Shirt', tags: ['office'] });
    assert.deepEqual([u.name, u.tags, u.colourway], ['Silk Shirt', ['office'], 'Navy']);

    const before = count(project, 'garments');
    await refuses(() => project.garments.add({ sku: 'X1', name: 'Shoe', category: 'shoes' as never }), 'validation',
      /^addGarment: category is "shoes"; expected one of "upper_body"\|"lower_body"\|"dresses"$/);
    await refuses(() => project.garments.add({ sku: 'AB-100', name: 'Dup', category: 'dresses' }), 'conflict',
      /addGarment: sku is "AB-100"; expected a SKU no other garment has \(garment 1 has it\)/);
    await refuses(() => project.garments.add({ sku: 'X2', name: 'N', category: 'dresses', collectionId: 99 }), 'not_found',
      /addGarment: collectionId is 99; expected the id of an existing collection/);
    await refuses(() => project.garments.add({ sku: 'X3', name: 'N', category: 'dresses', tags: ['ok', '#bad'] }), 'validation', /addGarment: tags\[1\] is "#bad"; expected letters/);
    await refuses(() => project.garments.add({ sku: 'X4', name: 'N', category: 'dresses', colour: 'red' } as never), 'validation', /addGarment: options is .*; expected no unknown keys \(got "colour"\)/);
    await refuses(() => project.garments.update({ id: 42, name: 'x' }), 'not_found', /updateGarment: id is 42; expected the id of an existing garment/);
    assert.equal(count(project, 'garments'), before);
  } finally {
    await t.cleanup();
  }
});

test('garment photos: stored once by content; non-images, bombs, unknown ids are refused and nothing is written', async () => {
  const t = await tempProject();
  try {
    const { project, dir } = t;
    const g1 = project.garments.add({ sku: 'G1', name: 'Tee', category: 'upper_body' });
    const g2 = project.garments.add({ sku: 'G2', name: 'Tee 2', category: 'upper_body' });
    const png = await pngBytes(48, 64, 5);
    const file = join(dir, 'tee.png');
    await writeFile(file, png);
    const a = await project.garments.addPhoto({ garmentId: g1.id, file, type: 'flat-lay' });
    const again = await project.garments.addPhoto({ garmentId: g1.id, file: png, type: 'flat-lay' });
    const shared = await project.garments.addPhoto({ garmentId: g2.id, file, type: 'on-model', view: 'back' });
    assert.equal(again.id, a.id, 'same file, same garment: the existing photo');
    assert.equal(shared.blobHash, a.blobHash);
    assert.deepEqual([a.width, a.height, shared.view, shared.type], [48, 64, 'back', 'on-model']);
    assert.equal((await listBlobFiles(project.files.root)).length, 1, 'one file for three references');
    assert.equal(count(project, 'blobs'), 1);

    const rows = () => [count(project, 'garment_photos'), count(project, 'blobs')];
    const files = async () => (await listBlobFiles(project.files.root)).length;
    const before = [rows(), await files()];
    const pdf = join(dir, 'spec.pdf');
    await writeFile(pdf, '%PDF-1.7 not an image');
    await refuses(() => project.garments.addPhoto({ garmentId: g1.id, file: pdf, type: 'flat-lay' }), 'validation',
      /addGarmentPhoto: file is ".*spec\.pdf"; expected a PNG, JPEG, WebP or TIFF image \(its first bytes are 255044462d312e37/);
    await refuses(() => project.garments.addPhoto({ garmentId: g1.id, file: bombPng(30_000, 30_000), type: 'flat-lay' }), 'validation',
      /addGarmentPhoto: file is <\d+ bytes>; expected an image of at most 50 megapixels \(it is 30000×30000 = 900\.0 megapixels/);
    await refuses(() => project.garments.addPhoto({ garmentId: 404, file: png, type: 'flat-lay' }), 'not_found',
      /addGarmentPhoto: garmentId is 404; expected the id of an existing garment/);
    await refuses(() => project.garments.addPhoto({ garmentId: g1.id, file: join(dir, 'missing.png'), type: 'flat-lay' }), 'not_found',
      /addGarmentPhoto: file is ".*missing\.png"; expected a readable image file \(no such file\)/);
    await refuses(() => project.garments.addPhoto({ garmentId: g1.id, file: 12 as never, type: 'flat-lay' }), 'validation',
      /addGarmentPhoto: file is 12; expected a file path or the encoded image bytes/);
    const truncated = png.subarray(0, 40);
    await refuses(() => project.garments.addPhoto({ garmentId: g1.id, file: truncated, type: 'flat-lay' }), 'validation', /addGarmentPhoto: file is <40 bytes>; expected a PNG, JPEG, WebP or TIFF image that can be read/);
    assert.deepEqual([rows(), await files()], before, 'nothing written');
    assert.deepEqual(readdirSync(join(project.files.root, '.tmp')), []);
  } finally {
    await t.cleanup();
  }
});

test('model photos: masks are versioned per category and never overwritten; DensePose keeps format and flags', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const person = await project.modelPhotos.add({ name: 'Ana', file: await pngBytes(48, 64, 1) });
    const same = await project.modelPhotos.add({ name: 'Ana again', file: await pngBytes(48, 64, 1) });
    assert.equal(same.id, person.id, 'the same photo imported twice is one model photo');

    const m1 = await project.modelPhotos.addMask({ modelPhotoId: person.id, category: 'upper_body', file: await pngBytes(48, 64, 10, 1), origin: 'auto' });
    const m2 = await project.modelPhotos.addMask({ modelPhotoId: person.id, category: 'upper_body', file: await pngBytes(48, 64, 11, 1), origin: 'manual' });
    const m2again = await project.modelPhotos.addMask({ modelPhotoId: person.id, category: 'upper_body', file: await pngBytes(48, 64, 11, 1), origin: 'manual' });
    const lower = await project.modelPhotos.addMask({ modelPhotoId: person.id, category: 'lower_body', file: await pngBytes(48, 64, 12, 1) });
    assert.deepEqual([m1.version, m2.version, m2again.id, lower.version, lower.origin], [1, 2, m2.id, 1, 'imported']);
    assert.equal(project.modelPhotos.latestMask(person.id, 'upper_body')?.id, m2.id);
    assert.deepEqual(project.modelPhotos.masks(person.id).map((m) => [m.category, m.version]), [['lower_body', 1], ['upper_body', 1], ['upper_body', 2]]);
    assert.throws(() => project.db.prepare(`UPDATE masks SET blob_hash = ? WHERE id = ?`).run(m2.blobHash, m1.id), /never overwritten/);

    const dp = await project.modelPhotos.addDensePose({ modelPhotoId: person.id, file: await pngBytes(48, 64, 20), format: 'HD-parula', origin: 'generated', approximated: true, generator: 'keypoints-v1' });
    assert.deepEqual([dp.format, dp.origin, dp.approximated, dp.generator], ['HD-parula', 'generated', true, 'keypoints-v1']);
    assert.equal(project.modelPhotos.latestDensePose(person.id, 'HD-parula')?.id, dp.id);
    assert.equal(project.modelPhotos.latestDensePose(person.id, 'DC-I-map'), undefined);

    const before = [count(project, 'masks'), count(project, 'blobs')];
    await refuses(async () => project.modelPhotos.addMask({ modelPhotoId: person.id, category: 'dresses', file: await pngBytes(64, 64, 13, 1) }), 'validation',
      /addMask: file is <\d+ bytes>; expected an image the size of model photo 1, 48×64 \(it is 64×64\)/);
    await refuses(async () => project.modelPhotos.addMask({ modelPhotoId: 7, category: 'dresses', file: await pngBytes(48, 64, 13, 1) }), 'not_found', /addMask: modelPhotoId is 7; expected the id of an existing model photo/);
    await refuses(async () => project.modelPhotos.addDensePose({ modelPhotoId: person.id, file: await pngBytes(48, 64, 21), format: 'IUV' as never, origin: 'imported', approximated: false }), 'validation',
      /addDensePose: format is "IUV"; expected one of "HD-parula"\|"DC-I-map"\|"UVI"/);
    assert.deepEqual([count(project, 'masks'), count(project, 'blobs')], before);
  } finally {
    await t.cleanup();
  }
});

test('checkpoints: streamed import with progress, licence and lineage; same file once; bad hash stores nothing', async () => {
  const t = await tempProject();
  try {
    const { project, dir } = t;
    const file = join(dir, 'weights.safetensors');
    await writeFile(file, Buffer.alloc(2 * 1024 * 1024 + 5, 3));
    const progress: number[] = [];
    const base = await project.checkpoints.import(
      { file, name: 'Leffa VITON-HD', kind: 'try-on-HD', architecture: 'sd15', source: 'https://huggingface.co/franciszzj/Leffa', licence: 'CC BY-NC-SA 4.0', commercialUse: false },
      { onProgress: (p) => progress.push(p.bytes) },
    );
    assert.equal(progress.at(-1), 2 * 1024 * 1024 + 5);
    assert.deepEqual([base.size, base.commercialUse, base.kind], [2 * 1024 * 1024 + 5, false, 'try-on-HD']);
    const dup = await project.checkpoints.import({ file, name: 'copy', kind: 'pose', architecture: 'sd15', licence: 'x', commercialUse: true });
    assert.equal(dup.id, base.id, 'the same file is the same checkpoint');

    const tuned = join(dir, 'tuned.safetensors');
    await writeFile(tuned, 'finetuned weights');
    const ft = await project.checkpoints.import({ file: tuned, name: 'House finetune', kind: 'finetune', architecture: 'sd15', licence: 'internal', commercialUse: true, parentId: base.id, trainingRun: { steps: 2000, dataset: 'ss26-pairs' } });
    assert.deepEqual([ft.parentId, ft.trainingRun], [base.id, { steps: 2000, dataset: 'ss26-pairs' }]);

    const other = join(dir, 'other.safetensors');
    await writeFile(other, 'other weights');
    const before = [count(project, 'checkpoints'), (await listBlobFiles(project.files.root)).length];
    await refuses(() => project.checkpoints.import({ file: other, name: 'x', kind: 'LoRA', architecture: 'sdxl', licence: 'x', commercialUse: true, expectedSha256: '0'.repeat(64) }), 'validation', /expectedSha256 is "0{64}"; expected the SHA-256 of/);
    await refuses(() => project.checkpoints.import({ file: other, name: 'x', kind: 'LoRA', architecture: 'sdxl', licence: 'x', commercialUse: true, parentId: 77 }), 'not_found', /importCheckpoint: parentId is 77; expected the id of an existing checkpoint/);
    await refuses(() => project.checkpoints.import({ file: dir, name: 'x', kind: 'LoRA', architecture: 'sdxl', licence: 'x', commercialUse: true }), 'validation', /importCheckpoint: file is ".*"; expected the path of an existing checkpoint file/);
    await refuses(() => project.checkpoints.import({ file: other, name: 'x', kind: 'LoRA', architecture: 'sd3' as never, licence: 'x', commercialUse: true }), 'validation', /importCheckpoint: architecture is "sd3"; expected one of "sd15"\|"sdxl"/);
    assert.deepEqual([count(project, 'checkpoints'), (await listBlobFiles(project.files.root)).length], before);
  } finally {
    await t.cleanup();
  }
});
