// Garment clean-up on the clip-art garments in shared/assets (SVG rendered with sharp): as cut-out PNGs
// (own alpha) and flattened onto a plain backdrop (flood fill), plus the warnings and bad inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageLoadError } from '../../../models/image/index.ts';
import { GarmentError, cleanGarmentFile, squareAround } from '../../../models/preprocess/index.ts';
import { assetsDir } from '../../helpers/fixtures.ts';
import { saveOverlay, sideBySide } from './overlay.ts';

const garmentsDir = join(assetsDir, 'garments');
const svgs = readdirSync(garmentsDir).filter((f) => f.endsWith('.svg')).sort();

/**
 * Renders an SVG to PNG bytes with its longer side at most `side` px. Rendered at 150 dpi and then
 * downscaled: librsvg clips some of these drawings at low densities (the shorts lose their lower half).
 */
async function renderSvg(name: string, side = 600): Promise<Buffer> {
  return sharp(join(garmentsDir, name), { density: 150 }).resize(side, side, { fit: 'inside' }).png().toBuffer();
}

test('every clip-art garment: own alpha → laid out on white 768×1024, garment centred in the 768² square', async () => {
  assert.ok(svgs.length >= 5, `expected the 5 garment SVGs, found ${svgs.length}`);
  const tiles = [];
  for (const name of svgs) {
    const g = await cleanGarmentFile(await renderSvg(name));
    assert.equal(g.source, 'alpha', name);
    assert.deepEqual([g.image.width, g.image.height], [768, 1024]);
    // Top and bottom bands (outside the 768×768 square at y = 128) are white and transparent.
    for (const y of [0, 127, 896, 1023]) {
      assert.deepEqual(Array.from(g.image.data.subarray(y * 768 * 3, y * 768 * 3 + 3)), [255, 255, 255], `${name} row ${y}`);
      assert.equal(g.alpha.data[y * 768 + 384], 0);
    }
    // The garment's longer side fills the square (PR #43 crops a square of side max(bw, bh)).
    let minX = 768, maxX = -1, minY = 1024, maxY = -1;
    for (let y = 0; y < 1024; y++) for (let x = 0; x < 768; x++) if (g.alpha.data[y * 768 + x] > 127) {
      minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
    assert.ok(Math.max(maxX - minX, maxY - minY) >= 760, `${name}: garment spans ${maxX - minX}×${maxY - minY}`);
    assert.ok(minY >= 128 && maxY < 896);
    tiles.push(g.image);
  }
  await saveOverlay('garments-alpha.png', tiles.reduce((a, b) => sideBySide(a, b)));
});

test('the same garments flattened onto a plain grey backdrop (JPEG) are found by the border flood fill', async () => {
  const tiles = [];
  for (const name of svgs) {
    const png = await renderSvg(name);
    const withAlpha = await cleanGarmentFile(png);
    const flat = await sharp(png).flatten({ background: '#ececec' }).jpeg({ quality: 92 }).toBuffer();
    const g = await cleanGarmentFile(flat);
    assert.equal(g.source, 'background', name);
    // Same garment box within a few pixels of the alpha-derived one.
    for (const k of ['x', 'y', 'width', 'height'] as const) {
      assert.ok(Math.abs(g.box[k] - withAlpha.box[k]) <= 4, `${name} ${k}: ${g.box[k]} vs ${withAlpha.box[k]}`);
    }
    assert.ok(!g.warnings.some((w) => w.code === 'cluttered'), `${name}: ${JSON.stringify(g.warnings)}`);
    tiles.push(g.image);
  }
  await saveOverlay('garments-flat.png', tiles.reduce((a, b) => sideBySide(a, b)));
});

test('warnings: too small, cut off, cluttered background', async () => {
  const png = await renderSvg('t-shirt_01.svg', 600);
  // Small: the shirt at 120 px on a 600 px white page.
  const tiny = await sharp(await sharp(png).resize(160).toBuffer())
    .extend({ top: 240, bottom: 240, left: 240, right: 240, background: { r: 255, g: 255, b: 255, alpha: 0 } })
    .png()
    .toBuffer();
  assert.ok((await cleanGarmentFile(tiny)).warnings.some((w) => w.code === 'too-small'));
  // Cut off: crop through the shirt's left half.
  const meta = await sharp(png).metadata();
  const cut = await sharp(png).extract({ left: Math.round(meta.width! * 0.3), top: 0, width: Math.round(meta.width! * 0.7), height: meta.height! }).png().toBuffer();
  const cutG = await cleanGarmentFile(cut);
  assert.ok(cutG.warnings.some((w) => w.code === 'cut-off' && /left/.test(w.message)), JSON.stringify(cutG.warnings));
  // Cluttered: the shirt on a busy striped backdrop.
  const stripes = Buffer.alloc(700 * 700 * 3);
  for (let y = 0; y < 700; y++) for (let x = 0; x < 700; x++) stripes.set((x >> 4) % 2 ? [30, 160, 60] : [230, 220, 40], (y * 700 + x) * 3);
  const busy = await sharp(stripes, { raw: { width: 700, height: 700, channels: 3 } })
    .composite([{ input: await sharp(png).resize(400).toBuffer(), left: 150, top: 150 }])
    .jpeg()
    .toBuffer();
  const busyG = await cleanGarmentFile(busy).catch((e: Error) => e);
  assert.ok(busyG instanceof GarmentError || (!(busyG instanceof Error) && busyG.warnings.some((w) => w.code === 'cluttered')), String(busyG));
});

test('bad input: not an image, empty file, a blank page, a huge image → clear errors', async () => {
  await assert.rejects(cleanGarmentFile(Buffer.from('definitely not an image')), (e: Error) => e instanceof ImageLoadError && /garment image/.test(e.message));
  await assert.rejects(cleanGarmentFile(new Uint8Array(0)), /empty/);
  const blank = await sharp({ create: { width: 300, height: 400, channels: 3, background: '#ffffff' } }).png().toBuffer();
  await assert.rejects(cleanGarmentFile(blank), (e: Error) => e instanceof GarmentError && /no garment found/.test(e.message));
  const big = await sharp({ create: { width: 9000, height: 9000, channels: 3, background: '#ffffff' } }).png({ compressionLevel: 1 }).toBuffer();
  await assert.rejects(cleanGarmentFile(big, { maxPixels: 50e6 }), /megapixels/);
});

test('squareAround keeps the square inside the image where it fits, centred where it cannot', () => {
  assert.deepEqual(squareAround({ x: 0, y: 10, width: 40, height: 20 }, 100, 100), { x: 0, y: 0, width: 40, height: 40 });
  assert.deepEqual(squareAround({ x: 10, y: 0, width: 20, height: 100 }, 50, 100), { x: -30, y: 0, width: 100, height: 100 });
});
