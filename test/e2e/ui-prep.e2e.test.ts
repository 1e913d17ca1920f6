// Preprocessing in the UI, end to end in serve mode with the real engine worker and pose models:
// a garment's cleaned-up preview beside its photo (with warnings, original/cleaned toggle), SKU and
// category edits in the garment form (a taken SKU is refused), category + colourway in bulk edit;
// on a model photo, Auto mask makes an 'auto' version, the mask editor's Protect hands toggle
// regenerates it as a new version, and Generate DensePose shows an approximated overlay with its
// format. Screenshots 65-69 go to test/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { importGarments, importModelPhotos, keepShot, launch, makePhotos, openPage, startServe, until, type Served, type TestPhotos } from './ui-harness.ts';

let served: Served;
let browser: Browser;
let photos: TestPhotos;
let page: Page;
let problems: () => string[];

const keep = (name: string) => keepShot(page, name);

const imagesLoaded = (testid: string) =>
  page.evaluate((id) => [...document.querySelectorAll(`[data-testid="${id}"] img`)].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0), testid);

before(async () => {
  [served, browser, photos] = await Promise.all([startServe(['--backend', 'wasm']), launch(), makePhotos()]);
  ({ page, problems } = await openPage(browser, served.url));
  await page.getByTestId('project-name-input').fill('Prep');
  await page.getByTestId('project-create').click();
  await page.getByTestId('garments-empty').waitFor();
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (photos) rmSync(photos.dir, { recursive: true, force: true });
});

test('garment detail shows the cleaned-up preview beside the photo, with warnings and a toggle', { timeout: 120_000 }, async () => {
  const shirts = photos.garments.filter((g) => /t-shirt_0[12]/.test(g));
  await importGarments(page, shirts);
  await page.getByTestId('garment-card').filter({ hasText: 'T-SHIRT-01' }).getByRole('button').first().dblclick();
  const detail = page.getByTestId('garment-detail');
  await detail.filter({ hasText: 'T-SHIRT-01' }).waitFor();
  await page.getByTestId('cleaned-caption').filter({ hasText: 'Cleaned · 768×1024' }).waitFor({ timeout: 60_000 });
  await until('both images decoded', () => imagesLoaded('garment-preview'));
  assert.equal(await page.locator('[data-testid="garment-preview"] img').count(), 2, 'original and cleaned side by side');
  await keep('65-garment-cleaned-preview');
  await page.getByTestId('preview-show-cleaned').click();
  assert.equal(await page.locator('[data-testid="garment-preview"] img').count(), 1);
  assert.match(await page.locator('[data-testid="garment-preview"] img').getAttribute('alt') ?? '', /cleaned up/);
  await page.getByTestId('preview-show-original').click();
  assert.match(await page.locator('[data-testid="garment-preview"] img').getAttribute('alt') ?? '', /original/);
  await page.getByTestId('preview-show-both').click();
});

test('the garment form changes SKU and category; a taken SKU is refused with its name', { timeout: 60_000 }, async () => {
  await page.getByTestId('garment-sku').fill('T-SHIRT-02');
  await page.getByTestId('garment-save').click();
  await page.getByTestId('garment-error').filter({ hasText: 'T-SHIRT-02' }).waitFor();
  await page.getByTestId('garment-sku').fill('TEE-WHITE-01');
  await page.getByTestId('garment-category').selectOption('dresses');
  await page.getByTestId('garment-save').click();
  await page.getByTestId('toast').filter({ hasText: 'Saved TEE-WHITE-01' }).waitFor();
  await page.getByTestId('garment-detail').filter({ hasText: 'TEE-WHITE-01' }).filter({ hasText: 'Dresses' }).waitFor();
  await keep('66-garment-edit-sku-category');
  await page.keyboard.press('Escape');
  await page.getByTestId('garment-detail').waitFor({ state: 'detached' });
  await page.getByTestId('garment-card').filter({ hasText: 'TEE-WHITE-01' }).waitFor();
});

test('bulk edit sets category and colourway on the selection', { timeout: 60_000 }, async () => {
  const cards = page.getByTestId('garment-card');
  await cards.nth(0).getByRole('button').first().click();
  await cards.nth(1).getByRole('button').first().click({ modifiers: ['Shift'] });
  await page.getByTestId('selection-bar').filter({ hasText: '2 selected' }).waitFor();
  await page.getByTestId('bulk-edit-open').click();
  await page.getByTestId('bulk-category').selectOption('upper_body');
  await page.getByTestId('bulk-colourway').fill('ecru');
  await page.getByTestId('bulk-save').click();
  await page.getByTestId('toast').filter({ hasText: 'Updated 2 garments' }).waitFor();
  await cards.filter({ hasText: 'TEE-WHITE-01' }).getByRole('button').first().dblclick();
  await page.getByTestId('garment-detail').filter({ hasText: 'Upper body' }).waitFor();
  assert.equal(await page.getByTestId('garment-category').inputValue(), 'upper_body');
  await page.keyboard.press('Escape');
});

test('Auto mask makes an automatic version; Protect hands in the editor regenerates it as a new version', { timeout: 180_000 }, async () => {
  await importModelPhotos(page, photos.people.filter((p) => /camera/.test(p)));
  await page.getByTestId('model-card').filter({ hasText: 'camera' }).click();
  await page.getByTestId('model-title').filter({ hasText: 'camera' }).waitFor();
  await page.getByTestId('mask-auto').click();
  const overlay = page.getByTestId('mask-overlay');
  await until('auto mask v1', async () => (await overlay.count()) === 1 && (await overlay.getAttribute('data-version')) === '1', 90_000);
  assert.match(await page.getByTestId('mask-version').locator('option:checked').innerText(), /v1 · auto/);
  await keep('67-model-auto-mask');

  await page.getByTestId('mask-edit').click();
  await page.getByTestId('mask-editor').waitFor();
  await page.getByTestId('editor-base').filter({ hasText: 'from v1 (auto)' }).waitFor();
  const hands = page.getByTestId('protect-hands');
  assert.ok(await hands.isEnabled(), 'toggle enabled: an auto mask exists');
  assert.ok(await hands.isChecked(), 'hands protected by default');
  const before = await page.getByTestId('mask-coverage').innerText();
  await hands.uncheck();
  await page.getByTestId('editor-base').filter({ hasText: 'from v2 (auto)' }).waitFor({ timeout: 60_000 });
  assert.equal(await hands.isChecked(), false);
  const after = await page.getByTestId('mask-coverage').innerText();
  const pct = (s: string) => Number(/([\d.]+)%/.exec(s)![1]);
  assert.ok(pct(after) >= pct(before), `unprotected hands cover at least as much: ${before} → ${after}`);
  await page.getByTestId('toast').filter({ hasText: 'Regenerated the automatic mask as v2' }).waitFor();
  // The stage repainted with the new version: its mask layer covers what the coverage figure says.
  const painted = await page.evaluate(() => {
    const c = document.querySelector('[data-testid="mask-stage"] canvas') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let on = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) on++;
    return (100 * on) / (c.width * c.height);
  });
  assert.ok(Math.abs(painted - pct(after)) <= 1, `painted ${painted.toFixed(1)} % vs ${after}`);
  await keep('68-mask-editor-protect-toggles');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByTestId('model-title').waitFor();
  assert.equal(await overlay.getAttribute('data-version'), '2');
});

test('Generate DensePose shows an approximated overlay with its format', { timeout: 120_000 }, async () => {
  await page.getByTestId('densepose-format').selectOption('HD-parula');
  await page.getByTestId('densepose-generate').click();
  await page.getByTestId('densepose-approx-badge').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('densepose-format-badge').innerText(), 'HD-parula');
  await page.getByTestId('densepose-overlay').waitFor();
  assert.match(await page.getByTestId('densepose-overlay-badge').innerText(), /DensePose HD-parula · approximated/);
  await until('overlay decoded', () => imagesLoaded('model-stage'));
  await keep('69-model-densepose-generated');
  assert.deepEqual(problems(), []);
});
