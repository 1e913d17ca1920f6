// Explain end to end in serve mode in Debian's Chromium, on the real engine worker and the tiny fixture
// model. The project is prepared through the same API the desktop app uses and a real 1-cell batch makes
// its result; then the page picks the result on a direct visit, explains it (the result is re-sampled on
// the engine with attention recording on, with progress), shows result | colour-wheel flow | warped garment,
// inspects clicked pixels (heat map over the garment, crosshair on the result), explains another layer and
// step, and re-opens a stored explanation instantly (no engine run: no progress event, 'Stored' at once).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { keepShot, launch, prepareResultsProject, serveProject, until, type Served } from './ui-harness.ts';

const STEPS = 4;
const UP = 'up_blocks.1.attentions.0.transformer_blocks.0.attn1';
const MID = 'mid_block.attentions.0.transformer_blocks.0.attn1';
let served: Served;
let browser: Browser;
let page: Page;
let problems: () => string[];
let work = '';
interface ProgressSeen { state: string; layer: string; step: number }
const progress: ProgressSeen[] = [];

const keep = (name: string) => keepShot(page, name);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'leffa-ui-explain-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'leffa-ui-explain-data-'));
  // A project with one garment, one model photo (mask + DensePose: a flat colour) and one result made by the real engine.
  const [projectDir, b] = await Promise.all([prepareResultsProject(dataDir, {
    name: 'Explain run', work, densepose: (w, h) => Buffer.alloc(w * h * 3).fill(Buffer.from([200, 180, 60])),
    garments: [{ sku: 'TS-001', name: 'Logo tee', asset: 't-shirt_02' }], seeds: [5], steps: STEPS, what: 'the result', timeoutMs: 60_000,
  }), launch()]);
  browser = b;
  ({ served, page, problems } = await serveProject(browser, projectDir, dataDir));
  // Every explain:progress event the page receives, to tell an engine run from a stored explanation.
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    if (typeof f.payload === 'string' && f.payload.includes('"explain:progress"')) progress.push(JSON.parse(f.payload).payload as ProgressSeen);
  }));
  await page.reload();
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const progressEvents = async () => progress;
const imagesLoaded = (testids: string[]) => page.evaluate((ids) => ids.every((id) => {
  const img = document.querySelector(`[data-testid="${id}"] img, img[data-testid="${id}"]`) as HTMLImageElement | null;
  return !!img && img.complete && img.naturalWidth > 0;
}), testids);

test('a direct visit picks a result; Explain re-samples it on the engine and shows result | flow | warped garment', { timeout: 90_000 }, async () => {
  await page.getByTestId('project-title').filter({ hasText: 'Explain run' }).waitFor();
  await page.getByTestId('nav-explain').click();
  await page.getByTestId('explain-empty').waitFor();
  await until('the result picker', async () => (await page.getByTestId('explain-result').locator('option').count()) === 2);
  await keep('30-explain-pick');

  const value = await page.getByTestId('explain-result').locator('option').nth(1).getAttribute('value');
  await page.getByTestId('explain-result').selectOption(value!);
  await page.getByTestId('explain-not-run').waitFor();
  // Layers with their token maps, the default (a mid-resolution decoder layer) and the last step selected.
  const layerOptions = await page.getByTestId('explain-layer').locator('option').allInnerTexts();
  assert.deepEqual(layerOptions.map((t) => t.replace(/\s+/g, ' ').trim()), [
    'down 0 · attention 0 · block 0 — 6×8 tokens', 'mid · attention 0 · block 0 — 3×4 tokens',
    'up 1 · attention 0 · block 0 — 6×8 tokens (default)', 'up 1 · attention 1 · block 0 — 6×8 tokens',
  ]);
  assert.equal(await page.getByTestId('explain-layer').inputValue(), UP);
  assert.equal(await page.getByTestId('explain-step').inputValue(), String(STEPS - 1));

  await page.getByTestId('explain-run').click();
  await page.getByTestId('explain-panels').waitFor({ timeout: 60_000 });
  await until('the three pictures', () => imagesLoaded(['explain-result-image', 'explain-flow-image', 'explain-warped-image']));
  const states = (await progressEvents()).map((e) => e.state);
  assert.equal(states[0], 'queued');
  assert.equal(states.at(-1), 'done');
  assert.ok(states.filter((s) => s === 'running').length >= 1, `progress while re-sampling: ${states.join(', ')}`);
  await page.getByTestId('explain-stored').waitFor();
  // The flow image is the layer's token map, shown on the result's canvas.
  const natural = await page.getByTestId('explain-flow-image').evaluate((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight]);
  assert.deepEqual(natural, [6, 8]);
  await keep('31-explain-flow');
});

test('click-to-inspect: a clicked result pixel shows its attention over the garment and a crosshair', { timeout: 60_000 }, async () => {
  await page.getByTestId('explain-inspect').click();
  await page.getByTestId('explain-heatmap').waitFor();
  const box = (await page.getByTestId('explain-result-image').boundingBox())!;
  // Pixel (30, 40) of the 48×64 canvas: token row 5, column 3.
  await page.getByTestId('explain-result-image').click({ position: { x: (30.5 / 48) * box.width, y: (40.5 / 64) * box.height } });
  await page.getByTestId('explain-heatmap-canvas').waitFor();
  await until('the caption', async () => /token row 5, column 3/.test(await page.getByTestId('explain-heatmap').innerText()));
  assert.match(await page.getByTestId('explain-heatmap').innerText(), /Attention of pixel \(30, 40\)/);
  // The heat map is drawn: its canvas has opaque-ish pixels, the brightest where the row peaks.
  const drawn = await page.getByTestId('explain-heatmap-canvas').evaluate((c) => {
    const cv = c as HTMLCanvasElement;
    const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
    let alpha = 0;
    for (let i = 3; i < d.length; i += 4) alpha = Math.max(alpha, d[i]!);
    return [cv.width, cv.height, alpha];
  });
  assert.deepEqual(drawn.slice(0, 2), [6, 8]);
  assert.ok(drawn[2]! >= 200, `peak alpha ${drawn[2]}`);
  assert.equal(await page.locator('[data-testid="explain-result-image"] .cross').count(), 2, 'crosshair on the clicked pixel');
  await keep('32-explain-inspect');

  // Another pixel, another token.
  await page.getByTestId('explain-result-image').click({ position: { x: (4 / 48) * box.width, y: (4 / 64) * box.height } });
  await until('the new token', async () => /token row 0, column 0/.test(await page.getByTestId('explain-heatmap').innerText()));
});

test('another layer and step run on the engine; the stored one re-opens instantly', { timeout: 90_000 }, async () => {
  await page.getByTestId('explain-layer').selectOption(MID);
  await page.getByTestId('explain-step').selectOption('0');
  await page.getByTestId('explain-not-run').waitFor();
  await page.getByTestId('explain-run').click();
  await page.getByTestId('explain-stored').waitFor({ timeout: 60_000 });
  await until('the mid-block pictures', () => imagesLoaded(['explain-result-image', 'explain-flow-image', 'explain-warped-image']));
  assert.deepEqual(await page.getByTestId('explain-flow-image').evaluate((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight]), [3, 4]);
  await page.getByTestId('explain-result-image').click({ position: { x: 20, y: 20 } });
  await until('the mid-block heat map', async () => /token row 0, column 0/.test(await page.getByTestId('explain-heatmap').innerText()));
  await keep('33-explain-mid-layer');

  // Back to the first explanation: stored, so it opens without an engine run (no new progress events).
  const before = (await progressEvents()).length;
  await page.getByTestId('explain-layer').selectOption(UP);
  await page.getByTestId('explain-step').selectOption(String(STEPS - 1));
  await page.getByTestId('explain-stored').waitFor();
  await until('the stored pictures', () => imagesLoaded(['explain-result-image', 'explain-flow-image', 'explain-warped-image']));
  assert.equal((await progressEvents()).length, before, 'a stored explanation needs no engine run');
  assert.match(await page.getByTestId('explain-step').locator('option:checked').innerText(), /✓/);
  await page.getByTestId('explain-inspect').click(); // off
  assert.equal(await page.getByTestId('explain-heatmap').count(), 0);
  await keep('34-explain-reopened');
  assert.deepEqual(problems(), []);
});
