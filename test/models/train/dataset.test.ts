// The folder dataset format (pairs.jsonl + images): validation that names the bad file, loading onto a
// stage's canvas like inference does, warped_mask defaulting to the agnostic mask, held-out split, and the
// seeded data order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePng } from '../../../models/image/index.ts';
import { DataOrder, DatasetError, FolderDataset, validateDataset } from '../../../models/train/dataset.ts';

async function png(path: string, w: number, h: number, fill: (x: number, y: number) => [number, number, number]): Promise<void> {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d.set(fill(x, y), (y * w + x) * 3);
  await writePng(path, d, w, h);
}

async function makeDataset(n: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pairs-'));
  for (const sub of ['person', 'garment', 'mask', 'densepose']) mkdirSync(join(dir, sub));
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `p${i}`;
    await png(join(dir, 'person', `${id}.png`), 30, 40, (x, y) => [x * 8, y * 6, i * 40]);
    await png(join(dir, 'garment', `${id}.png`), 20, 20, () => [200, 10, 10]);
    await png(join(dir, 'mask', `${id}.png`), 30, 40, (x, y) => (x > 8 && x < 22 && y > 10 && y < 30 ? [255, 255, 255] : [0, 0, 0]));
    await png(join(dir, 'densepose', `${id}.png`), 30, 40, () => [20, 40, 60]);
    lines.push(JSON.stringify({ id, person: `person/${id}.png`, garment: `garment/${id}.png`, mask: `mask/${id}.png`, densepose: `densepose/${id}.png`, category: 'upper_body' }));
  }
  writeFileSync(join(dir, 'pairs.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

test('a valid folder loads onto the stage canvas; warped_mask defaults to the mask; the last pairs are held out', async () => {
  const dir = await makeDataset(3);
  try {
    const ds = await FolderDataset.open(dir, 1);
    assert.equal(ds.trainSize, 2);
    assert.equal(ds.heldOutSize, 1);
    const p = await ds.load('train', 1, { width: 48, height: 64 });
    assert.equal(p.id, 'p1');
    assert.deepEqual([p.person.width, p.person.height, p.garment.width, p.mask.width, p.densepose.height], [48, 64, 48, 48, 64]);
    assert.ok(p.mask.data.every((v) => v === 0 || v === 255));
    assert.equal(p.warpedMask, p.mask);
    assert.ok(p.mask.data.some((v) => v === 255));
    assert.equal((await ds.load('heldout', 0, { width: 48, height: 64 })).id, 'p2');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validation collects every problem and names the file and line', async () => {
  const dir = await makeDataset(2);
  try {
    await png(join(dir, 'mask', 'wide.png'), 60, 20, () => [255, 255, 255]);
    writeFileSync(join(dir, 'broken.png'), 'not an image');
    writeFileSync(join(dir, 'pairs.jsonl'), [
      JSON.stringify({ id: 'a', person: 'person/p0.png', garment: 'garment/p0.png', mask: 'mask/wide.png', densepose: 'densepose/p0.png' }),
      '{not json',
      JSON.stringify({ id: 'b', person: 'person/missing.png', garment: 'garment/p1.png', mask: 'mask/p1.png', densepose: 'densepose/p1.png', category: 'hat' }),
      JSON.stringify({ id: 'c', person: 'person/p1.png', garment: 'broken.png', mask: 'mask/p1.png', densepose: 'densepose/p1.png', warped_mask: '../outside.png' }),
    ].join('\n'));
    await assert.rejects(validateDataset(dir), (e: unknown) => {
      assert.ok(e instanceof DatasetError);
      const msg = e.message;
      assert.match(msg, /wide\.png: mask is 60×20, expected the person photo's size 30×40/);
      assert.match(msg, /pairs\.jsonl:2: not valid JSON/);
      assert.match(msg, /person\/missing\.png: not found \(person of pair b/);
      assert.match(msg, /pairs\.jsonl:3: category = "hat"/);
      assert.match(msg, /pairs\.jsonl:4: warped_mask "\.\.\/outside\.png" points outside the dataset folder/);
      return true;
    });
    writeFileSync(join(dir, 'pairs.jsonl'), JSON.stringify({ id: 'c', person: 'person/p1.png', garment: 'broken.png', mask: 'mask/p1.png', densepose: 'densepose/p1.png' }));
    await assert.rejects(validateDataset(dir), /broken\.png: not a readable image/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('DataOrder: seeded permutation per epoch, batches straddle epochs, resumable from a position', () => {
  const a = new DataOrder(5, 42);
  const first = [...a.take(3), ...a.take(3), ...a.take(4)];
  assert.deepEqual([...first.slice(0, 5)].sort(), [0, 1, 2, 3, 4]); // epoch 0 visits every pair once
  assert.deepEqual([...first.slice(5, 10)].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(a.position, { epoch: 2, cursor: 0 });
  const b = new DataOrder(5, 42);
  b.take(4);
  const resumed = new DataOrder(5, 42, { ...b.position });
  assert.deepEqual(resumed.take(6), first.slice(4, 10));
  assert.notDeepEqual(new DataOrder(5, 43).take(5), first.slice(0, 5));
});
