// The mask PNG encoder: sharp (the store's image reader) must decode it to the same pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { MaskBuffer, paintSegment, ON } from '../../renderer/src/lib/mask/mask-buffer.ts';
import { crc32, encodeMaskPng } from '../../renderer/src/lib/mask/png.ts';
import { bytesToBase64 } from '../../renderer/src/lib/mask/base64.ts';

test('crc32 matches the PNG specification check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('a mask encodes to an 8-bit grey PNG that decodes to the same pixels', async () => {
  const mask = new MaskBuffer(37, 23);
  paintSegment(mask, 3, 3, 30, 18, 4, ON);
  const png = await encodeMaskPng(mask);
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height, meta.channels, meta.depth], ['png', 37, 23, 1, 'uchar']);
  const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([...data], [...mask.data]);
});

test('base64 of large buffers (beyond the argument limit of fromCharCode)', () => {
  const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
  assert.equal(bytesToBase64(bytes), Buffer.from(bytes).toString('base64'));
});
