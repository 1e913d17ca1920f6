// Output quality checks on synthetic images with known answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GreyImage, RgbImage } from '../../../models/image/index.ts';
import { garmentColourCheck, oldGarmentLeakCheck, outsideChangeCheck } from '../../../models/preprocess/index.ts';

const W = 80;
const H = 100;
const solid = (rgb: [number, number, number]): RgbImage => {
  const d = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) d.set(rgb, 3 * i);
  return { data: d, width: W, height: H };
};
const rect = (x0: number, y0: number, x1: number, y1: number): GreyImage => {
  const d = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) d[y * W + x] = 255;
  return { data: d, width: W, height: H };
};
const paint = (img: RgbImage, region: GreyImage, rgb: [number, number, number]): RgbImage => {
  const d = new Uint8Array(img.data);
  for (let i = 0; i < region.data.length; i++) if (region.data[i] >= 128) d.set(rgb, 3 * i);
  return { data: d, width: img.width, height: img.height };
};

test('garment colour: same red passes, a shade off passes, blue instead of red warns', () => {
  const garment = paint(solid([255, 255, 255]), rect(10, 10, 70, 90), [200, 30, 40]);
  const gMask = rect(10, 10, 70, 90);
  const region = rect(20, 30, 60, 70);
  const base = solid([240, 240, 240]);
  const same = garmentColourCheck({ garment, garmentMask: gMask, result: paint(base, region, [200, 30, 40]), resultRegion: region });
  assert.equal(same.verdict, 'pass');
  assert.ok(same.value < 1e-6);
  const shade = garmentColourCheck({ garment, garmentMask: gMask, result: paint(base, region, [185, 28, 38]), resultRegion: region });
  assert.equal(shade.verdict, 'pass', `ΔE ${shade.value}`);
  const blue = garmentColourCheck({ garment, garmentMask: gMask, result: paint(base, region, [30, 40, 200]), resultRegion: region });
  assert.equal(blue.verdict, 'warn');
  assert.ok(blue.value > 30);
  assert.throws(() => garmentColourCheck({ garment, garmentMask: rect(0, 0, 0, 0), result: base, resultRegion: region }), /garmentMask is empty/);
});

test('outside change: edits inside the mask pass, a repainted background warns', () => {
  const original = paint(solid([90, 120, 160]), rect(20, 20, 60, 80), [200, 200, 200]);
  const mask = rect(20, 20, 60, 80);
  const inside = outsideChangeCheck({ original, result: paint(original, mask, [10, 200, 10]), mask, margin: 4 });
  assert.equal(inside.verdict, 'pass');
  assert.equal(inside.value, 0);
  const bg = outsideChangeCheck({ original, result: paint(original, rect(0, 0, 80, 10), [250, 250, 250]), mask, margin: 4 });
  assert.equal(bg.verdict, 'warn');
  assert.ok(bg.changedShare > 0.02);
  assert.throws(() => outsideChangeCheck({ original, result: { data: new Uint8Array(3), width: 1, height: 1 }, mask }), /expected equal sizes/);
});

test('old-garment leak: long → short sleeves with the old sleeve colour left on the forearms warns', () => {
  // Original: a navy long-sleeve top (torso + arms) on skin-coloured background.
  const torso = rect(25, 20, 55, 70);
  const arms = rect(10, 20, 25, 70);
  const oldRegion: GreyImage = { data: torso.data.map((v, i) => v | arms.data[i]), width: W, height: H };
  const original = paint(solid([230, 190, 160]), oldRegion, [20, 30, 80]);
  // New garment: a red short-sleeve top = torso only.
  const newRegion = torso;
  const good = paint(paint(original, torso, [200, 30, 40]), arms, [230, 190, 160]); // forearms become skin
  const leaky = paint(original, torso, [200, 30, 40]); // arms still navy
  const ok = oldGarmentLeakCheck({ original, result: good, oldRegion, newRegion });
  assert.equal(ok.verdict, 'pass');
  assert.equal(ok.value, 0);
  const bad = oldGarmentLeakCheck({ original, result: leaky, oldRegion, newRegion });
  assert.equal(bad.verdict, 'warn');
  assert.equal(bad.value, 1);
  assert.equal(bad.exposedPixels, 15 * 50);
  // New garment covers the old one entirely: nothing can leak.
  const none = oldGarmentLeakCheck({ original, result: leaky, oldRegion, newRegion: oldRegion });
  assert.equal(none.verdict, 'pass');
});
