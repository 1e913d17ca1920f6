// Zoom and pan maths of the mask editor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KEEP_VISIBLE, MAX_SCALE, MIN_SCALE, clampPan, fitView, imageToScreen, panBy, screenToImage, wheelZoomFactor, zoomAt, zoomTo,
} from '../../renderer/src/lib/mask/viewport.ts';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≈ ${b}`);

test('screen and image coordinates are inverse maps', () => {
  const view = { scale: 2.5, x: 40, y: -12 };
  const s = imageToScreen(view, 100, 200);
  assert.deepEqual(s, { x: 290, y: 488 });
  const i = screenToImage(view, s.x, s.y);
  close(i.x, 100);
  close(i.y, 200);
});

test('fit centres the whole image with padding', () => {
  // 768×1024 portrait in a 1000×600 viewport: height-bound.
  const view = fitView({ width: 768, height: 1024 }, { width: 1000, height: 600 }, 20);
  close(view.scale, 560 / 1024);
  close(view.y, 20);
  close(view.x, (1000 - 768 * view.scale) / 2);
});

test('zooming keeps the image point under the cursor fixed', () => {
  const view = { scale: 1, x: 10, y: 20 };
  const cursor = { x: 300, y: 250 };
  const under = screenToImage(view, cursor.x, cursor.y);
  for (const factor of [2, 0.5, 1.2, 7]) {
    const zoomed = zoomAt(view, factor, cursor.x, cursor.y);
    close(zoomed.scale, factor);
    const still = screenToImage(zoomed, cursor.x, cursor.y);
    close(still.x, under.x);
    close(still.y, under.y);
  }
});

test('zoom is clamped, and the fixed point holds at the clamp too', () => {
  const view = { scale: 16, x: 0, y: 0 };
  const zoomed = zoomAt(view, 100, 50, 50);
  assert.equal(zoomed.scale, MAX_SCALE);
  const p = screenToImage(zoomed, 50, 50);
  close(p.x, 50 / 16);
  assert.equal(zoomAt({ scale: 0.1, x: 0, y: 0 }, 0.01, 0, 0).scale, MIN_SCALE);
});

test('zoomTo sets an absolute scale about the viewport centre', () => {
  const viewport = { width: 800, height: 600 };
  const view = zoomTo({ scale: 0.5, x: 100, y: 50 }, 1, viewport);
  assert.equal(view.scale, 1);
  const before = screenToImage({ scale: 0.5, x: 100, y: 50 }, 400, 300);
  const after = screenToImage(view, 400, 300);
  close(after.x, before.x);
  close(after.y, before.y);
});

test('panning moves the image but always leaves some of it on screen', () => {
  const image = { width: 400, height: 300 };
  const viewport = { width: 800, height: 600 };
  const view = { scale: 1, x: 100, y: 100 };
  assert.deepEqual(panBy(view, 25, -40, image, viewport), { scale: 1, x: 125, y: 60 });
  const far = panBy(view, 5000, 5000, image, viewport);
  assert.equal(far.x, viewport.width - KEEP_VISIBLE);
  assert.equal(far.y, viewport.height - KEEP_VISIBLE);
  const farLeft = panBy(view, -5000, -5000, image, viewport);
  assert.equal(farLeft.x, KEEP_VISIBLE - 400);
  assert.equal(farLeft.y, KEEP_VISIBLE - 300);
  // A tiny image (smaller than KEEP_VISIBLE on screen) stays wholly visible.
  const tiny = clampPan({ scale: 0.05, x: -100, y: 900 }, image, viewport);
  assert.equal(tiny.x, 0);
  assert.equal(tiny.y, 600 - 15);
});

test('wheel: one notch down zooms out by 1.2, up zooms in, and opposite deltas cancel', () => {
  close(wheelZoomFactor(100), 1 / 1.2);
  close(wheelZoomFactor(-100), 1.2);
  close(wheelZoomFactor(37) * wheelZoomFactor(-37), 1);
});
