// Importing DensePose images: layout detection for the three checkpoint formats, snapping of
// compression noise, conversions between layouts, canvas fitting with black padding, bad inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { RgbImage } from '../../../models/image/index.ts';
import {
  DenseposeImportError,
  detectLayout,
  fitDenseposeToCanvas,
  importDensepose,
  renderDensepose,
  resizeDensepose,
  type DenseposeMap,
} from '../../../models/preprocess/index.ts';

/** A synthetic map: stripes of every part 0…24, U/V ramps. */
function stripes(width = 100, height = 50): DenseposeMap {
  const n = width * height;
  const parts = new Uint8Array(n);
  const u = new Uint8Array(n);
  const v = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      parts[i] = Math.floor((x * 25) / width);
      u[i] = parts[i] ? Math.round((255 * x) / width) : 0;
      v[i] = parts[i] ? Math.round((255 * y) / height) : 0;
    }
  }
  return { width, height, parts, u, v, source: 'imported', provenance: 'test stripes' };
}

async function jpegRoundTrip(img: RgbImage, quality: number): Promise<RgbImage> {
  const jpg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
  const raw = await sharp(jpg).raw().toBuffer();
  return { data: new Uint8Array(raw), width: img.width, height: img.height };
}

test('each layout is detected and imports back to the same part indices (and U, V for pose)', () => {
  const map = stripes();
  for (const layout of ['vitonhd', 'dresscode', 'pose'] as const) {
    const img = renderDensepose(map, layout);
    assert.equal(detectLayout(img), layout);
    const imp = importDensepose(img);
    assert.equal(imp.layout, layout);
    assert.equal(imp.snappedPixels, 0);
    assert.deepEqual(imp.map.parts, map.parts, layout);
    assert.equal(imp.map.source, 'imported');
    if (layout === 'pose') {
      assert.deepEqual(imp.map.u, map.u);
      assert.deepEqual(imp.map.v, map.v);
    } else {
      assert.equal(imp.map.u, null);
    }
  }
});

test('a JPEG-compressed Parula map is recognised and snapped back to exact part colours', async () => {
  const map = stripes(200, 60);
  const noisy = await jpegRoundTrip(renderDensepose(map, 'vitonhd'), 95);
  const imp = importDensepose(noisy, { expect: 'vitonhd' });
  assert.ok(imp.snappedPixels > 0, 'JPEG changed some pixels');
  let wrong = 0;
  for (let i = 0; i < map.parts.length; i++) if (imp.map.parts[i] !== map.parts[i]) wrong++;
  assert.ok(wrong < 0.01 * map.parts.length, `${wrong} pixels got a different part`);
  const clean = renderDensepose(imp.map, 'vitonhd');
  assert.equal(detectLayout(clean), 'vitonhd');
});

test('conversions: a Parula import renders as DressCode I-map; pose needs U/V and says so', () => {
  const imp = importDensepose(renderDensepose(stripes(), 'vitonhd'));
  const dc = renderDensepose(imp.map, 'dresscode');
  assert.equal(detectLayout(dc), 'dresscode');
  assert.throws(() => renderDensepose(imp.map, 'pose'), /needs U and V/);
});

test('expect: a layout mismatch is an error naming both layouts', () => {
  const img = renderDensepose(stripes(), 'dresscode');
  assert.throws(() => importDensepose(img, { expect: 'vitonhd' }), (e: Error) => e instanceof DenseposeImportError && /expected a 'vitonhd'.*'dresscode'/.test(e.message));
});

test('ordinary photos and random noise are rejected with a message listing the three layouts', () => {
  const n = 64 * 64;
  const noise = new Uint8Array(n * 3);
  let s = 12345;
  for (let i = 0; i < noise.length; i++) noise[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  assert.throws(() => importDensepose({ data: noise, width: 64, height: 64 }), (e: Error) => e instanceof DenseposeImportError && /vitonhd.*dresscode.*pose/s.test(e.message));
  assert.throws(() => importDensepose({ data: new Uint8Array(5), width: 2, height: 2 }), /bytes/);
});

test('an all-black image imports (DressCode layout) with an "empty" warning', () => {
  const imp = importDensepose({ data: new Uint8Array(16 * 16 * 3), width: 16, height: 16 });
  assert.equal(imp.layout, 'dresscode');
  assert.match(imp.warnings.join(' '), /no body parts/);
});

test('resize is nearest-neighbour and canvas fitting pads with background (black), not white', () => {
  const map = stripes(100, 50);
  const r = resizeDensepose(map, 300, 150);
  assert.deepEqual(new Set(r.parts), new Set(map.parts), 'no interpolated labels');
  const { map: fitted, placement } = fitDenseposeToCanvas(map);
  assert.deepEqual([fitted.width, fitted.height], [768, 1024]);
  assert.equal(fitted.parts[0], 0);
  const img = renderDensepose(fitted, 'vitonhd');
  assert.deepEqual(Array.from(img.data.subarray(0, 3)), [0, 0, 0]);
  assert.equal(placement.resizedWidth, 768);
  assert.equal(fitted.parts[(placement.top + 10) * 768 + 767], 24);
});
