// Binary morphology and raster helpers: OpenCV semantics for the reference recipe (anchor, iterations,
// border handling), hole fill, largest component, shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countOn, emptyMask, type BinaryMask } from '../../../models/preprocess/binary_mask.ts';
import { dilate, dilateDisc, erode, kernelReach } from '../../../models/preprocess/morphology.ts';
import { fillHoles, largestComponent } from '../../../models/preprocess/regions.ts';
import { convexHull, drawDisc, drawPolygon, drawPolyline } from '../../../models/preprocess/raster.ts';

const on = (m: BinaryMask, x: number, y: number): number => m.data[y * m.width + x];
const box = (m: BinaryMask): [number, number, number, number] => {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) if (on(m, x, y)) {
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  return [x0, y0, x1, y1];
};

test('kernelReach follows OpenCV: anchor floor(k/2), iterations scale the reach (10×10 × 5 → −25…+20)', () => {
  assert.deepEqual(kernelReach(10, 5), { before: 25, after: 20 });
  assert.deepEqual(kernelReach(5, 1), { before: 2, after: 2 });
  assert.throws(() => kernelReach(0), /positive integer/);
});

test('dilate grows a single pixel by the reflected kernel: 10×10 reaches 4 up/left and 5 down/right', () => {
  // cv2.dilate: dst(x) = max src(x − a … x + k−1−a) ⇒ a lone pixel p lights x ∈ [p − (k−1−a), p + a].
  const m = emptyMask(40, 40);
  m.data[20 * 40 + 20] = 1;
  assert.deepEqual(box(dilate(m, 10)), [16, 16, 25, 25]);
  assert.deepEqual(box(dilate(m, 10, 2)), [12, 12, 30, 30]);
  assert.equal(countOn(dilate(m, 3)), 9);
});

test('erode keeps pixels whose whole window is on, counting outside the image as on', () => {
  const m = emptyMask(10, 10);
  m.data.fill(1);
  m.data[5 * 10 + 5] = 0;
  const e = erode(m, 5);
  assert.equal(on(e, 0, 0), 1, 'the frame edge does not erode (border value = on)');
  assert.equal(on(e, 3, 3), 0);
  assert.equal(on(e, 7, 7), 0);
  assert.equal(on(e, 8, 8), 1);
  assert.equal(countOn(e), 100 - 25);
});

test('dilateDisc grows evenly in all directions', () => {
  const m = emptyMask(41, 41);
  m.data[20 * 41 + 20] = 1;
  const d = dilateDisc(m, 10);
  assert.deepEqual(box(d), [10, 10, 30, 30]);
  assert.equal(on(d, 27, 27), 1); // distance 9.9
  assert.equal(on(d, 28, 28), 0); // distance 11.3
});

test('fillHoles fills enclosed background only; largestComponent keeps the biggest piece', () => {
  const m = emptyMask(20, 20);
  drawPolygon(m, [{ x: 2, y: 2 }, { x: 12, y: 2 }, { x: 12, y: 12 }, { x: 2, y: 12 }]);
  for (let y = 5; y < 8; y++) for (let x = 5; x < 8; x++) m.data[y * 20 + x] = 0; // a hole
  m.data[18 * 20 + 18] = 1; // a speck
  const filled = fillHoles(m);
  assert.equal(on(filled, 6, 6), 1);
  assert.equal(on(filled, 15, 15), 0);
  const big = largestComponent(filled);
  assert.equal(on(big, 18, 18), 0);
  assert.equal(countOn(big), 100);
  assert.equal(countOn(largestComponent(emptyMask(3, 3))), 0);
});

test('raster shapes: polyline width, disc radius, convex hull', () => {
  const m = emptyMask(100, 40);
  drawPolyline(m, [{ x: 10, y: 20 }, { x: 90, y: 20 }], 10);
  assert.deepEqual(box(m), [5, 15, 94, 24]);
  const d = emptyMask(21, 21);
  drawDisc(d, { x: 10.5, y: 10.5 }, 5);
  assert.deepEqual(box(d), [5, 5, 15, 15]);
  const hull = convexHull([{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 2, y: 1 }, { x: 4, y: 4 }, { x: 0, y: 4 }]);
  assert.equal(hull.length, 4);
});
