// Agnostic masks and approximate DensePose maps from the real models on the real photos: the mask
// covers the torso and leaves the face for upper_body, the legs for lower_body, parameters act as
// documented; DensePose parts fall on the correct side and are labelled as approximated. Overlays go
// to test-results/preprocess/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readPngText, writePng } from '../../../models/image/index.ts';
import {
  agnosticMask,
  approximateDensepose,
  denseposePngText,
  detectLayout,
  fitDenseposeToCanvas,
  landmark,
  partColour,
  renderDensepose,
  type GarmentCategory,
  type PersonFound,
  type Point,
} from '../../../models/preprocess/index.ts';
import { DENSEPOSE_PART_NAMES } from '../../../models/preprocess/densepose_parts.ts';
import { expectNoLeak, useTestBackend } from '../../helpers/tf.ts';
import { dots, overlayDir, saveOverlay, sideBySide, tint } from './overlay.ts';
import { PHOTOS, analysis, disposePoseModels, photo, poseModels, valueAt } from './pose_fixture.ts';

before(async () => {
  await useTestBackend();
  await poseModels();
});
after(disposePoseModels);

const P = (a: PersonFound, n: Parameters<typeof landmark>[1]): Point => landmark(a.landmarks, n);
const lerp = (a: Point, b: Point, t: number): Point => ({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });
const mid = (a: Point, b: Point): Point => lerp(a, b, 0.5);
/** A point on the torso: t along shoulders' centre → hips' centre, clipped to the photo. */
const torsoPoint = (a: PersonFound, t: number): Point => {
  const p = lerp(mid(P(a, 'left_shoulder'), P(a, 'right_shoulder')), mid(P(a, 'left_hip'), P(a, 'right_hip')), t);
  return { x: p.x, y: Math.min(p.y, a.height - 2) };
};
const FACE = ['nose', 'left_eye', 'right_eye', 'mouth_left', 'mouth_right'] as const;

test('upper_body covers the torso and excludes the face on every photo', async () => {
  for (const name of PHOTOS) {
    const a = await analysis(name);
    const r = await expectNoLeak(() => agnosticMask(a, 'upper_body'));
    assert.deepEqual([r.mask.width, r.mask.height], [a.width, a.height], 'mask at the photo resolution');
    assert.ok(r.mask.data.every((v) => v === 0 || v === 255), 'binary');
    for (const t of [0.3, 0.5, 0.7]) {
      const p = torsoPoint(a, t);
      assert.equal(valueAt(r.mask, p.x, p.y), 255, `${name}: torso point at t=${t} (${p.x.toFixed(0)},${p.y.toFixed(0)})`);
    }
    for (const n of FACE) assert.equal(valueAt(r.mask, P(a, n).x, P(a, n).y), 0, `${name}: ${n} is kept`);
    assert.ok(r.coverage > 0.1 && r.coverage < 0.6, `${name}: coverage ${r.coverage}`);
  }
});

test('lower_body covers hips and legs and keeps the face and upper torso; dresses cover both', async () => {
  const a = await analysis('camera.png');
  const lower = await agnosticMask(a, 'lower_body');
  const dress = await agnosticMask(a, 'dresses');
  const upper = await agnosticMask(a, 'upper_body');
  for (const side of ['left', 'right'] as const) {
    const thigh = lerp(P(a, `${side}_hip`), P(a, `${side}_knee`), 0.5);
    assert.equal(valueAt(lower.mask, thigh.x, thigh.y), 255, `${side} thigh in lower_body`);
    assert.equal(valueAt(dress.mask, thigh.x, thigh.y), 255, `${side} thigh in dresses`);
    assert.equal(valueAt(upper.mask, thigh.x, thigh.y + 0.3 * (P(a, `${side}_knee`).y - P(a, `${side}_hip`).y)), 0, `${side} lower thigh not in upper_body`);
  }
  const chest = torsoPoint(a, 0.25);
  assert.equal(valueAt(lower.mask, chest.x, chest.y), 0, 'chest kept by lower_body');
  assert.equal(valueAt(dress.mask, chest.x, chest.y), 255, 'chest in dresses');
  for (const n of FACE) assert.equal(valueAt(lower.mask, P(a, n).x, P(a, n).y), 0);
  // A portrait has no legs: the lower-body mask is empty and says why.
  const grace = await agnosticMask(await analysis('grace_hopper.jpg'), 'lower_body');
  assert.equal(grace.coverage, 0);
  assert.match(grace.warnings.join(' '), /outside the photo/);
});

test('parameters: arm coverage, hand protection, person dilation and validation', async () => {
  const a = await analysis('camera.png');
  const full = await agnosticMask(a, 'upper_body');
  const none = await agnosticMask(a, 'upper_body', { armCoverage: 'none' });
  const upperArm = await agnosticMask(a, 'upper_body', { armCoverage: 'upper' });
  assert.ok(none.coverage < upperArm.coverage && upperArm.coverage <= full.coverage, `${none.coverage} < ${upperArm.coverage} ≤ ${full.coverage}`);
  // The cameraman's right hand (on the camera grip) is protected by default, masked when asked.
  const hand = mid(P(a, 'right_index'), P(a, 'right_pinky'));
  assert.equal(valueAt(full.mask, hand.x, hand.y), 0, 'hand protected');
  const unprotected = await agnosticMask(a, 'upper_body', { protectHands: false });
  assert.ok(unprotected.coverage > full.coverage);
  const tight = await agnosticMask(a, 'upper_body', { personDilation: 0, targetDilation: { kernel: 3, iterations: 1 } });
  assert.ok(tight.coverage < full.coverage);
  const neckKept = await agnosticMask(a, 'upper_body', { neck: 'protect' });
  assert.ok(neckKept.coverage <= full.coverage);
  await assert.rejects(agnosticMask(a, 'shoes' as GarmentCategory), /category must be one of upper_body, lower_body, dresses/);
  await assert.rejects(agnosticMask(a, 'upper_body', { armWidth: -1 }), /armWidth/);
  await assert.rejects(agnosticMask(a, 'upper_body', { targetDilation: { kernel: 0, iterations: 1 } }), /targetDilation/);
  await assert.rejects(agnosticMask({ found: false } as never, 'upper_body'), /PersonFound/);
});

test('overlays: masks for every photo and category', async () => {
  for (const name of PHOTOS) {
    const a = await analysis(name);
    const img = await photo(name);
    const tiles = [];
    for (const c of ['upper_body', 'lower_body', 'dresses'] as const) {
      const r = await agnosticMask(a, c);
      tiles.push(dots(tint(img, r.mask, [255, 0, 0], 0.5), a.landmarks, [255, 255, 0], 2));
    }
    await saveOverlay(`mask-${name.replace(/\..*$/, '')}.png`, tiles.reduce((x, y) => sideBySide(x, y)));
  }
});

test('approximate DensePose: parts on the correct side, front view, labelled as approximated', async () => {
  for (const name of ['astronaut.png', 'grace_hopper.jpg'] as const) {
    const a = await analysis(name);
    const dp = await expectNoLeak(() => approximateDensepose(a));
    assert.equal(dp.source, 'approximated');
    assert.match(dp.provenance, /approximated.*not a DensePose model output/);
    const sx = dp.width / a.width;
    const sy = dp.height / a.height;
    const partAt = (p: Point): string => DENSEPOSE_PART_NAMES[dp.parts[Math.floor(p.y * sy) * dp.width + Math.floor(p.x * sx)]];
    assert.equal(partAt(torsoPoint(a, 0.4)), 'torso_front', `${name}: chest`);
    assert.equal(partAt(P(a, 'left_eye')), 'left_head', `${name}: left eye on the head's left half`);
    assert.equal(partAt(P(a, 'right_eye')), 'right_head', `${name}: right eye on the head's right half`);
    for (const side of ['left', 'right'] as const) {
      const upperArm = lerp(P(a, `${side}_shoulder`), P(a, `${side}_elbow`), 0.5);
      if (upperArm.y < a.height && valueAt(a.personMask, upperArm.x * (a.personMask.width / a.width), upperArm.y * (a.personMask.height / a.height)) >= 128) {
        assert.equal(partAt(upperArm), `${side}_upper_arm_front`, `${name}: ${side} upper arm`);
      }
    }
    // Every labelled part's side matches the side of the image it is on, for a person facing us:
    // the person's left parts lie right of the body's midline.
    const midX = mid(P(a, 'left_shoulder'), P(a, 'right_shoulder')).x * sx;
    let wrong = 0;
    let sided = 0;
    for (let y = 0; y < dp.height; y++) {
      for (let x = 0; x < dp.width; x++) {
        const n = DENSEPOSE_PART_NAMES[dp.parts[y * dp.width + x]];
        if (!/upper_arm/.test(n)) continue;
        sided++;
        if (n.startsWith('left') !== x > midX) wrong++;
      }
    }
    assert.ok(wrong < 0.05 * sided, `${name}: ${wrong} of ${sided} upper-arm pixels on the wrong side`);
  }
});

test('approximate DensePose renders in the three layouts, is recognised on import, and carries its label in the PNG', async () => {
  const a = await analysis('astronaut.png');
  const img = await photo('astronaut.png');
  const { map } = fitDenseposeToCanvas(await approximateDensepose(a));
  assert.deepEqual([map.width, map.height], [768, 1024]);
  const tiles = [];
  for (const layout of ['vitonhd', 'dresscode', 'pose'] as const) {
    const r = renderDensepose(map, layout);
    assert.equal(detectLayout(r), layout);
    tiles.push(r);
  }
  // The torso (front) in the VITON-HD layout has part 2's Parula colour.
  const c = tiles[0].data;
  const chest = torsoPoint(a, 0.4);
  const ci = (Math.floor(chest.y * (768 / 512)) + 128) * 768 + Math.floor(chest.x * (768 / 512));
  assert.deepEqual(Array.from(c.subarray(3 * ci, 3 * ci + 3)), partColour(2));
  const path = join(overlayDir, 'densepose-astronaut-vitonhd.png');
  await saveOverlay('densepose-astronaut-vitonhd.png', tiles[0]);
  await writePng(path, tiles[0].data, 768, 1024, { text: denseposePngText(map, 'vitonhd') });
  assert.match((await readPngText(path))['leffa:densepose'], /^approximated; layout=vitonhd;/);
  // Overlay: the photo's canvas next to the three layouts (DressCode brightened ×10 to be visible).
  const dc = tiles[1];
  for (let i = 0; i < dc.data.length; i++) dc.data[i] = Math.min(255, dc.data[i] * 10);
  const small = await approximateDensepose(a);
  const parts = renderDensepose(small, 'vitonhd');
  const blend = { data: img.data.map((v, i) => (parts.data[i] ? Math.round(0.4 * v + 0.6 * parts.data[i]) : v)), width: 512, height: 512 };
  await saveOverlay('densepose-astronaut-blend.png', blend);
  await saveOverlay('densepose-astronaut-layouts.png', tiles.reduce((x, y) => sideBySide(x, y)));
  for (const name of ['camera.png', 'grace_hopper.jpg'] as const) {
    const m = await approximateDensepose(await analysis(name));
    const im = await photo(name);
    const pr = renderDensepose(m, 'vitonhd');
    await saveOverlay(`densepose-${name.replace(/\..*$/, '')}-blend.png`, {
      data: im.data.map((v, i) => (pr.data[i] ? Math.round(0.4 * v + 0.6 * pr.data[i]) : v)),
      width: im.width,
      height: im.height,
    });
  }
});
