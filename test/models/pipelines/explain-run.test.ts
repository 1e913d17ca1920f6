// Explain: the colour-wheel coding against hand-computed colours, and a real re-run of a try-on on the tiny
// model with explain on: the canvas result is the try-on's own, the warped garment is gridSample(garment,
// upsampled flow), the captured Q/K give attention rows whose coordinate average is the recorded flow, and
// no tensor is left behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import sharp from 'sharp';
import { tf, useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { openLeffa, type OpenedLeffa } from '../../../models/leffa/open.ts';
import { colourWheelLegend, flowColour, flowToColourImage, hsvToRgb8 } from '../../../models/image/flow_colour.ts';
import { imageToTensor, tensorToImageUint8, batchItem } from '../../../models/image/index.ts';
import { gridSample } from '../../../models/ops/grid-sample.ts';
import { attentionMap, flowCoords } from '../../../models/losses/attention-flow.ts';
import { attentionRow } from '../../../models/pipelines/explain-attention.ts';
import { defaultExplainLayer, explainLayers, explainRun, layerLevel } from '../../../models/pipelines/explain-run.ts';
import { tryOn } from '../../../models/pipelines/tryon.ts';

let m: OpenedLeffa;
const tiny = join(fixturesDir, 'leffa-tiny');
const DOWN = 'down_blocks.0.attentions.0.transformer_blocks.0.attn1';
const UP = 'up_blocks.1.attentions.0.transformer_blocks.0.attn1';

before(async () => {
  await useTestBackend();
  m = openLeffa(join(tiny, 'weights.safetensors'), { base: join(tiny, 'base', 'tiny-stable-diffusion-inpainting') });
});
after(() => m.dispose());

/** A deterministic noise PNG (channels 1 or 3). */
async function noisePng(width: number, height: number, channels: 1 | 3, seed: number): Promise<Uint8Array> {
  const data = Buffer.alloc(width * height * channels);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; data[i] = s >>> 24; }
  return new Uint8Array(await sharp(data, { raw: { width, height, channels } }).png().toBuffer());
}

test('colour wheel: hue = direction (y down), saturation = length, white at rest (hand-computed)', () => {
  assert.deepEqual(flowColour(0, 0), [255, 255, 255]);
  assert.deepEqual(flowColour(0.5, 0), [255, 128, 128]); //   right, half length: hue 0, s 0.5 → (1, .5, .5)
  assert.deepEqual(flowColour(0, 1), [128, 255, 0]); //       down: hue 1/4 → sector 1, f .5 → (q, v, p) = (.5, 1, 0)
  assert.deepEqual(flowColour(-2, 0), [0, 255, 255]); //      left, past the rim: hue 1/2, s 1 → cyan
  assert.deepEqual(flowColour(0, -0.25, 0.5), [191, 128, 255]); // up, s .5: hue 3/4 → (t, p, v) = (.75, .5, 1)
  assert.deepEqual(hsvToRgb8(1 / 3, 1, 1), [0, 255, 0]);
  assert.deepEqual(flowColour(Number.NaN, 0), [0, 0, 0]);
  // A flow that points every token at itself is white; one token looking one column right is red-ish.
  const [h, w] = [3, 4];
  const flow = flowCoords(h, w);
  assert.ok(flowToColourImage(flow, h, w).data.every((v) => v === 255));
  flow[2 * (1 * w + 1)] = flow[2 * (1 * w + 2)]!; // token (1, 1) looks at (1, 2): dx = 2/3
  const img = flowToColourImage(flow, h, w);
  assert.deepEqual([...img.data.slice(3 * (1 * w + 1), 3 * (1 * w + 1) + 3)], flowColour(2 / 3, 0));
  assert.deepEqual([img.width, img.height], [w, h]);
  // Legend: white outside the disc, the centre nearly white, the right rim red.
  const legend = colourWheelLegend(16);
  assert.deepEqual([...legend.data.slice(0, 3)], [255, 255, 255]);
  const at = (x: number, y: number) => [...legend.data.slice(3 * (y * 16 + x), 3 * (y * 16 + x) + 3)];
  assert.deepEqual(at(15, 8), flowColour((15.5 - 8) / 8, (8.5 - 8) / 8));
  assert.ok(at(8, 8).every((v) => v > 230));
});

test('layers: names, token maps and the default mid-resolution layer', () => {
  assert.equal(layerLevel('down_blocks.2.attentions.0.transformer_blocks.0.attn1', 4), 2);
  assert.equal(layerLevel('up_blocks.1.attentions.2.transformer_blocks.0.attn1', 4), 2);
  assert.equal(layerLevel('mid_block.attentions.0.transformer_blocks.0.attn1', 4), 3);
  const layers = explainLayers(m.model, 48, 64);
  assert.deepEqual(layers, [
    { name: DOWN, h: 8, w: 6 }, { name: 'mid_block.attentions.0.transformer_blocks.0.attn1', h: 4, w: 3 },
    { name: UP, h: 8, w: 6 }, { name: 'up_blocks.1.attentions.1.transformer_blocks.0.attn1', h: 8, w: 6 },
  ]);
  assert.equal(defaultExplainLayer(layers), UP);
  const sd15 = [0, 1, 2].flatMap((l) => [`down_blocks.${l}.a`, `up_blocks.${3 - l}.a`]).map((name, i) => ({ name, h: 128 >> (i >> 1), w: 96 >> (i >> 1) }));
  sd15.push({ name: 'mid_block.a', h: 16, w: 12 });
  assert.equal(defaultExplainLayer(sd15), 'up_blocks.2.a'); // 64×48 of 128×96, 64×48, 32×24, 16×12
});

test('explain re-run: same result as the try-on, warped = gridSample(garment, flow↑), rows of Q/K give the flow, no leaks', async () => {
  const inputs = {
    person: await noisePng(48, 64, 3, 1), garment: await noisePng(40, 56, 3, 2),
    mask: await noisePng(48, 64, 1, 3), densepose: await noisePng(48, 64, 3, 4),
  };
  const settings = { steps: 3, seed: 7, category: 'upper_body' as const };
  const start = tf.memory().numTensors;
  const plain = await tryOn(m, { ...inputs, settings });
  const r = await explainRun(m, { task: 'tryon', inputs, settings: plain.settings, layer: UP });
  assert.equal(tf.memory().numTensors, start, 'tensor leak: numTensors changed');

  assert.deepEqual([r.layer, r.step, r.steps, r.h, r.w], [UP, 2, 3, 8, 6]);
  assert.deepEqual(r.result.data, plain.canvas.data, 'recording attention must not change the image');
  assert.equal(r.flow.length, 8 * 6 * 2);
  assert.deepEqual(r.flowImage.data, flowToColourImage(r.flow, 8, 6).data);

  // warped = gridSample(garment, clamp(bilinear-upsampled flow)), computed here with TF.js's own resize.
  await expectNoLeak(() => {
    const sampled = tf.tidy(() => {
      const g = imageToTensor(r.garment);
      const up = tf.image.resizeBilinear(tf.tensor4d(r.flow, [1, 8, 6, 2]), [64, 48], false, true).clipByValue(-1, 1) as tf.Tensor4D;
      return gridSample(g, up);
    });
    const expected = batchItem(tensorToImageUint8(sampled), 0);
    sampled.dispose();
    let maxDiff = 0;
    for (let i = 0; i < expected.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected.data[i]! - r.warped.data[i]!));
    assert.ok(maxDiff <= 1, `warped garment differs from gridSample(garment, flow) by ${maxDiff} levels`);
    assert.deepEqual([r.warped.width, r.warped.height], [48, 64]);
  });

  // attentionRow = row of the head-mean attention map; Σ_j row_j·coords_j = the recorded flow.
  const N = 48;
  const inner = r.heads * r.headDim;
  assert.equal(r.query.length, N * inner);
  const coords = flowCoords(8, 6);
  await expectNoLeak(() => {
    const toHeads = (a: Float32Array) => tf.tensor3d(a, [N, r.heads, r.headDim]).transpose([1, 0, 2]).expandDims(0) as tf.Tensor4D;
    const map = tf.tidy(() => attentionMap(toHeads(r.query), toHeads(r.key), { temperature: 2 }).dataSync());
    for (const token of [0, 17, 47]) {
      const row = attentionRow(r.query, r.key, N, r.heads, token);
      let sum = 0, fx = 0, fy = 0;
      for (let j = 0; j < N; j++) {
        assert.ok(Math.abs(row[j]! - map[token * N + j]!) < 1e-5, `row ${token}, column ${j}`);
        sum += row[j]!; fx += row[j]! * coords[2 * j]!; fy += row[j]! * coords[2 * j + 1]!;
      }
      assert.ok(Math.abs(sum - 1) < 1e-5);
      assert.ok(Math.abs(fx - r.flow[2 * token]!) < 1e-4 && Math.abs(fy - r.flow[2 * token + 1]!) < 1e-4, `flow of token ${token}`);
    }
  });

  // Another step and the other layer: a different flow; a bad layer or step names what is allowed.
  const first = await explainRun(m, { task: 'tryon', inputs, settings: plain.settings, layer: DOWN, step: 0 });
  assert.equal(first.step, 0);
  assert.notDeepEqual(first.flow, r.flow);
  await assert.rejects(explainRun(m, { task: 'tryon', inputs, settings: plain.settings, layer: 'nope' }), /layer = "nope"; expected one of/);
  await assert.rejects(explainRun(m, { task: 'tryon', inputs, settings: plain.settings, layer: UP, step: 3 }), /step = 3; expected an integer in \[0, 2\]/);
  assert.equal(tf.memory().numTensors, start, 'tensor leak after errors');
});
