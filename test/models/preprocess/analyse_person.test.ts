// Person analysis with the real MoveNet + BlazePose models on the real photos in shared/assets/people:
// keypoints in plausible places, a person mask that covers the body and not the background, a clear
// "no person found" for images without people, sideways photos, huge photos, no tensor leaks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageLoadError, loadImage, type RgbImage } from '../../../models/image/index.ts';
import {
  PoseModelFileError,
  analysePerson,
  landmark,
  loadPoseModels,
  resizeMask,
  type Landmark,
  type PersonFound,
} from '../../../models/preprocess/index.ts';
import { assetsDir } from '../../helpers/fixtures.ts';
import { expectNoLeak, useTestBackend } from '../../helpers/tf.ts';
import { dots, saveOverlay, tint } from './overlay.ts';
import { PHOTOS, analysis, disposePoseModels, photo, poseModels, valueAt } from './pose_fixture.ts';

before(async () => {
  await useTestBackend();
  await poseModels();
});
after(disposePoseModels);

const L = (a: PersonFound, n: Parameters<typeof landmark>[1]): Landmark => landmark(a.landmarks, n);

test('keypoints are plausible on every photo: shoulders below the face and above the hips, left/right consistent', async () => {
  for (const name of PHOTOS) {
    const a = await analysis(name);
    const img = await photo(name);
    assert.equal(a.landmarks.length, 33);
    assert.equal(a.coco.length, 17);
    assert.deepEqual([a.width, a.height], [img.width, img.height]);
    assert.ok(a.poseScore >= 0.5, `${name}: pose score ${a.poseScore}`);
    assert.equal(a.facing, 'front', `${name}: all three people face the camera`);
    assert.equal(a.rotation, 0);
    const ls = L(a, 'left_shoulder');
    const rs = L(a, 'right_shoulder');
    const shoulderY = Math.max(ls.y, rs.y);
    assert.ok(L(a, 'nose').y < Math.min(ls.y, rs.y), `${name}: nose above the shoulders`);
    assert.ok(L(a, 'left_hip').y > shoulderY && L(a, 'right_hip').y > shoulderY, `${name}: hips below the shoulders`);
    // Facing the camera, the person's left side is on the image's right.
    assert.ok(ls.x > rs.x, `${name}: left shoulder right of the right shoulder (${ls.x} vs ${rs.x})`);
    assert.ok(L(a, 'left_eye').x > L(a, 'right_eye').x, `${name}: eyes`);
    // MoveNet agrees on the shoulders within 0.35 torso lengths (the astronaut's bulky suit and the
    // cameraman's turned shoulders hide the joints: the two models disagree most there).
    const torso = Math.max(ls.x - rs.x, (L(a, 'left_hip').y + L(a, 'right_hip').y - ls.y - rs.y) / 2);
    for (const n of ['left_shoulder', 'right_shoulder'] as const) {
      const m = landmark(a.coco, n);
      const b = L(a, n);
      assert.ok(Math.hypot(m.x - b.x, m.y - b.y) < 0.35 * torso, `${name}: ${n} MoveNet (${m.x},${m.y}) vs BlazePose (${b.x},${b.y})`);
    }
    // Face points lie inside the photo, with high presence.
    for (const n of ['nose', 'left_eye', 'right_eye', 'mouth_left', 'mouth_right'] as const) {
      const p = L(a, n);
      assert.ok(p.x > 0 && p.x < a.width && p.y > 0 && p.y < a.height && p.presence > 0.9, `${name}: ${n}`);
    }
  }
  // Portraits: the hips of Grace Hopper are below the frame, and the model knows it.
  const grace = await analysis('grace_hopper.jpg');
  assert.ok(L(grace, 'left_hip').presence < 0.5 && L(grace, 'left_hip').y > grace.height);
});

test('the person mask covers the body and not the background', async () => {
  const checks: Record<string, { body: [number, number][]; background: [number, number][] }> = {
    'astronaut.png': { body: [[230, 330], [150, 400]], background: [[5, 5], [480, 40], [420, 150]] },
    'camera.png': { body: [[120, 250], [100, 420]], background: [[400, 40], [480, 300], [20, 20]] },
    'grace_hopper.jpg': { body: [[256, 250], [150, 500], [400, 500]], background: [[20, 20], [480, 100], [480, 300]] },
  };
  for (const name of PHOTOS) {
    const a = await analysis(name);
    const m = await resizeMask(a.personMask, a.width, a.height);
    for (const [x, y] of checks[name].body) assert.ok(valueAt(m, x, y) >= 128, `${name}: (${x},${y}) is person`);
    for (const [x, y] of checks[name].background) assert.ok(valueAt(m, x, y) < 128, `${name}: (${x},${y}) is background`);
    // Nose and shoulders are on the person.
    for (const n of ['nose', 'left_shoulder', 'right_shoulder'] as const) assert.ok(valueAt(m, L(a, n).x, L(a, n).y) >= 128, `${name}: ${n}`);
    const img = await photo(name);
    const o = tint(img, m, [0, 220, 0], 0.4);
    dots(o, a.landmarks.filter((p) => p.name.startsWith('left')), [255, 0, 0], 3);
    dots(o, a.landmarks.filter((p) => p.name.startsWith('right')), [0, 80, 255], 3);
    dots(o, a.landmarks.filter((p) => !/^(left|right)/.test(p.name)), [255, 255, 0], 3);
    await saveOverlay(`analysis-${name.replace(/\..*$/, '')}.png`, o);
  }
});

test('no person: blank, noise and a garment give found: false with a reason, not an exception', async () => {
  const models = await poseModels();
  const blank: RgbImage = { data: new Uint8Array(300 * 400 * 3).fill(255), width: 300, height: 400 };
  let s = 7;
  const noiseData = new Uint8Array(256 * 256 * 3);
  for (let i = 0; i < noiseData.length; i++) noiseData[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  const shirt = await sharp(join(assetsDir, 'garments', 't-shirt_02.svg'), { density: 150 })
    .flatten({ background: '#ffffff' })
    .resize(512, 512, { fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const tiny: RgbImage = { data: new Uint8Array(3).fill(128), width: 1, height: 1 };
  for (const [what, img] of [
    ['blank', blank],
    ['noise', { data: noiseData, width: 256, height: 256 }],
    ['t-shirt', { data: new Uint8Array(shirt.data), width: shirt.info.width, height: shirt.info.height }],
    ['1×1', tiny],
  ] as const) {
    const a = await expectNoLeak(() => analysePerson(models, img));
    assert.equal(a.found, false, `${what}: expected no person`);
    if (!a.found) assert.match(a.reason, /no person found/);
  }
});

test('malformed input is a clear error: bad pixels, non-image files, missing model files', async () => {
  const models = await poseModels();
  await assert.rejects(loadImage(Buffer.from('not an image at all'), { what: 'person image' }), (e: Error) => e instanceof ImageLoadError && /person image/.test(e.message));
  await assert.rejects(loadPoseModels({ modelDir: join(assetsDir, 'no-such-folder') }), (e: Error) => e instanceof PoseModelFileError && /fetch-pose-models/.test(e.message));
  await assert.rejects(analysePerson(models, { data: new Uint8Array(10), width: 4, height: 4 }), /analysePerson: photo.*bytes/);
  await assert.rejects(analysePerson(models, null as never), /analysePerson: photo/);
});

test('sideways and upside-down photos (no EXIF) are turned upright for the models and mapped back', async () => {
  const img = await photo('astronaut.png');
  const upright = await analysis('astronaut.png');
  // Turning a 512×512 image clockwise: 90° maps (x, y) → (512 − y, x), 180° → (512 − x, 512 − y),
  // 270° → (y, 512 − x). The analysis must undo it: rotation = the clockwise turns back to upright.
  const cases = [
    { deg: 90, turns: 3, map: (x: number, y: number) => [512 - y, x] },
    { deg: 180, turns: 2, map: (x: number, y: number) => [512 - x, 512 - y] },
    { deg: 270, turns: 1, map: (x: number, y: number) => [y, 512 - x] },
  ];
  for (const c of cases) {
    const rot = await sharp(img.data, { raw: { width: 512, height: 512, channels: 3 } }).rotate(c.deg).raw().toBuffer();
    const a = await analysePerson(await poseModels(), { data: new Uint8Array(rot), width: 512, height: 512 });
    assert.ok(a.found, `${c.deg}°: person found`);
    if (!a.found) continue;
    assert.equal(a.rotation, c.turns, `${c.deg}°`);
    for (const n of ['nose', 'left_shoulder', 'right_shoulder'] as const) {
      const [ex, ey] = c.map(L(upright, n).x, L(upright, n).y);
      const r = L(a, n);
      assert.ok(Math.hypot(r.x - ex, r.y - ey) < 15, `${c.deg}° ${n}: (${r.x.toFixed(0)},${r.y.toFixed(0)}) vs (${ex.toFixed(0)},${ey.toFixed(0)})`);
    }
    const m = await resizeMask(a.personMask, 512, 512);
    const [bx, by] = c.map(230, 330);
    assert.ok(valueAt(m, bx, by) >= 128, `${c.deg}°: the mask is turned back too`);
  }
});

test('a huge photo (4096×4096) is analysed on a downscaled copy; coordinates come back in its pixels', async () => {
  const img = await photo('grace_hopper.jpg');
  const big = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize(3496, 4096).raw().toBuffer();
  const models = await poseModels();
  const t = performance.now();
  const a = await expectNoLeak(() => analysePerson(models, { data: new Uint8Array(big), width: 3496, height: 4096 }));
  const ms = performance.now() - t;
  assert.ok(a.found);
  if (!a.found) return;
  const small = await analysis('grace_hopper.jpg');
  const k = 4096 / 600;
  assert.ok(Math.abs(L(a, 'nose').x - L(small, 'nose').x * k) < 40 && Math.abs(L(a, 'nose').y - L(small, 'nose').y * k) < 40);
  assert.ok(a.personMask.width <= 768 && a.personMask.height <= 768);
  assert.ok(ms < 5000, `${ms} ms`);
});

test('analysis leaves no tensors behind', async () => {
  const models = await poseModels();
  const img = await photo('camera.png');
  await expectNoLeak(() => analysePerson(models, img));
});
