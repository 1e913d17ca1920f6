import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageLoadError, loadImage } from '../../../models/image/load_image.ts';
import { assetsDir } from '../../helpers/fixtures.ts';
import { headerOnlyPng, rgb16Png, tempDir } from './helpers.ts';

const tmp = tempDir();
after(() => tmp.cleanup());

const px = (img: { data: Uint8Array; width: number }, x: number, y: number) => {
  const i = (y * img.width + x) * 3;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
};

test('real photos from the assets folder load as upright 8-bit RGB', async () => {
  const astro = await loadImage(join(assetsDir, 'people/astronaut.png'), { what: 'person image' });
  assert.deepEqual([astro.width, astro.height, astro.data.length], [512, 512, 512 * 512 * 3]);
  assert.equal(astro.format, 'png');

  const grace = await loadImage(join(assetsDir, 'people/grace_hopper.jpg'), { what: 'person image' });
  assert.deepEqual([grace.width, grace.height, grace.originalWidth, grace.originalHeight], [512, 600, 512, 600]);
  assert.equal(grace.format, 'jpeg');

  // camera.png is greyscale: comes out as RGB with R = G = B.
  const cam = await loadImage(join(assetsDir, 'people/camera.png'), { what: 'person image' });
  assert.deepEqual([cam.width, cam.height, cam.data.length], [512, 512, 512 * 512 * 3]);
  for (let i = 0; i < cam.data.length; i += 3 * 997) {
    assert.equal(cam.data[i], cam.data[i + 1]);
    assert.equal(cam.data[i], cam.data[i + 2]);
  }
});

test('loads from a Buffer as well as from a path', async () => {
  const bytes = readFileSync(join(assetsDir, 'people/grace_hopper.jpg'));
  const a = await loadImage(bytes, { what: 'person image' });
  const b = await loadImage(join(assetsDir, 'people/grace_hopper.jpg'), { what: 'person image' });
  assert.deepEqual(a.data, b.data);
});

test('EXIF orientation 6 is applied (rotated 90° clockwise, width and height swapped)', async () => {
  // 40×20: left half red, right half blue. Orientation 6 = display rotated 90° clockwise, so the
  // upright image is 20×40 with red on top and blue below.
  const raw = new Uint8Array(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
  const jpeg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  const path = join(tmp.dir, 'rotated.jpg');
  writeFileSync(path, jpeg);
  const img = await loadImage(path, { what: 'person image' });
  assert.deepEqual([img.width, img.height, img.orientation], [20, 40, 6]);
  const top = px(img, 10, 5);
  const bottom = px(img, 10, 35);
  assert.ok(top[0] > 200 && top[2] < 60, `top should be red, got ${top}`);
  assert.ok(bottom[2] > 200 && bottom[0] < 60, `bottom should be blue, got ${bottom}`);
});

test('RGBA: alpha is dropped without compositing by default, composited on white on request', async () => {
  // Pixel 0 fully transparent with stored colour (10, 20, 30); pixel 1 half transparent.
  const png = await sharp(Uint8Array.from([10, 20, 30, 0, 40, 50, 60, 128]), { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer();
  const dropped = await loadImage(png, { what: 'garment image' });
  assert.equal(dropped.hadAlpha, true);
  assert.deepEqual([...dropped.data], [10, 20, 30, 40, 50, 60]);
  const white = await loadImage(png, { what: 'garment image', alpha: 'white' });
  assert.deepEqual([...white.data.subarray(0, 3)], [255, 255, 255]);
  // 40·a + 255·(1 − a) with a = 128/255 ≈ 147 (±1 for the compositor's rounding).
  assert.ok(Math.abs(white.data[3] - 147) <= 1, `composited red ${white.data[3]}`);
});

test('greyscale and 16-bit inputs become 8-bit RGB', async () => {
  const grey = await sharp(Uint8Array.from([0, 128, 255, 7]), { raw: { width: 2, height: 2, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  assert.equal((await sharp(grey).metadata()).channels, 1);
  const g = await loadImage(grey, { what: 'mask' });
  assert.deepEqual([...g.data], [0, 0, 0, 128, 128, 128, 255, 255, 255, 7, 7, 7]);

  const samples = Uint16Array.from([0, 0x1234, 0xffff, 0xabcd, 0x8000, 0x00ff]);
  const png16 = rgb16Png(2, 1, samples);
  assert.equal((await sharp(png16).metadata()).depth, 'ushort');
  const c = await loadImage(png16, { what: 'person image' });
  const expected = [...samples].map((v) => v >> 8);
  [...c.data].forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1, `sample ${i}: ${v} vs ${expected[i]}`));
});

test('a 30 000 × 30 000 image is refused from its header, before decoding', async () => {
  const path = join(tmp.dir, 'huge.png');
  writeFileSync(path, headerOnlyPng(30000, 30000));
  const t0 = performance.now();
  await assert.rejects(loadImage(path, { what: 'person image' }), (e: Error) => {
    assert.ok(e instanceof ImageLoadError);
    assert.match(e.message, /^person image \(.*huge\.png\): image is 30000×30000 = 900\.0 megapixels, over the limit of 50\.0 megapixels/);
    return true;
  });
  assert.ok(performance.now() - t0 < 2000, 'refusal should not decode anything');
  // A custom, smaller limit applies to ordinary photos too.
  await assert.rejects(loadImage(join(assetsDir, 'people/astronaut.png'), { what: 'person image', maxPixels: 100_000 }), /over the limit of 0\.1 megapixels/);
});

test('clear errors: missing file, empty file, corrupt file, truncated file', async () => {
  const missing = join(tmp.dir, 'nope.jpg');
  await assert.rejects(loadImage(missing, { what: 'garment image' }), (e: Error) => {
    assert.ok(e instanceof ImageLoadError);
    assert.ok(e.message.startsWith(`garment image (${missing}): file not found`), e.message);
    assert.match(e.message, /expected a PNG, JPEG/);
    return true;
  });

  const empty = join(tmp.dir, 'empty.png');
  writeFileSync(empty, '');
  await assert.rejects(loadImage(empty, { what: 'person image' }), /person image \(.*empty\.png\): file is empty \(0 bytes\)/);

  const corrupt = join(tmp.dir, 'corrupt.jpg');
  writeFileSync(corrupt, Buffer.from('this is not an image, just some text pretending to be a JPEG'));
  await assert.rejects(loadImage(corrupt, { what: 'person image' }), /person image \(.*corrupt\.jpg\): cannot read the image header: the file is corrupt.*expected a PNG, JPEG/);

  const whole = readFileSync(join(assetsDir, 'people/astronaut.png'));
  const truncated = join(tmp.dir, 'truncated.png');
  writeFileSync(truncated, whole.subarray(0, whole.length >> 1));
  await assert.rejects(loadImage(truncated, { what: 'person image' }), /person image \(.*truncated\.png\): cannot decode the image/);

  await assert.rejects(loadImage(new Uint8Array(0), { what: 'person image' }), /person image \(<buffer>\): buffer is empty/);
});

test('zero-size images are refused with a clear error', async () => {
  const path = join(tmp.dir, 'zero.png');
  writeFileSync(path, headerOnlyPng(0, 10));
  await assert.rejects(loadImage(path, { what: 'person image' }), (e: Error) => {
    assert.ok(e instanceof ImageLoadError);
    assert.match(e.message, /person image \(.*zero\.png\): /);
    assert.match(e.message, /zero-size/);
    return true;
  });
});

test('options are validated', async () => {
  await assert.rejects(loadImage('x.png', { what: '' }), /options\.what must name the argument/);
  await assert.rejects(loadImage('x.png', { what: 'person image', alpha: 'blend' as 'white' }), /alpha must be 'drop' or 'white'/);
});
