// The garment grid at catalogue scale: 100,000 garments (rows written straight into the project's
// database, sharing the photos of five real ones). The grid must render only the rows in view,
// fill in rows as the scrollbar is dragged far down, and never block the main thread for more than
// 100 ms while scrolling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { idleEngine } from '../main/api-helpers.ts';
import { launch, makePhotos, prepareProject, serveProject, shot, until, type Served, type TestPhotos } from './ui-harness.ts';

const EXTRA = 100_000;
let served: Served;
let browser: Browser;
let photos: TestPhotos;
let page: Page;
let problems: () => string[];

/** A project with five imported garments, then 100,000 more rows pointing at their photos. */
async function prepareCatalogue(dataDir: string, garmentFiles: string[]): Promise<string> {
  const hashes: string[] = [];
  const dir = await prepareProject(dataDir, 'Full catalogue', idleEngine, async ({ ok, grant }) => {
    const items = [];
    for (const [i, file] of garmentFiles.entries()) {
      items.push({ sku: `REAL-${i}`, name: `Real ${i}`, category: 'upper_body', photos: [{ file: await grant(file), type: 'flat-lay' }] });
    }
    const { garments } = await ok<{ garments: { photos: { blobHash: string }[] }[] }>('garments:import', { items });
    for (const g of garments) hashes.push(g.photos[0]!.blobHash);
  });
  const db = new Database(join(dir, 'project.sqlite'));
  const now = Date.now();
  const g = db.prepare(`INSERT INTO garments (sku, name, category, colourway, season, collection_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'SS26', NULL, ?, ?)`);
  const photo = db.prepare(`INSERT INTO garment_photos (garment_id, blob_hash, view, photo_type, width, height, created_at) VALUES (?, ?, 'front', 'flat-lay', 384, 512, ?)`);
  const categories = ['upper_body', 'lower_body', 'dresses'];
  db.transaction(() => {
    for (let i = 1; i <= EXTRA; i++) {
      const id = g.run(`SKU-${String(i).padStart(6, '0')}`, `Garment ${i}`, categories[i % 3], i % 2 ? 'navy' : 'white', now, now).lastInsertRowid;
      photo.run(id, hashes[i % hashes.length], now);
    }
  })();
  db.close();
  return dir;
}

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leffa-ui-scale-'));
  [browser, photos] = await Promise.all([launch(), makePhotos()]);
  const projectDir = await prepareCatalogue(dataDir, photos.garments);
  ({ served, page, problems } = await serveProject(browser, projectDir, dataDir, []));
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (photos) rmSync(photos.dir, { recursive: true, force: true });
});

const cardsInDom = (p: Page) => p.evaluate(() => document.querySelectorAll('[data-testid="garment-card"], [data-testid="garment-placeholder"]').length);

/** Long tasks (ms) seen while `run` runs. */
async function longTasksDuring(p: Page, run: () => Promise<void>): Promise<number[]> {
  await p.evaluate(() => {
    const w = window as unknown as { longTasks: number[]; longTaskObserver?: PerformanceObserver };
    w.longTasks = [];
    w.longTaskObserver?.disconnect();
    w.longTaskObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push(Math.round(e.duration));
    });
    w.longTaskObserver.observe({ type: 'longtask' });
  });
  await run();
  return p.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
}

test('100,000 garments: only visible rows are in the DOM, deep scroll positions fill in, no long tasks', { timeout: 120_000 }, async () => {
  await page.getByTestId('nav-garments').click();
  await page.getByTestId('garment-count').filter({ hasText: '100,005 in the catalog' }).waitFor();
  await page.getByTestId('garment-card').first().waitFor();
  // Measure steady-state scrolling: after the engine worker has started (its start-up competes for
  // the CPU) and after one warm-up scroll (first-time JIT and image decodes).
  await page.getByTestId('status-backend').waitFor({ timeout: 60_000 });
  const viewport = page.getByTestId('garment-grid');
  await viewport.hover();
  for (let i = 0; i < 5; i++) await page.mouse.wheel(0, 400);
  const height = await viewport.evaluate((el) => el.scrollHeight);
  assert.ok(height > 1_000_000, `the scroll area spans the whole catalogue (${height} px)`);

  /** Scrolls to a fraction of the catalogue and waits until the rows there are loaded. */
  const jumpTo = async (fraction: number) => {
    await viewport.evaluate((el, f) => (el.scrollTop = f * (el.scrollHeight - el.clientHeight)), fraction);
    const near = Math.floor(fraction * 100_005) - 200;
    await until(`rows at ${fraction * 100}% to load`, async () => {
      const first = await page.evaluate(() => Number(document.querySelector('[data-testid="garment-grid"] [data-index]')?.getAttribute('data-index') ?? -1));
      const placeholders = await page.getByTestId('garment-placeholder').count();
      return first >= near && placeholders === 0 && (await page.getByTestId('garment-card').count()) > 0;
    }, 60_000, 200);
    assert.ok((await cardsInDom(page)) <= 120, `rendered cards at ${fraction}: ${await cardsInDom(page)}`);
  };

  // Wheel scrolling from the top, then dragging the scrollbar to 30 % (rows fill in as pages
  // arrive), then to the very end. The machine running the tests is shared, so a long task can come
  // from another process starving this one: a run with long tasks is repeated (at most three runs)
  // and the test asks for one clean run.
  const runs: number[][] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    await viewport.evaluate((el) => (el.scrollTop = 0));
    await page.waitForTimeout(300);
    runs.push(await longTasksDuring(page, async () => {
      for (let i = 0; i < 30; i++) await page.mouse.wheel(0, 400);
      assert.ok((await cardsInDom(page)) <= 120, `rendered cards: ${await cardsInDom(page)}`);
      await jumpTo(0.3);
      await jumpTo(1);
    }));
    if (runs.at(-1)!.every((d) => d <= 100)) break;
  }
  console.log(`long tasks per run (ms): ${runs.map((r) => `[${r.join(', ')}]`).join(' ')}`);
  assert.ok(runs.at(-1)!.every((d) => d <= 100), `long tasks over 100 ms in every run: ${JSON.stringify(runs)}`);

  // Newest first: the oldest garments (the five real ones) are at the end.
  await page.getByTestId('garment-card').filter({ hasText: 'REAL-0' }).waitFor();
  await until('thumbnails decoded', () => page.evaluate(() => [...document.querySelectorAll('[data-testid="garment-card"] img')].every((i) => (i as HTMLImageElement).complete)));
  await shot(page, '16-garments-100k-end');
  assert.deepEqual(problems(), []);
});
