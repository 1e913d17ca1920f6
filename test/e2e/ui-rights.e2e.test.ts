// Model releases and the right to erasure in the UI (serve mode, Debian's Chromium, the real engine worker on
// the tiny fixture model): a release with the scan of the signed form is added on a model photo; the batch
// builder warns about a photo without a release, and refuses it once the project's release policy is strict;
// a cell of the covered photo runs; then that person is erased through the confirmation dialog, which lists
// what goes (the pair of a training set included), and their images are no longer served. Screenshots 45-49 go to test/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { idleEngine } from '../main/api-helpers.ts';
import {
  importGarments, importModelPhotos, importTinyCheckpoint, keepShot, launch, makePhotos, paintMaskAndDensepose, pickBatch, prepareProject, serveProject, until, type Served, type TestPhotos,
} from './ui-harness.ts';

let served: Served;
let browser: Browser;
let photos: TestPhotos;
let page: Page;
let problems: () => string[];
let scanFile = '';

const keep = (name: string) => keepShot(page, name);

/** A "scanned" signed release: a white page with a few lines and a signature stroke. */
async function makeScan(dir: string): Promise<string> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="420" height="594"><rect width="100%" height="100%" fill="#f7f5ef"/>
    <text x="40" y="70" font-family="sans-serif" font-size="22">Model release</text>
    ${[120, 150, 180, 210, 240, 270].map((y) => `<rect x="40" y="${y}" width="${300 + (y % 60)}" height="6" fill="#bbb"/>`).join('')}
    <path d="M60 480 C 100 430, 140 520, 180 470 S 260 440, 300 490" stroke="#123a8c" stroke-width="4" fill="none"/></svg>`;
  const out = join(dir, 'signed-release.jpg');
  await sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toFile(out);
  return out;
}

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leffa-ui-rights-'));
  // The project with the tiny checkpoint (no source recorded) and its base configs (serve mode cannot upload a folder).
  const [projectDir, b, p] = await Promise.all([prepareProject(dataDir, 'Releases', idleEngine, (api) => importTinyCheckpoint(api, null)), launch(), makePhotos()]);
  browser = b;
  photos = p;
  scanFile = await makeScan(photos.dir);
  ({ served, page, problems } = await serveProject(browser, projectDir, dataDir));
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (photos) rmSync(photos.dir, { recursive: true, force: true });
});

test('a release with a scan is recorded on a model photo and listed as valid', async () => {
  await page.getByTestId('project-title').filter({ hasText: 'Releases' }).waitFor();
  await importGarments(page, photos.garments.filter((g) => /t-shirt_01/.test(g)));
  const people = photos.people.filter((p) => /astronaut|grace/.test(p));
  await importModelPhotos(page, people);
  await paintMaskAndDensepose(page, 'astronaut', photos.densepose.get('astronaut.png')!);

  const panel = page.getByTestId('release-panel');
  await panel.getByTestId('release-status').filter({ hasText: 'Missing' }).waitFor();
  await panel.getByTestId('release-add').click();
  await panel.getByTestId('release-subject').fill('Ana Silva (agency 4471)');
  await panel.getByTestId('release-consent').fill('2025-03-01');
  await panel.getByTestId('release-channels').fill('web, print');
  await panel.getByTestId('release-regions').fill('*');
  await panel.getByTestId('release-scan-input').setInputFiles(scanFile);
  await panel.getByTestId('release-scan-name').filter({ hasText: 'signed-release.jpg' }).waitFor();
  await panel.getByTestId('release-save').click();
  await page.getByTestId('toast').filter({ hasText: 'Recorded the release of Ana Silva' }).waitFor();
  const item = panel.getByTestId('release-item');
  assert.equal(await item.count(), 1);
  assert.equal(await item.getAttribute('data-state'), 'valid');
  await panel.getByTestId('release-status').filter({ hasText: 'Covered' }).waitFor();
  assert.match(await item.innerText(), /Ana Silva \(agency 4471\)[\s\S]*Valid[\s\S]*2025-03-01 → no end date[\s\S]*Channels web, print · regions \*/);
  await until('the scan thumbnail to load', () => page.getByTestId('release-scan').evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 420));
  await keep('45-model-release');
  await page.getByRole('button', { name: 'Back to all model photos' }).click();
});

test('the batch warns about a photo without a release; a strict project refuses to queue it', async () => {
  await pickBatch(page, 1, 2);
  const warning = page.getByTestId('batch-release-warning');
  await warning.filter({ hasText: 'grace_hopper: no release is on file for this model photo' }).waitFor();
  assert.equal(await warning.count(), 1, 'only the photo without a release warns');
  assert.equal(await page.getByTestId('batch-release-block').count(), 0, 'not strict: a warning only');
  await keep('46-batch-release-warning');

  // Strict release policy on the Projects screen.
  await page.getByTestId('nav-projects').click();
  const policy = page.getByTestId('release-policy');
  await policy.getByTestId('policy-summary').filter({ hasText: 'Warnings only · web · any region' }).waitFor();
  await policy.getByTestId('policy-strict').check();
  await policy.getByTestId('policy-save').click();
  await policy.getByTestId('policy-summary').filter({ hasText: 'Strict · web · any region' }).waitFor();
  await keep('47-release-policy-strict');

  await page.getByTestId('nav-batch').click();
  await page.getByTestId('batch-release-block').filter({ hasText: 'Strict release policy: 1 model photo' }).waitFor();
  await page.getByTestId('batch-enqueue').click();
  await page.getByTestId('batch-error').filter({ hasText: /strict.*grace_hopper.*no release is on file/ }).waitFor();
  await page.getByTestId('batch-error').scrollIntoViewIfNeeded();
  await keep('48-batch-release-refused');

  // Without the unreleased photo, the batch is queued and its cell runs on the engine.
  await page.getByTestId('batch-model').nth(1).click();
  await page.getByTestId('batch-cells').filter({ hasText: /^1$/ }).waitFor();
  await until('the block to clear', async () => (await page.getByTestId('batch-release-block').count()) === 0);
  await page.getByTestId('batch-enqueue').click();
  await page.getByTestId('batch-card').first().waitFor();
  await until('the cell to finish', async () => (await page.locator('[data-testid="queue-cell"][data-status="succeeded"]').count()) === 1, 90_000);
});

test('erasing the person lists what goes, asks for confirmation, and removes their images', { timeout: 60_000 }, async () => {
  // A training set with a pair of the person: erasure removes the pair from it (and lists that).
  await page.getByTestId('nav-finetune').click();
  for (const person of ['astronaut', 'grace_hopper']) {
    await page.getByTestId('ft-photo').and(page.locator(`[title^="${person}"]`)).click();
    await page.getByTestId('ft-garment').first().click();
    await page.getByTestId('ft-add-pair').click();
  }
  await page.getByTestId('ft-set-name').fill('Catalogue tees');
  await page.getByTestId('ft-create-set').click();
  await page.getByTestId('ft-set').filter({ hasText: 'Catalogue tees · 2 pairs' }).waitFor();

  await page.getByTestId('nav-model-photos').click();
  await page.getByTestId('model-card').filter({ hasText: 'astronaut' }).click();
  await page.getByTestId('model-title').filter({ hasText: 'astronaut' }).waitFor();
  const photoUrl = await page.getByTestId('model-stage').locator('img').first().getAttribute('src');
  const scanUrl = await page.getByTestId('release-scan').getAttribute('src');
  assert.ok(photoUrl && scanUrl);
  const status = (url: string) => page.evaluate(async (u) => (await fetch(u, { cache: 'no-store' })).status, url);
  assert.deepEqual([await status(photoUrl), await status(scanUrl)], [200, 200]);

  await page.getByTestId('erase-open').click();
  const dialog = page.getByTestId('erase-dialog');
  await dialog.getByTestId('erase-lines').waitFor();
  const lines = await dialog.getByTestId('erase-lines').innerText();
  assert.match(lines, /1 model photo \(astronaut\)/);
  assert.match(lines, /1 mask, 1 DensePose input, 1 release record/);
  assert.match(lines, /1 result with 0 reviews, 0 export records; 1 job/);
  assert.match(lines, /5 stored files deleted/);
  assert.match(lines, /1 training pair removed from 1 training set \(Catalogue tees\)/);
  assert.equal(await dialog.getByTestId('erase-derived').count(), 0, 'no checkpoint was trained on them');
  assert.equal(await dialog.getByTestId('erase-confirm').isDisabled(), true, 'nothing goes before the confirmation is typed');
  await dialog.getByTestId('erase-confirm-text').fill('ERASE');
  await keep('49-erase-confirmation');
  await dialog.getByTestId('erase-confirm').click();
  await page.getByTestId('toast').filter({ hasText: /Erased astronaut: \d+ records and 5 files deleted/ }).waitFor();
  await until('one model photo left', async () => (await page.getByTestId('model-card').count()) === 1);
  assert.match(await page.getByTestId('model-card').innerText(), /grace_hopper/);
  assert.deepEqual([await status(photoUrl), await status(scanUrl)], [404, 404], 'the erased images are no longer served');
  // 404s are the erased images asked for above.
  assert.deepEqual(problems().filter((p) => !/404 \(Not Found\)/.test(p)), []);
});
