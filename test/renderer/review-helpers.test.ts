// The Review screen's pure helpers: its keys, grouping by garment / model photo, the compare view's shared
// zoom and pan, and the record summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReviewItem } from '../../preload/contract.ts';
import { reviewAction } from '../../renderer/src/lib/review-keys.ts';
import { displayOrder, groupResults } from '../../renderer/src/lib/review-groups.ts';
import { FIT, MAX_ZOOM, panBy, sliderAt, viewTransform, zoomAt } from '../../renderer/src/lib/review-view.ts';
import { recordSummary } from '../../renderer/src/lib/review-record.ts';

function item(id: number, garmentId: number, modelPhotoId: number): ReviewItem {
  return {
    id, jobId: id, batchId: 1, garmentId, modelPhotoId, checkpointId: 1, category: 'upper_body', blobHash: 'h'.repeat(64), width: 4, height: 4,
    reviewStatus: 'pending', createdAt: 0, sku: `SKU-${garmentId}`, garmentName: `G${garmentId}`, modelPhotoName: `M${modelPhotoId}`, seed: id, steps: 2,
    defectTags: [], notes: null, reviewer: null, quality: null, picked: false, rerunOf: null,
  };
}

test('keys: A R D review, arrows move, Enter opens; not in fields or with modifiers', () => {
  assert.deepEqual(reviewAction({ key: 'a' }, false), { type: 'review', status: 'approved' });
  assert.deepEqual(reviewAction({ key: 'R' }, false), { type: 'review', status: 'rejected' });
  assert.deepEqual(reviewAction({ key: 'd' }, false), { type: 'review', status: 'redo' });
  assert.deepEqual(reviewAction({ key: 'ArrowRight' }, false), { type: 'move', delta: 1 });
  assert.deepEqual(reviewAction({ key: 'ArrowLeft' }, false), { type: 'move', delta: -1 });
  assert.deepEqual(reviewAction({ key: 'Enter' }, false), { type: 'open' });
  assert.deepEqual(reviewAction({ key: 'p' }, false), { type: 'pick' });
  assert.equal(reviewAction({ key: 'a' }, true), null, 'typing a note');
  assert.equal(reviewAction({ key: 'a', ctrlKey: true }, false), null, 'Ctrl+A is select-all');
  assert.equal(reviewAction({ key: 'r', metaKey: true }, false), null, 'Cmd+R is reload');
  assert.equal(reviewAction({ key: 'x' }, false), null);
});

test('grouping keeps list order inside groups and orders groups by first appearance', () => {
  const items = [item(10, 2, 1), item(9, 1, 1), item(8, 2, 2), item(7, 1, 2)];
  const byGarment = groupResults(items, 'garment');
  assert.deepEqual(byGarment.map((g) => [g.title, g.items.map((i) => i.id)]), [['SKU-2', [10, 8]], ['SKU-1', [9, 7]]]);
  assert.deepEqual(displayOrder(byGarment), [0, 2, 1, 3]);
  const byModel = groupResults(items, 'model');
  assert.deepEqual(byModel.map((g) => [g.title, g.items.map((i) => i.id)]), [['M1', [10, 9]], ['M2', [8, 7]]]);
  assert.deepEqual(groupResults([], 'none'), []);
  assert.deepEqual(displayOrder(groupResults(items, 'none')), [0, 1, 2, 3]);
});

test('zoom keeps the point under the cursor fixed; pan is clamped to the image', () => {
  // Zoom ×2 around the pane's centre: the image centre (0.5) stays at 0.5.
  const v = zoomAt(FIT, 2, 0.5, 0.5);
  assert.deepEqual(v, { zoom: 2, x: -0.5, y: -0.5 });
  assert.equal(v.x + v.zoom * 0.5, 0.5);
  // Around the top-left corner: nothing moves there.
  assert.deepEqual(zoomAt(FIT, 4, 0, 0), { zoom: 4, x: 0, y: 0 });
  // A point at (0.25, 0.75) stays put through two zooms.
  const w = zoomAt(zoomAt(FIT, 3, 0.25, 0.75), 1.5, 0.25, 0.75);
  const u = (0.25 - w.x) / w.zoom;
  assert.ok(Math.abs(u - 0.25) < 1e-12);
  // Limits: never below fit or above the maximum; zooming out to fit recentres.
  assert.equal(zoomAt(FIT, 0.5, 0.3, 0.3).zoom, 1);
  assert.equal(zoomAt({ zoom: 15, x: 0, y: 0 }, 4, 0, 0).zoom, MAX_ZOOM);
  assert.deepEqual(zoomAt(v, 0.1, 0.9, 0.9), FIT);
  // Pan: at zoom 2 the image can move between -1 and 0.
  assert.deepEqual(panBy(v, 10, -10), { zoom: 2, x: 0, y: -1 });
  assert.deepEqual(panBy(FIT, 0.3, 0.3), FIT, 'at fit there is nothing to pan');
  assert.equal(viewTransform({ zoom: 2, x: -0.5, y: -0.25 }), 'translate(-50.000%, -25.000%) scale(2.0000)');
  assert.equal(sliderAt(150, 100, 200), 0.25);
  assert.equal(sliderAt(50, 100, 200), 0);
  assert.equal(sliderAt(500, 100, 200), 1);
});

test('record summary lists what the record has and leaves out what it lacks', () => {
  const rows = Object.fromEntries(recordSummary({
    seed: 7, settings: { steps: 2, guidanceScale: 2.5 }, category: 'upper_body', settingsHash: 'a'.repeat(64),
    inputs: { checkpoint: { name: 'Leffa tiny', hash: 'b'.repeat(64) }, garment: { photoHash: 'c'.repeat(64) }, person: { hash: 'd'.repeat(64) }, mask: null },
    engine: { engineVersion: 'leffa-tfjs 0.1', backend: 'wasm', generator: { weights: { name: 'weights.safetensors', sha256: 'e'.repeat(64) } } },
  }));
  assert.equal(rows.Seed, '7');
  assert.equal(rows.Settings, 'steps 2, guidanceScale 2.5');
  assert.equal(rows.Checkpoint, `Leffa tiny ${'b'.repeat(12)}…`);
  assert.equal(rows['Person photo'], `${'d'.repeat(12)}…`);
  assert.equal(rows.Backend, 'wasm');
  assert.equal(rows.Weights, `weights.safetensors ${'e'.repeat(12)}…`);
  assert.equal(rows.Mask, undefined);
  assert.equal(rows.DensePose, undefined);
  assert.deepEqual(recordSummary({}), []);
});
