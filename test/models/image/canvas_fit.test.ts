import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  canvasToSource,
  computePlacement,
  cropFromCanvas,
  fitToCanvas,
  pasteBack,
  restoreToOriginal,
  sourceToCanvas,
} from '../../../models/image/canvas_fit.ts';
import { resizeBicubicOpenCV } from '../../../models/image/resize_cubic.ts';
import { loadImage } from '../../../models/image/load_image.ts';
import type { RgbImage } from '../../../models/image/types.ts';
import { assetsDir } from '../../helpers/fixtures.ts';

const pick = (p: ReturnType<typeof computePlacement>) => [p.resizedWidth, p.resizedHeight, p.left, p.top];

test('placement numbers, computed by hand (s = min(H/h, W/w); int(); floor of half the slack)', () => {
  // 512×512 on 768×1024: s = min(2, 1.5) = 1.5 → 768×768, top (1024−768)/2 = 128.
  assert.deepEqual(pick(computePlacement(512, 512)), [768, 768, 0, 128]);
  assert.equal(computePlacement(512, 512).scale, 1.5);
  // 512×600: s = min(1.7067, 1.5) = 1.5 → 768×900, top ⌊124/2⌋ = 62.
  assert.deepEqual(pick(computePlacement(512, 600)), [768, 900, 0, 62]);
  // 1000×500 landscape: s = min(2.048, 0.768) = 0.768 → 768×384, top 320.
  assert.deepEqual(pick(computePlacement(1000, 500)), [768, 384, 0, 320]);
  // 301×1024: s = 1 → 301×1024, left ⌊467/2⌋ = 233 (odd slack: floor).
  assert.deepEqual(pick(computePlacement(301, 1024)), [301, 1024, 233, 0]);
  // 30×49: s = 1024/49, and 49·(1024/49) = 1023.999… in float64 (in Python too) → int() gives 1023,
  // leaving one white row at the bottom; width int(30·20.898) = 626, left ⌊142/2⌋ = 71.
  assert.deepEqual(pick(computePlacement(30, 49)), [626, 1023, 71, 0]);
  // The tiny models' 48×64 canvas: s = min(64/600, 48/512) = 0.09375 → 48 × int(56.25) = 56, top 4.
  assert.deepEqual(pick(computePlacement(512, 600, { width: 48, height: 64 })), [48, 56, 0, 4]);
});

test('canvas size and source size are validated', () => {
  assert.throws(() => computePlacement(512, 512, { width: 770, height: 1024 }), /canvas width must be a positive multiple of 8/);
  assert.throws(() => computePlacement(0, 512), /source size must be positive integers/);
  assert.throws(() => computePlacement(1, 100000), /scales to 0×1024/);
});

test('OpenCV-style bicubic: [0, 255] → 4 columns gives [0, 58, 197, 255] (A = −0.75, 11-bit weights)', () => {
  // Hand computation: weights at t = 0.25 are (−216, 1800, 536, −72)/2048, at t = 0.75 the reverse;
  // out[1] = 255·(536 − 72)/2048 = 57.8 → 58, out[2] = 255·(1800 − 216)/2048 = 197.2 → 197,
  // out[0] = 255·(−216)/2048 < 0 → 0, out[3] = 255·2264/2048 > 255 → 255.
  const src: RgbImage = { data: Uint8Array.from([0, 0, 0, 255, 255, 255]), width: 2, height: 1 };
  const out = resizeBicubicOpenCV(src, 4, 1);
  assert.deepEqual([...out.data.filter((_, i) => i % 3 === 0)], [0, 58, 197, 255]);
  // A constant image stays constant (the rounded weights need not sum to exactly 2048).
  const flat: RgbImage = { data: new Uint8Array(7 * 5 * 3).fill(200), width: 7, height: 5 };
  assert.ok(resizeBicubicOpenCV(flat, 19, 3).data.every((v) => v === 200));
  assert.ok(resizeBicubicOpenCV(flat, 3, 2).data.every((v) => v === 200));
});

test('fitToCanvas pastes the resized photo centred on white', async () => {
  const photo = await loadImage(join(assetsDir, 'people/grace_hopper.jpg'), { what: 'person image' });
  const { image, placement } = await fitToCanvas(photo);
  assert.deepEqual([image.width, image.height], [768, 1024]);
  assert.deepEqual(pick(placement), [768, 900, 0, 62]);
  // Padding rows are white; the fitted region is exactly the resized photo.
  assert.ok(image.data.subarray(0, 62 * 768 * 3).every((v) => v === 255));
  assert.ok(image.data.subarray((62 + 900) * 768 * 3).every((v) => v === 255));
  const resized = resizeBicubicOpenCV(photo, 768, 900);
  assert.deepEqual(cropFromCanvas(image, placement).data, resized.data);

  const lz = await fitToCanvas(photo, { resample: 'lanczos3', width: 48, height: 64 });
  assert.deepEqual([lz.image.width, lz.image.height, ...pick(lz.placement)], [48, 64, 48, 56, 0, 4]);
});

test('inverse mapping: coordinates round-trip and corners map to corners', () => {
  for (const [w, h] of [[512, 600], [1000, 500], [30, 49], [3024, 4032]]) {
    const p = computePlacement(w, h);
    assert.deepEqual(canvasToSource(p.left, p.top, p), { x: 0, y: 0 });
    const br = canvasToSource(p.left + p.resizedWidth, p.top + p.resizedHeight, p);
    assert.ok(Math.abs(br.x - w) < 1e-9 && Math.abs(br.y - h) < 1e-9);
    for (const [x, y] of [[0.5, 0.5], [w / 3, h / 2], [w - 1, h - 1]]) {
      const c = sourceToCanvas(x, y, p);
      const back = canvasToSource(c.x, c.y, p);
      assert.ok(Math.abs(back.x - x) < 1e-9 && Math.abs(back.y - y) < 1e-9, `${w}×${h} (${x}, ${y})`);
    }
  }
});

test('restoreToOriginal and pasteBack return to the photo frame and resolution', async () => {
  const photo = await loadImage(join(assetsDir, 'people/grace_hopper.jpg'), { what: 'person image' });
  const { image: canvas, placement } = await fitToCanvas(photo);

  // Fit → restore: same size as the photo, close to it (two resamplings).
  const restored = await restoreToOriginal(canvas, placement);
  assert.deepEqual([restored.width, restored.height], [512, 600]);
  let err = 0;
  for (let i = 0; i < photo.data.length; i++) err += Math.abs(restored.data[i] - photo.data[i]);
  assert.ok(err / photo.data.length < 3, `mean abs error ${err / photo.data.length}`);

  // A "generated" canvas (the inverted fit) pasted back through a mask covering the middle third only.
  const gen: RgbImage = { data: canvas.data.map((v) => 255 - v), width: 768, height: 1024 };
  const mask = { data: new Uint8Array(768 * 1024), width: 768, height: 1024 };
  for (let y = 362; y < 662; y++) mask.data.fill(255, y * 768 + 256, y * 768 + 512);
  const out = await pasteBack(photo, gen, placement, { mask });
  assert.deepEqual([out.width, out.height], [512, 600]);
  // Outside the mask (top-left corner region), the photo's own pixels, untouched.
  for (const [x, y] of [[10, 10], [500, 590], [20, 300]]) {
    const i = (y * 512 + x) * 3;
    assert.deepEqual([...out.data.subarray(i, i + 3)], [...photo.data.subarray(i, i + 3)], `(${x}, ${y})`);
  }
  // Inside (canvas (384, 512) ↔ source (256, 300)): the generated, inverted pixels.
  const i = (300 * 512 + 256) * 3;
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(out.data[i + c] - (255 - photo.data[i + c])) < 25);

  // Without a mask the whole frame is replaced.
  const full = await pasteBack(photo, gen, placement);
  assert.ok(Math.abs(full.data[30] - (255 - photo.data[30])) < 25);
  await assert.rejects(pasteBack(canvas, gen, placement), /original is 768×1024, expected the placement's source size 512×600/);
});
