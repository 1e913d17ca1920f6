// The worker's quality checks on hand-made images whose answers are known: a red old garment in the
// masked box of a grey photo, a blue new garment. Painted fully blue: every check passes with ~0; half
// still red: the leak check sees exactly that half and the colour drifts; the background repainted: the
// outside-change check warns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { tryOnQuality } from '../../main/engine-host/quality.ts';
import type { RgbImage } from '../../models/image/index.ts';

const W = 64;
const H = 64;
const inBox = (x: number, y: number) => x >= 16 && x < 48 && y >= 16 && y < 48;
let dir = '';
let paths: { person: string; garment: string; mask: string };

function image(colour: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set(colour(x, y), (y * W + x) * 3);
  return { data, width: W, height: H };
}
const GREY: [number, number, number] = [128, 128, 128];
const RED: [number, number, number] = [200, 30, 30];
const BLUE: [number, number, number] = [30, 60, 200];
const original = image((x, y) => (inBox(x, y) ? RED : GREY));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leffa-qa-'));
  paths = { person: join(dir, 'person.png'), garment: join(dir, 'garment.png'), mask: join(dir, 'mask.png') };
  await sharp(original.data, { raw: { width: W, height: H, channels: 3 } }).png().toFile(paths.person);
  const g = new Uint8Array(32 * 32 * 3).fill(255);
  for (let y = 4; y < 28; y++) for (let x = 6; x < 26; x++) g.set(BLUE, (y * 32 + x) * 3);
  await sharp(g, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(paths.garment);
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) m[y * W + x] = inBox(x, y) ? 255 : 0;
  // The mask file at twice the size: the checks bring it to the photo's frame.
  await sharp(m, { raw: { width: W, height: H, channels: 1 } }).resize(W * 2, H * 2, { kernel: 'nearest' }).png().toFile(paths.mask);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a clean try-on passes every check', async () => {
  const q = await tryOnQuality(paths, image((x, y) => (inBox(x, y) ? BLUE : GREY)));
  assert.deepEqual(q.skipped, []);
  assert.ok(q.garmentColour!.value < 0.5 && q.garmentColour!.verdict === 'pass', `colour ΔE ${q.garmentColour!.value}`);
  assert.equal(q.outsideChange!.value, 0);
  assert.equal(q.outsideChange!.verdict, 'pass');
  assert.equal(q.oldGarmentLeak!.value, 0);
  assert.equal(q.oldGarmentLeak!.exposedPixels, 0, 'the new garment covers the whole old one');
});

test('half the old garment left: the leak is that half, and the colour drifts', async () => {
  const q = await tryOnQuality(paths, image((x, y) => (inBox(x, y) ? (x < 32 ? BLUE : RED) : GREY)));
  assert.equal(q.oldGarmentLeak!.exposedPixels, 16 * 32, 'the right half of the box');
  assert.equal(q.oldGarmentLeak!.value, 1, 'all of it still shows the old red');
  assert.equal(q.oldGarmentLeak!.verdict, 'warn');
  assert.equal(q.garmentColour!.verdict, 'warn');
  assert.equal(q.outsideChange!.verdict, 'pass');
});

test('the background repainted: the outside-change check warns; an empty mask skips the garment checks', async () => {
  const q = await tryOnQuality(paths, image((x, y) => (inBox(x, y) ? BLUE : [235, 235, 235])));
  assert.equal(q.outsideChange!.verdict, 'warn');
  assert.ok(q.outsideChange!.changedShare > 0.99);
  const empty = join(dir, 'empty.png');
  await sharp(new Uint8Array(W * H), { raw: { width: W, height: H, channels: 1 } }).png().toFile(empty);
  const e = await tryOnQuality({ ...paths, mask: empty }, original);
  assert.equal(e.outsideChange!.value, 0);
  assert.equal(e.garmentColour, undefined);
  assert.match(e.skipped.join(), /the mask is empty/);
  const wrong = await tryOnQuality(paths, { data: new Uint8Array(3 * 4), width: 2, height: 2 });
  assert.match(wrong.skipped.join(), /the result is 2×2 but the person photo 64×64/);
});
