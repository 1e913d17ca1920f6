// The garment preview cache (migration 014, main/store/garment-previews.ts): one row per (source blob,
// cleaner version), the preview registered as a blob, a second put for the same key keeps the first,
// unknown sources and malformed rows are refused, and the preview blob is a real stored file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { GarmentPreviewRepo } from '../../main/store/garment-previews.ts';
import { pngBytes, tempProject, type TempProject } from './store/helpers.ts';

let tp: TempProject;
let repo: GarmentPreviewRepo;
let sourceHash: string;

before(async () => {
  tp = await tempProject();
  repo = new GarmentPreviewRepo(tp.project.ctx);
  const g = tp.project.garments.add({ sku: 'G-1', name: 'Tee', category: 'upper_body' });
  sourceHash = (await tp.project.garments.addPhoto({ garmentId: g.id, file: await pngBytes(40, 50, 3), type: 'flat-lay' })).blobHash;
});
after(() => tp?.cleanup());

test('put stores the preview blob once per (source, cleaner); the first row wins', async () => {
  assert.equal(repo.get(sourceHash, 'v1'), undefined);
  const warnings = [{ code: 'too-small', message: 'small' }];
  const a = await repo.put({ sourceHash, cleaner: 'v1', png: await pngBytes(24, 32, 7), source: 'background', warnings });
  assert.deepEqual([a.sourceHash, a.cleaner, a.width, a.height, a.source, a.warnings], [sourceHash, 'v1', 24, 32, 'background', warnings]);
  assert.ok(existsSync(tp.project.blobPath(a.previewHash)));
  const b = await repo.put({ sourceHash, cleaner: 'v1', png: await pngBytes(24, 32, 8), source: 'alpha', warnings: [] });
  assert.deepEqual(b, a, 'an existing row is returned, not replaced');
  assert.deepEqual(repo.get(sourceHash, 'v1'), a);
  const c = await repo.put({ sourceHash, cleaner: 'v2', png: await pngBytes(24, 32, 9), source: 'alpha', warnings: [] });
  assert.notEqual(c.previewHash, a.previewHash, 'a new cleaner version is a new row');
});

test('unknown sources and bad values are refused', async () => {
  await assert.rejects(repo.put({ sourceHash: 'f'.repeat(64), cleaner: 'v1', png: await pngBytes(4, 4), source: 'alpha', warnings: [] }), /sourceHash.*stored image/);
  await assert.rejects(repo.put({ sourceHash, cleaner: 'v3', png: new Uint8Array([1, 2, 3]), source: 'alpha', warnings: [] }), /png/);
  const db = tp.project.db;
  assert.throws(() => db.prepare(`INSERT INTO garment_previews VALUES (?, 'x', ?, 'neither', '[]', 0)`).run(sourceHash, sourceHash), /CHECK/);
  assert.throws(() => db.prepare(`INSERT INTO garment_previews VALUES (?, 'y', ?, 'alpha', '{}', 0)`).run(sourceHash, sourceHash), /CHECK/);
  assert.throws(() => db.prepare(`INSERT INTO garment_previews VALUES (?, 'z', ?, 'alpha', '[]', 0)`).run(sourceHash, 'e'.repeat(64)), /FOREIGN KEY/);
});
