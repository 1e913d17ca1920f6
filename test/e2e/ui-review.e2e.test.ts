// Review, compare and re-run end to end in serve mode in Debian's Chromium, on the real engine worker and
// the tiny fixture model. The project is prepared through the same API the desktop app uses and its
// batch (2 garments × 1 model photo × 2 seeds) runs on a real engine worker; then the page names its
// reviewer (serve mode asks once; the cards, loupe and history show it), reviews with the keyboard (← →,
// A, R, D, Enter, Escape), tags and notes, compares side by side and with the slider (synchronised zoom,
// mask and DensePose overlays), picks the best of the cell, re-runs exactly (the new version has the
// same image bytes as the original) and varies the seed, and opens Explain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { keepShot, launch, prepareResultsProject, serveProject, shot, until, type Served } from './ui-harness.ts';

let served: Served;
let browser: Browser;
let page: Page;
let problems: () => string[];
let work = '';

const keep = (name: string) => keepShot(page, name);

/** Raw RGB, yellow at the top to teal at the bottom. */
function gradient(width: number, height: number): Buffer {
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const y = Math.floor(i / width) / height;
    rgb.set([Math.round(250 - 200 * y), Math.round(220 - 40 * y), Math.round(30 + 150 * y)], i * 3);
  }
  return rgb;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'leffa-ui-review-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'leffa-ui-review-data-'));
  // A project with two garments, one model photo (mask + DensePose: a parula-ish gradient) and four results made by the real engine.
  const [projectDir, b] = await Promise.all([prepareResultsProject(dataDir, {
    name: 'Review run', work, densepose: gradient,
    garments: [{ sku: 'TS-001', name: 'Plain tee', asset: 't-shirt_01' }, { sku: 'TS-002', name: 'Striped tee', asset: 't-shirt_02' }],
    seeds: [1, 2], steps: 3, what: 'four results', timeoutMs: 90_000,
  }), launch()]);
  browser = b;
  ({ served, page, problems } = await serveProject(browser, projectDir, dataDir));
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const card = (i: number) => page.getByTestId('review-card').nth(i);
const statusOf = async (i: number) => card(i).getAttribute('data-status');

test('the grid groups results by garment with QA badges; the keyboard reviews them', { timeout: 60_000 }, async () => {
  await page.getByTestId('project-title').filter({ hasText: 'Review run' }).waitFor();
  await page.getByTestId('nav-review').click();
  await until('four result cards', async () => (await page.getByTestId('review-card').count()) === 4);
  assert.equal(await page.getByTestId('review-group').count(), 2, 'one group per SKU');
  assert.match(await page.getByTestId('review-group').first().innerText(), /TS-00\d/);
  assert.equal(await page.getByTestId('qa-badges').count(), 4, 'every result has its quality checks');
  assert.equal(await page.locator('[data-testid="qa-badge"]').count(), 12);
  await until('thumbnails', () => page.evaluate(() => [...document.querySelectorAll('[data-testid="review-card"] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)));

  // Serve mode asks who reviews in this browser (once: remembered); reviews record that name.
  await page.getByTestId('reviewer-form').waitFor();
  await page.getByTestId('reviewer-input').fill('   ');
  await page.getByTestId('reviewer-save').click();
  await page.getByTestId('reviewer-error').filter({ hasText: 'Enter a name' }).waitFor();
  await shot(page, '20-review-reviewer-asked');
  await page.getByTestId('reviewer-input').fill('  Mia Lee ');
  await page.getByTestId('reviewer-save').click();
  assert.equal(await page.getByTestId('reviewer-name').innerText(), 'Mia Lee');
  assert.equal(await page.evaluate(() => localStorage.getItem('leffa-studio.reviewer')), 'Mia Lee');

  // The first card is focused; → moves focus in the grid's order; A, R, D review the focused card.
  assert.equal(await card(0).getAttribute('aria-current'), 'true');
  await page.keyboard.press('a');
  await until('approved', async () => (await statusOf(0)) === 'approved');
  assert.equal(await card(0).getByTestId('card-reviewer').innerText(), 'Mia Lee', 'the card shows who reviewed it');
  await page.keyboard.press('ArrowRight');
  assert.equal(await card(1).getAttribute('aria-current'), 'true');
  await page.keyboard.press('r');
  await until('rejected', async () => (await statusOf(1)) === 'rejected');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('d');
  await until('redo', async () => (await statusOf(2)) === 'redo');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await card(1).getAttribute('aria-current'), 'true');
  await keep('20-review-grid');

  // Filter by status, then back.
  await page.getByTestId('filter-status').selectOption('approved');
  await until('one approved card', async () => (await page.getByTestId('review-card').count()) === 1);
  await page.getByTestId('filter-status').selectOption('');
  await until('all cards', async () => (await page.getByTestId('review-card').count()) === 4);
  await page.getByTestId('group-by').selectOption('model');
  await until('one group per model photo', async () => (await page.getByTestId('review-group').count()) === 1);
  await page.getByTestId('group-by').selectOption('garment');
  await card(1).click(); // out of the select: keys go to the grid again
  assert.equal(await card(1).getAttribute('aria-current'), 'true');
});

test('the loupe: Enter opens it, tags and notes go with the review, ← → move, Escape closes', { timeout: 60_000 }, async () => {
  await page.keyboard.press('Enter');
  await page.getByTestId('loupe').waitFor();
  const first = await page.getByTestId('loupe').getAttribute('data-id');
  await page.getByTestId('tag-sleeve-leak').check();
  await page.getByTestId('tag-colour-off').check();
  await page.getByTestId('review-notes').fill('left sleeve shows the old shirt');
  await page.getByTestId('loupe-image').click(); // out of the text field: keys review again
  await page.keyboard.press('d');
  await page.getByTestId('loupe-status').filter({ hasText: 'Redo' }).waitFor();
  await page.getByTestId('review-history').filter({ hasText: 'sleeve-leak, colour-off' }).waitFor();
  await page.getByTestId('review-history').filter({ hasText: 'left sleeve shows the old shirt” · Mia Lee' }).waitFor();
  assert.equal(await page.getByTestId('loupe-reviewer').innerText(), 'by Mia Lee');
  await page.getByTestId('versions').waitFor();
  assert.equal(await page.getByTestId('version').count(), 2, 'two seeds in this cell');
  await until('the loupe image', () => page.evaluate(() => ((document.querySelector('[data-testid="loupe-image"]') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0));
  await keep('21-review-loupe');
  await page.keyboard.press('ArrowRight');
  await until('the next result', async () => (await page.getByTestId('loupe').getAttribute('data-id')) !== first);
  await page.keyboard.press('ArrowLeft');
  await until('back to the first', async () => (await page.getByTestId('loupe').getAttribute('data-id')) === first);
  // The grid's tag filter finds it.
  await page.keyboard.press('Escape');
  await page.getByTestId('review-grid').waitFor();
  await page.getByTestId('filter-tag').selectOption('sleeve-leak');
  await until('one tagged card', async () => (await page.getByTestId('review-card').count()) === 1);
  await page.getByTestId('filter-tag').selectOption('');
  await until('all cards', async () => (await page.getByTestId('review-card').count()) === 4);
  await card(1).click();
});

test('compare: side by side with synchronised zoom and overlays, then the slider', { timeout: 60_000 }, async () => {
  await page.keyboard.press('Enter');
  await page.getByTestId('loupe').waitFor();
  await page.keyboard.press('c');
  await page.getByTestId('compare').waitFor();
  const result = page.getByTestId('compare-result');
  const other = page.getByTestId('compare-other');
  const box = (await result.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.45);
  await page.mouse.wheel(0, -200);
  await page.mouse.wheel(0, -200);
  await until('zoomed', async () => Number(await result.getAttribute('data-zoom')) > 1.2);
  assert.equal(await other.getAttribute('data-zoom'), await result.getAttribute('data-zoom'), 'both panes share the zoom');
  const t1 = await page.evaluate(() => [...document.querySelectorAll('[data-testid^="compare-"] .frame')].map((f) => (f as HTMLElement).style.transform));
  assert.equal(t1.length, 2);
  assert.equal(t1[0], t1[1], 'and the pan');
  // Drag on the other pane pans both.
  const ob = (await other.boundingBox())!;
  await page.mouse.move(ob.x + ob.width / 2, ob.y + ob.height / 2);
  await page.mouse.down();
  await page.mouse.move(ob.x + ob.width / 2 + 40, ob.y + ob.height / 2 + 30, { steps: 4 });
  await page.mouse.up();
  const t2 = await page.evaluate(() => [...document.querySelectorAll('[data-testid^="compare-"] .frame')].map((f) => (f as HTMLElement).style.transform));
  assert.notEqual(t2[0], t1[0], 'the drag moved the view');
  assert.equal(t2[0], t2[1]);
  await page.getByTestId('overlay-mask-toggle').check();
  await page.getByTestId('overlay-densepose-toggle').check();
  assert.equal(await page.getByTestId('overlay-mask').count(), 2);
  assert.equal(await page.getByTestId('overlay-densepose').count(), 2);
  await until('compare images', () => page.evaluate(() => [...document.querySelectorAll('[data-testid="compare"] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)));
  await keep('22-compare-side-by-side');

  // Garment: its own frame, so no overlays on that pane.
  await page.getByTestId('compare-with').selectOption('garment');
  assert.equal(await other.getByTestId('overlay-mask').count(), 0);
  await page.getByTestId('overlay-densepose-toggle').uncheck();
  await page.getByTestId('compare-fit').click();
  await page.getByTestId('compare-slider').click();
  await page.getByTestId('slider-stage').waitFor();
  await page.getByTestId('compare-split').fill('0.35');
  await until('the split', async () => (await page.getByTestId('compare-result').getAttribute('data-split')) === '0.35');
  assert.match((await page.getByTestId('compare-result').getAttribute('style')) ?? '', /inset\(0(px)? 65%/);
  await until('slider images', () => page.evaluate(() => [...document.querySelectorAll('[data-testid="compare"] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)));
  await keep('23-compare-slider');
  await page.getByTestId('compare-side').click();
  await page.getByTestId('compare-with').selectOption('person');
  await page.getByTestId('overlay-mask-toggle').uncheck();
  await page.keyboard.press('c');
  await page.getByTestId('loupe-image').waitFor();
});

test('re-run exactly makes a new version with the same bytes; vary seed another; pick; Explain', { timeout: 120_000 }, async () => {
  const source = await page.getByTestId('loupe').getAttribute('data-id');
  const hashOf = async (id: string | null) => page.evaluate(async (rid) => {
    const src = (document.querySelector(`[data-testid="version"][data-id="${rid}"] img`) as HTMLImageElement | null)?.getAttribute('src');
    return src ?? null;
  }, id);
  await page.getByTestId('rerun-exact').click();
  await page.getByTestId('rerun-results').waitFor({ timeout: 90_000 });
  await until('three versions', async () => (await page.getByTestId('version').count()) === 3, 30_000);
  const rerunId = (await page.getByTestId('rerun-results').innerText()).match(/result (\d+)/)![1]!;
  const original = await hashOf(source);
  assert.ok(original, 'the original version has its image');
  assert.equal(await hashOf(rerunId), original, 'the exact re-run is the same image (same content hash)');
  // The store is content-addressed, so the same hash is the same bytes; made here by another worker process
  // than the original (prepared before serve started). Fetch both to be sure they are served.
  const sizes = await page.evaluate(async (srcs) => Promise.all(srcs.map(async (s) => (await (await fetch(s)).arrayBuffer()).byteLength)), [original!, (await hashOf(rerunId))!]);
  assert.ok(sizes[0]! > 0 && sizes[0] === sizes[1]);

  await page.getByTestId('rerun-seed').fill('12345');
  await page.getByTestId('rerun-vary').click();
  await until('four versions', async () => (await page.getByTestId('version').count()) === 4, 90_000);
  const versions = await page.getByTestId('version').allInnerTexts();
  assert.ok(versions.some((v) => /seed 12345/.test(v)), versions.join(' | '));
  const seedVersion = await page.getByTestId('version').filter({ hasText: 'seed 12345' }).getAttribute('data-id');
  assert.notEqual(await hashOf(seedVersion), original, 'another seed, another image');

  // Pick the best of the cell.
  await page.keyboard.press('p');
  await page.getByTestId('loupe-pick').filter({ hasText: 'Unpick' }).waitFor();
  assert.equal(await page.locator('[data-testid="version-pick"][aria-pressed="true"]').count(), 1);
  await until('loupe thumbnails', () => page.evaluate(() => [...document.querySelectorAll('[data-testid="loupe"] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)));
  await keep('24-review-rerun-versions');

  await page.getByTestId('loupe-explain').click();
  await until('the Explain screen', async () => page.url().endsWith('#/explain'));
  await page.getByTestId('nav-review').click();
  await page.getByTestId('review-grid').or(page.getByTestId('loupe')).first().waitFor();
  assert.deepEqual(problems(), []);
});
