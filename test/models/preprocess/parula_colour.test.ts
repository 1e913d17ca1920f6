// Colour tables and colour science: the Parula colormap against OpenCV's own output, CIEDE2000 against
// the published test pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PARULA_LUT, partColour } from '../../../models/preprocess/parula.ts';
import { deltaE2000, srgbToLab } from '../../../models/preprocess/colour.ts';
import { DENSEPOSE_PART_NAMES, partIndex } from '../../../models/preprocess/densepose_parts.ts';

// cv2.applyColorMap(uint8(I·255/24), COLORMAP_PARULA), BGR→RGB, I = 1…24, from OpenCV 4.14 (python).
const OPENCV_PART_COLOURS = [
  [37, 60, 163], [20, 80, 194], [4, 97, 223], [8, 110, 221], [14, 122, 216], [20, 132, 212], [15, 144, 208], [11, 156, 203],
  [6, 166, 198], [22, 173, 185], [38, 179, 172], [55, 185, 159], [86, 187, 144], [114, 189, 130], [145, 191, 116], [170, 189, 105],
  [192, 188, 96], [216, 186, 86], [228, 192, 74], [240, 199, 60], [252, 206, 46], [251, 220, 36], [250, 235, 25], [249, 251, 14],
];

test('DensePose part colours equal OpenCV COLORMAP_PARULA of I·255/24 byte for byte', () => {
  for (let i = 1; i <= 24; i++) assert.deepEqual(partColour(i), OPENCV_PART_COLOURS[i - 1], `part ${i}`);
  assert.deepEqual(partColour(0), [0, 0, 0]);
  assert.deepEqual(Array.from(PARULA_LUT.subarray(0, 3)), [53, 42, 135]); // grey 0: the first key colour
  assert.deepEqual(Array.from(PARULA_LUT.subarray(765, 768)), [249, 251, 14]); // grey 255: the last
});

test('CIEDE2000 matches Sharma, Wu & Dalal (2005) test data', () => {
  const pairs: [number[], number[], number][] = [
    [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
    [[50, 0, 0], [50, -1, 2], 2.3669],
    [[50, 2.5, 0], [73, 25, -18], 27.1492],
    [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
    [[2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514], 0.9082],
  ];
  for (const [p, q, want] of pairs) {
    const got = deltaE2000(p as [number, number, number], q as [number, number, number]);
    assert.ok(Math.abs(got - want) < 1e-4, `ΔE00(${p}, ${q}) = ${got}, want ${want}`);
  }
});

test('sRGB → Lab: white, black and a mid grey', () => {
  const w = srgbToLab(255, 255, 255);
  assert.ok(Math.abs(w[0] - 100) < 1e-3 && Math.abs(w[1]) < 1e-2 && Math.abs(w[2]) < 1e-2);
  assert.deepEqual(srgbToLab(0, 0, 0).map((v) => Math.round(v * 1000) / 1000), [0, 0, 0]);
  assert.ok(Math.abs(srgbToLab(119, 119, 119)[0] - 50) < 0.5);
});

test('DensePose part indices: pairs, sides and views as in the DensePose-COCO naming', () => {
  assert.equal(DENSEPOSE_PART_NAMES.length, 25);
  assert.equal(partIndex('torso', 'left', 'front'), 2);
  assert.equal(partIndex('torso', 'left', 'back'), 1);
  assert.equal(partIndex('hand', 'right', 'front'), 3);
  assert.equal(partIndex('foot', 'left', 'front'), 5);
  assert.equal(partIndex('upper_leg', 'right', 'front'), 9);
  assert.equal(partIndex('lower_leg', 'left', 'back'), 12);
  assert.equal(partIndex('upper_arm', 'left', 'front'), 15);
  assert.equal(partIndex('lower_arm', 'right', 'front'), 22);
  assert.equal(partIndex('head', 'right', 'front'), 23);
  for (const seg of ['upper_leg', 'lower_leg', 'upper_arm', 'lower_arm'] as const) {
    for (const side of ['left', 'right'] as const) {
      for (const view of ['front', 'back'] as const) {
        const name = DENSEPOSE_PART_NAMES[partIndex(seg, side, view)];
        assert.ok(name.startsWith(side) && name.endsWith(view) && name.includes(seg), `${seg} ${side} ${view} → ${name}`);
      }
    }
  }
});
