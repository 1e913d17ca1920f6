// The catalog screens end to end in serve mode: create a project, import garments through the tray
// (with a bulk field), bulk-edit tags and search for them, open a garment, import model photos, paint
// a mask with the brush and save it as a version, import DensePose and show both overlays.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launch, makePhotos, openPage, shot, startServe, until, type Served, type TestPhotos } from './ui-harness.ts';

let served: Served;
let browser: Browser;
let photos: TestPhotos;
let page: Page;
let problems: () => string[];

before(async () => {
  [served, browser, photos] = await Promise.all([startServe(), launch(), makePhotos()]);
  ({ page, problems } = await openPage(browser, served.url));
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (photos) rmSync(photos.dir, { recursive: true, force: true });
});

test('a new project starts on an empty garment screen', async () => {
  await page.getByTestId('project-name-input').waitFor();
  await page.getByTestId('engine-backend').filter({ hasNotText: '…' }).waitFor({ timeout: 60_000 });
  await shot(page, '01-projects-empty');
  await page.getByTestId('project-name-input').fill('Summer lookbook');
  await page.getByTestId('project-create').click();
  await page.getByTestId('garments-empty').waitFor();
  assert.match(await page.getByTestId('sidebar-project').innerText(), /Summer lookbook/);
  assert.match(page.url(), /#\/garments$/);
  await shot(page, '02-garments-empty');
});

test('garments import through the tray, with a field set for all rows at once', async () => {
  await page.getByTestId('garment-file-input').setInputFiles(photos.garments);
  const rows = page.getByTestId('tray-row');
  await until('5 tray rows', async () => (await rows.count()) === photos.garments.length);
  // The shorts were recognised as lower body from the file name.
  const shorts = rows.filter({ hasText: 'wild_summer_shorts' });
  assert.equal(await shorts.getByLabel(/Category for/).inputValue(), 'lower_body');
  await page.getByTestId('tray-bulk-field').selectOption('season');
  await page.getByTestId('tray-bulk-value').fill('SS26');
  await page.getByTestId('tray-bulk-apply').click();
  assert.equal(await rows.first().getByLabel(/Season for/).inputValue(), 'SS26');
  await shot(page, '03-garments-import-tray');
  await page.getByTestId('import-submit').click();
  await page.getByTestId('garment-grid').waitFor();
  await until('5 garment cards', async () => (await page.getByTestId('garment-card').count()) === 5);
  assert.match(await page.getByTestId('garment-count').innerText(), /^5 in the catalog/);
  // Thumbnails load from the blob URL the host serves.
  await until('thumbnails decoded', () => page.evaluate(() => [...document.querySelectorAll('[data-testid="garment-card"] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)));
});

test('bulk edit adds a tag to the selected garments, and search finds them by it', async () => {
  const cards = page.getByTestId('garment-card');
  await cards.nth(0).getByRole('button').first().click();
  await cards.nth(1).getByRole('button').first().click({ modifiers: ['Shift'] });
  await page.getByTestId('selection-bar').filter({ hasText: '2 selected' }).waitFor();
  await page.getByTestId('bulk-edit-open').click();
  await page.getByTestId('bulk-add-tags').fill('core, Basics');
  await page.getByTestId('bulk-colourway').fill('white');
  await shot(page, '04-garments-bulk-edit');
  await page.getByTestId('bulk-save').click();
  await page.getByTestId('toast').filter({ hasText: 'Updated 2 garments' }).waitFor();
  await page.getByTestId('garment-search').fill('basics');
  await until('2 matches', async () => (await cards.count()) === 2 && /^2 matching/.test(await page.getByTestId('garment-count').innerText()));
  await page.getByTestId('garment-search').fill('');
  await until('all 5 back', async () => (await cards.count()) === 5);
  // Arrow keys move focus through the grid; End goes to the last garment.
  await cards.nth(0).getByRole('button').first().focus();
  const focusedIndex = () => page.evaluate(() => document.activeElement?.closest('[data-index]')?.getAttribute('data-index'));
  await page.keyboard.press('ArrowRight');
  assert.equal(await focusedIndex(), '1');
  await page.keyboard.press('End');
  assert.equal(await focusedIndex(), '4');
  // Double-click opens the detail with its photo.
  await cards.filter({ hasText: 'T-SHIRT-01' }).getByRole('button').first().dblclick();
  await page.getByTestId('garment-detail').filter({ hasText: 'T-SHIRT-01' }).waitFor();
  await shot(page, '05-garments-grid-detail');
  await page.keyboard.press('Escape');
  await page.getByTestId('garment-detail').waitFor({ state: 'detached' });
});

test('photos dropped on the garment screen open the import tray', async () => {
  const b64 = readFileSync(photos.garments[0]).toString('base64');
  const dt = await page.evaluateHandle(({ b64, name }) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, { type: 'image/png' }));
    return data;
  }, { b64, name: 'dropped_shirt.png' });
  const zone = page.getByRole('region', { name: 'Drop garment photos to import them' });
  await zone.dispatchEvent('dragenter', { dataTransfer: dt });
  await page.getByText('Drop garment photos to import them', { exact: true }).last().waitFor();
  await shot(page, '05b-garments-drop-hint');
  await zone.dispatchEvent('drop', { dataTransfer: dt });
  await page.getByTestId('tray-row').filter({ hasText: 'dropped_shirt.png' }).waitFor();
  assert.equal(await page.getByTestId('tray-row').getByLabel(/SKU for/).inputValue(), 'DROPPED-SHIRT');
  await page.getByTestId('import-tray').getByRole('button', { name: 'Cancel' }).click();
  await page.getByTestId('garment-grid').waitFor();
});

test('model photos import, and a mask painted with the brush is saved as version 1', async () => {
  await page.getByTestId('nav-model-photos').click();
  await page.getByTestId('models-empty').waitFor();
  await page.getByTestId('model-file-input').setInputFiles(photos.people);
  await until('3 model cards', async () => (await page.getByTestId('model-card').count()) === 3);
  await until('model thumbnails decoded', () => page.evaluate(() => [...document.querySelectorAll('[data-testid="model-card"] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0 && i.getBoundingClientRect().height > 100)));
  await shot(page, '06-model-photos');
  await page.getByTestId('model-card').filter({ hasText: 'astronaut' }).click();
  await page.getByTestId('model-title').filter({ hasText: 'astronaut' }).waitFor();
  await page.getByTestId('mask-edit').click();
  await page.getByTestId('mask-editor').waitFor();
  const stage = page.getByTestId('mask-stage');
  const box = (await stage.boundingBox())!;
  // Paint the torso with a few strokes of a big brush.
  await page.getByTestId('brush-size').fill('40');
  const cx = box.x + box.width / 2;
  for (const dy of [-0.05, 0.05, 0.15, 0.25]) {
    await page.mouse.move(cx - box.height * 0.18, box.y + box.height * (0.5 + dy));
    await page.mouse.down();
    await page.mouse.move(cx + box.height * 0.18, box.y + box.height * (0.5 + dy), { steps: 8 });
    await page.mouse.up();
  }
  const coverage = await page.getByTestId('mask-coverage').innerText();
  assert.match(coverage, /Mask covers (\d+)%/);
  assert.ok(Number(/(\d+)%/.exec(coverage)![1]) >= 8, coverage);
  // Undo and redo the last stroke.
  await page.getByTestId('mask-undo').click();
  await page.keyboard.press('Control+Shift+Z');
  assert.equal(await page.getByTestId('mask-coverage').innerText(), coverage);
  await page.mouse.move(cx, box.y + box.height * 0.3);
  await shot(page, '07-mask-editor');
  await page.getByTestId('mask-save').click();
  await page.getByTestId('toast').filter({ hasText: 'Saved upper body mask v1' }).waitFor();
  const overlay = page.getByTestId('mask-overlay');
  await overlay.waitFor();
  assert.equal(await overlay.getAttribute('data-version'), '1');
});

test('DensePose is imported and shown as an overlay with its format', async () => {
  await page.getByTestId('densepose-format').selectOption('HD-parula');
  await page.getByTestId('densepose-file-input').setInputFiles(photos.densepose.get('astronaut.png')!);
  await page.getByTestId('densepose-info').filter({ hasText: 'HD-parula' }).waitFor();
  await page.getByTestId('densepose-overlay').waitFor();
  await shot(page, '08-model-detail-overlays');
  // Back in the grid, the card shows the mask version and DensePose.
  await page.getByRole('button', { name: 'Back to all model photos' }).click();
  await page.getByTestId('model-card').filter({ hasText: 'Upper v1' }).filter({ hasText: 'DP' }).waitFor();
  assert.ok(basename(photos.people[0]));
});

test('the help overlay lists the shortcuts; nothing logged an error', async () => {
  await page.keyboard.press('?');
  await page.getByTestId('help-overlay').getByText('Brush (paint the area to regenerate)').waitFor();
  await shot(page, '09-help-overlay');
  await page.keyboard.press('Escape');
  await page.getByTestId('nav-projects').click();
  await page.getByTestId('stat-garments').filter({ hasText: '5' }).waitFor();
  await page.getByTestId('stat-model-photos').filter({ hasText: '3' }).waitFor();
  await shot(page, '10-project-stats');
  assert.deepEqual(problems(), []);
});
