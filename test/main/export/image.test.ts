// The export image pipeline: crop to aspect (cover) or fit and pad with the background (contain), resize,
// convert to sRGB and tag it, encode PNG / JPEG / WebP with the preset's quality.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { renderImage, type ImageSpec } from '../../../main/export/image.ts';
import { detectFormat } from '../../../models/provenance/format.ts';

const spec = (over: Partial<ImageSpec>): ImageSpec => ({ size: null, fit: 'cover', format: 'png', quality: 90, background: '#ffffff', ...over });

/** 200×100: left half red, right half blue. */
async function halves(): Promise<Buffer> {
  const w = 200, h = 100;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

async function pixel(bytes: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * 3;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

const near = (a: number[], b: number[], tol = 6) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

test('cover crops a 2:1 image to 3:4 at 120×160 from the centre', async () => {
  const out = await renderImage(await halves(), spec({ size: { width: 120, height: 160 }, fit: 'cover' }));
  assert.deepEqual([out.width, out.height], [120, 160]);
  const m = await sharp(out.bytes).metadata();
  assert.deepEqual([m.width, m.height, m.format], [120, 160, 'png']);
  // The centre crop keeps both halves: red on the left edge, blue on the right, no padding.
  assert.ok(near(await pixel(out.bytes, 2, 80), [255, 0, 0]));
  assert.ok(near(await pixel(out.bytes, 117, 80), [0, 0, 255]));
});

test('contain fits a 2:1 image into a square and pads with the background', async () => {
  const out = await renderImage(await halves(), spec({ size: { width: 100, height: 100 }, fit: 'contain', background: '#10e020' }));
  assert.deepEqual([out.width, out.height], [100, 100]);
  // 100×50 image in the middle, 25 px bands of background above and below.
  assert.ok(near(await pixel(out.bytes, 50, 5), [0x10, 0xe0, 0x20]), 'top band is the background');
  assert.ok(near(await pixel(out.bytes, 50, 95), [0x10, 0xe0, 0x20]), 'bottom band is the background');
  assert.ok(near(await pixel(out.bytes, 10, 50), [255, 0, 0]));
});

test('transparency is flattened onto the background', async () => {
  const rgba = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
  const out = await renderImage(rgba, spec({ background: '#336699' }));
  const m = await sharp(out.bytes).metadata();
  assert.equal(m.hasAlpha, false);
  assert.ok(near(await pixel(out.bytes, 4, 4), [0x33, 0x66, 0x99], 1));
});

test('PNG, JPEG and WebP with quality: the format on disk is what was asked, and quality changes the size', async () => {
  const noisy = await sharp(Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
  for (const format of ['png', 'jpeg', 'webp'] as const) {
    const out = await renderImage(noisy, spec({ format }));
    assert.equal(detectFormat(out.bytes), format);
    assert.equal((await sharp(out.bytes).metadata()).format, format);
  }
  for (const format of ['jpeg', 'webp'] as const) {
    const lo = await renderImage(noisy, spec({ format, quality: 20 }));
    const hi = await renderImage(noisy, spec({ format, quality: 95 }));
    assert.ok(lo.bytes.length < hi.bytes.length, `${format}: q20 ${lo.bytes.length} B < q95 ${hi.bytes.length} B`);
  }
});

test('a Display P3 image is converted to sRGB and tagged with the sRGB profile', async () => {
  // sharp converts the sRGB green into P3 numbers on the way in; the export must convert them back.
  const p3 = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 0, g: 200, b: 0 } } }).withIccProfile('p3').png().toBuffer();
  const p3Pixel = await sharp(p3, { ignoreIcc: true }).raw().toBuffer();
  assert.ok(!near([...p3Pixel.subarray(0, 3)], [0, 200, 0], 6), `the P3 file holds other numbers (${[...p3Pixel.subarray(0, 3)]})`);
  for (const format of ['png', 'jpeg', 'webp'] as const) {
    const out = await renderImage(p3, spec({ format, quality: 100 }));
    const m = await sharp(out.bytes).metadata();
    assert.equal(m.space, 'srgb');
    assert.ok(m.icc && m.icc.toString('latin1').includes('s\0R\0G\0B'), `${format}: the embedded profile is sRGB`);
    assert.ok(near(await pixel(out.bytes, 8, 8), [0, 200, 0], 8), `${format}: back to sRGB (0,200,0): ${await pixel(out.bytes, 8, 8)}`);
  }
});
