// The mask editor's pixel rules: brush rasterisation, eraser, invert/fill/clear, bucket fill and the
// RGBA conversions, on small masks whose every pixel the test can spell out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MaskBuffer, ON, OFF, clipRect, floodFill, invertMask, fillMask, clearMask, maskFromRgba, maskToRgba, paintSegment, readRect, unionRect, writeRect,
} from '../../renderer/src/lib/mask/mask-buffer.ts';

/** Rows of '#' (ON) and '.' (OFF). */
function draw(mask: MaskBuffer): string[] {
  const rows: string[] = [];
  for (let y = 0; y < mask.height; y++) {
    let row = '';
    for (let x = 0; x < mask.width; x++) row += mask.get(x, y) === ON ? '#' : '.';
    rows.push(row);
  }
  return rows;
}

function fromRows(rows: string[]): MaskBuffer {
  const mask = new MaskBuffer(rows[0].length, rows.length);
  rows.forEach((row, y) => [...row].forEach((c, x) => (mask.data[y * mask.width + x] = c === '#' ? ON : OFF)));
  return mask;
}

test('a dab of radius 1.5 at a pixel centre sets the pixels whose centres are within 1.5', () => {
  const mask = new MaskBuffer(7, 7);
  const dirty = paintSegment(mask, 3.5, 3.5, 3.5, 3.5, 1.5, ON);
  assert.deepEqual(draw(mask), [
    '.......',
    '.......',
    '..###..',
    '..###..',
    '..###..',
    '.......',
    '.......',
  ]);
  assert.deepEqual(dirty, { x: 2, y: 2, w: 3, h: 3 });
  assert.equal(mask.count(), 9);
});

test('a larger dab is a disc (distance from the centre, not a square)', () => {
  const mask = new MaskBuffer(9, 9);
  paintSegment(mask, 4.5, 4.5, 4.5, 4.5, 3, ON);
  // Pixels at integer offsets (dx, dy) from the centre with dx² + dy² ≤ 9.
  assert.deepEqual(draw(mask), [
    '.........',
    '....#....',
    '..#####..',
    '..#####..',
    '.#######.',
    '..#####..',
    '..#####..',
    '....#....',
    '.........',
  ]);
});

test('a fast stroke is a gap-free capsule between the two pointer positions', () => {
  const mask = new MaskBuffer(12, 5);
  paintSegment(mask, 1.5, 2.5, 10.5, 2.5, 1, ON);
  assert.deepEqual(draw(mask), [
    '............',
    '.##########.',
    '############',
    '.##########.',
    '............',
  ]);
  // A diagonal stroke touches every row and column between its ends: no holes.
  const diag = new MaskBuffer(10, 10);
  paintSegment(diag, 0.5, 0.5, 9.5, 9.5, 0.6, ON);
  for (let i = 0; i < 10; i++) assert.equal(diag.get(i, i), ON, `pixel ${i},${i}`);
});

test('the eraser paints OFF, and strokes are clipped at the edges', () => {
  const mask = fillMaskOf(6, 4);
  const dirty = paintSegment(mask, -2, 1.5, 2, 1.5, 1, OFF);
  assert.deepEqual(dirty, { x: 0, y: 0, w: 3, h: 3 });
  assert.equal(paintSegment(mask, -2, 1.5, 2, 1.5, 1, OFF), null, 'painting what is already there changes nothing');
  assert.deepEqual(draw(mask), ['..####', '...###', '..####', '######']);
  assert.equal(paintSegment(mask, -10, -10, -8, -8, 1, OFF), null, 'a stroke fully outside changes nothing');
});

function fillMaskOf(w: number, h: number): MaskBuffer {
  const m = new MaskBuffer(w, h);
  fillMask(m);
  return m;
}

test('invert, fill and clear touch the whole mask', () => {
  const mask = fromRows(['#..', '.#.']);
  assert.deepEqual(invertMask(mask), { x: 0, y: 0, w: 3, h: 2 });
  assert.deepEqual(draw(mask), ['.##', '#.#']);
  fillMask(mask);
  assert.equal(mask.count(), 6);
  clearMask(mask);
  assert.equal(mask.count(), 0);
});

test('bucket fill fills the 4-connected region under the point and stops at edges of the other value', () => {
  const mask = fromRows([
    '#######',
    '#.....#',
    '#.###.#',
    '#.#.#.#',
    '#.###.#',
    '#.....#',
    '#######',
  ]);
  const dirty = floodFill(mask, 1, 1, ON);
  assert.deepEqual(dirty, { x: 1, y: 1, w: 5, h: 5 });
  assert.deepEqual(draw(mask), ['#######', '#######', '#######', '###.###', '#######', '#######', '#######']);
  // The enclosed hole is its own region; filling a region with its own value is a no-op.
  assert.equal(floodFill(mask, 0, 0, ON), null);
  assert.deepEqual(floodFill(mask, 3.7, 3.2, ON), { x: 3, y: 3, w: 1, h: 1 });
  assert.equal(floodFill(mask, 20, 1, ON), null, 'outside the mask');
});

test('bucket fill handles a full-size mask without deep recursion', () => {
  const mask = new MaskBuffer(768, 1024);
  const dirty = floodFill(mask, 100, 100, ON);
  assert.deepEqual(dirty, { x: 0, y: 0, w: 768, h: 1024 });
  assert.equal(mask.count(), 768 * 1024);
});

test('rects: union, clip, and read/write round trip', () => {
  assert.deepEqual(unionRect({ x: 1, y: 1, w: 2, h: 2 }, { x: 4, y: 0, w: 1, h: 1 }), { x: 1, y: 0, w: 4, h: 3 });
  assert.deepEqual(unionRect(null, { x: 1, y: 1, w: 1, h: 1 }), { x: 1, y: 1, w: 1, h: 1 });
  const mask = fromRows(['#..#', '.##.', '#..#']);
  assert.deepEqual(clipRect(mask, { x: -1.5, y: 1.2, w: 3, h: 10 }), { x: 0, y: 1, w: 2, h: 2 });
  assert.equal(clipRect(mask, { x: 4, y: 0, w: 2, h: 2 }), null);
  const r = { x: 1, y: 0, w: 2, h: 3 };
  const bytes = readRect(mask, r);
  assert.deepEqual([...bytes], [OFF, OFF, ON, ON, OFF, OFF]);
  clearMask(mask);
  writeRect(mask, r, bytes);
  assert.deepEqual(draw(mask), ['....', '.##.', '....']);
});

test('RGBA conversions: a grey mask PNG decodes by luminance, and ON pixels render in the overlay colour', () => {
  const rgba = new Uint8ClampedArray([
    255, 255, 255, 255, /**/ 0, 0, 0, 255, /**/ 200, 200, 200, 255, /**/ 255, 255, 255, 0,
  ]);
  const mask = maskFromRgba(rgba, 2, 2);
  assert.deepEqual([...mask.data], [ON, OFF, ON, OFF], 'white on, black off, light grey on, transparent off');
  const out = maskToRgba(mask, { x: 0, y: 0, w: 2, h: 1 }, [255, 0, 128, 200]);
  assert.deepEqual([...out], [255, 0, 128, 200, 0, 0, 0, 0]);
  assert.throws(() => maskFromRgba(rgba, 3, 2), /expected 24 bytes/);
  assert.throws(() => new MaskBuffer(0, 2), /positive integer/);
});
