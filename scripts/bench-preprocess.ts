// Times each preprocessing step per photo: person analysis (MoveNet + BlazePose), agnostic masks per
// category, approximate DensePose (+ canvas fit and Parula rendering), garment clean-up, quality checks.
// Usage: node --import tsx scripts/bench-preprocess.ts [--runs 5] [--backend auto|wasm|cpu|tensorflow]
// Prints the median and best of N runs after one warm-up, in milliseconds. Needs the pose models
// (node scripts/fetch-pose-models.mjs).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { initBackend, shutdownBackend } from '../models/backend/index.ts';
import { fitToCanvas, loadImage } from '../models/image/index.ts';
import {
  agnosticMask,
  analysePerson,
  approximateDensepose,
  cleanGarmentFile,
  fitDenseposeToCanvas,
  garmentColourCheck,
  loadPoseModels,
  oldGarmentLeakCheck,
  outsideChangeCheck,
  renderDensepose,
  type PersonFound,
} from '../models/preprocess/index.ts';
import { assetsDir } from '../test/helpers/fixtures.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const runs = Number(arg('runs', '5'));

async function time(fn: () => Promise<unknown>): Promise<{ median: number; best: number }> {
  await fn(); // warm-up (kernel compilation, JIT)
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[ts.length >> 1], best: ts[0] };
}

const rows: [string, string, { median: number; best: number }][] = [];
const info = await initBackend({ backend: arg('backend', 'auto') as never, log: () => undefined });
console.log(`backend: ${info.name}${info.threads ? ` (${info.threads} thread${info.threads > 1 ? 's' : ''})` : ''}; ${runs} runs after 1 warm-up`);
const t = performance.now();
const models = await loadPoseModels();
console.log(`load models: ${(performance.now() - t).toFixed(0)} ms`);

for (const name of ['astronaut.png', 'camera.png', 'grace_hopper.jpg']) {
  const path = join(assetsDir, 'people', name);
  const img = await loadImage(path, { what: 'person image' });
  rows.push([name, 'load image', await time(() => loadImage(path, { what: 'person image' }))]);
  rows.push([name, 'analysePerson', await time(() => analysePerson(models, img))]);
  const a = (await analysePerson(models, img)) as PersonFound;
  for (const c of ['upper_body', 'lower_body', 'dresses'] as const) rows.push([name, `agnosticMask ${c}`, await time(() => agnosticMask(a, c))]);
  rows.push([name, 'approximateDensepose', await time(() => approximateDensepose(a))]);
  const dp = await approximateDensepose(a);
  rows.push([name, 'fit + render vitonhd', await time(async () => renderDensepose(fitDenseposeToCanvas(dp).map, 'vitonhd'))]);
  const canvas = (await fitToCanvas(img)).image;
  const mask = (await fitToCanvas({ ...img, data: new Uint8Array(img.data.length) })).image; // any canvas-sized grey source
  const grey = { data: mask.data.filter((_, i) => i % 3 === 0), width: 768, height: 1024 };
  rows.push([
    name,
    'quality checks (3)',
    await time(async () => {
      garmentColourCheck({ garment: canvas, garmentMask: grey.data.some((v) => v) ? grey : { ...grey, data: grey.data.map(() => 255) }, result: canvas, resultRegion: { ...grey, data: grey.data.map(() => 255) } });
      outsideChangeCheck({ original: canvas, result: canvas, mask: grey });
      oldGarmentLeakCheck({ original: canvas, result: canvas, oldRegion: grey, newRegion: grey });
    }),
  ]);
}
for (const name of readdirSync(join(assetsDir, 'garments')).filter((f) => f.endsWith('.svg')).sort()) {
  const png = await sharp(join(assetsDir, 'garments', name), { density: 150 }).resize(1024, 1024, { fit: 'inside' }).png().toBuffer();
  rows.push([name, 'cleanGarmentFile (PNG, alpha)', await time(() => cleanGarmentFile(png))]);
  const flat = await sharp(png).flatten({ background: '#eeeeee' }).jpeg().toBuffer();
  rows.push([name, 'cleanGarmentFile (JPEG, backdrop)', await time(() => cleanGarmentFile(flat))]);
}
models.dispose();
await shutdownBackend();

const w = Math.max(...rows.map((r) => r[0].length));
const v = Math.max(...rows.map((r) => r[1].length));
console.log(`${'input'.padEnd(w)}  ${'step'.padEnd(v)}  median ms   best ms`);
for (const [input, step, r] of rows) console.log(`${input.padEnd(w)}  ${step.padEnd(v)}  ${r.median.toFixed(1).padStart(9)}  ${r.best.toFixed(1).padStart(8)}`);
