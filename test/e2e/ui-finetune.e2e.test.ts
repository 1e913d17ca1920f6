// Finetuning end to end in serve mode on the real engine worker and the tiny fixture model: a training
// set built on the Finetune screen from three model photos and the garments they wear (one pair held
// out), a 4-step full finetune at 32×48 with the Leffa loss on, watched live (step counter, loss and
// learning-rate charts, held-out samples), the checkpoint it registers shown with its kind and parent,
// and "Compare against base" queuing the same cell for the new checkpoint and its base: both batches run
// to a result on the Queue screen. Screenshots 50-54 go to test/screenshots/.
//
// The catalogue (photos with masks and DensePose, garments, the tiny checkpoint with its base configs)
// is prepared through the same API beforehand: serve mode cannot upload a folder, and the catalogue
// screens have their own e2e tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../helpers/fixtures.ts';
import { idleEngine } from '../main/api-helpers.ts';
import { importTinyCheckpoint, launch, makePhotos, prepareProject, serveProject, until, type Served, type TestPhotos } from './ui-harness.ts';

const SCREENSHOTS = join(repoRoot, 'test', 'screenshots');
let served: Served;
let browser: Browser;
let photos: TestPhotos;
let page: Page;
let problems: () => string[];

async function shot(name: string, top = true): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (top) await page.evaluate(() => document.querySelector('.screen-body')?.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** The project: the tiny checkpoint, three garments, three model photos each with a mask and DensePose. */
function prepareCatalogue(dataDir: string, p: TestPhotos): Promise<string> {
  return prepareProject(dataDir, 'Finetune run', idleEngine, async (api) => {
    const { ok, grant } = api;
    await importTinyCheckpoint(api);
    const tees = p.garments.filter((g) => /t-shirt_0[123]/.test(g)).sort();
    await ok('garments:import', { items: await Promise.all(tees.map(async (f, i) => ({ sku: `TEE-${i + 1}`, name: `Tee ${i + 1}`, category: 'upper_body', photos: [{ file: await grant(f), type: 'flat-lay' }] }))) });
    const people = [...p.people].sort();
    const { photos: imported } = await ok<{ photos: Array<{ id: number; width: number; height: number }> }>('models:import', { items: await Promise.all(people.map(async (f) => ({ file: await grant(f) }))) });
    for (const [i, m] of imported.entries()) {
      // Upper-body mask: the middle band of the photo.
      const mask = Buffer.alloc(m.width * m.height);
      for (let y = Math.floor(m.height * 0.3); y < Math.floor(m.height * 0.75); y++) mask.fill(255, y * m.width + Math.floor(m.width * 0.25), y * m.width + Math.floor(m.width * 0.75));
      const png = await sharp(mask, { raw: { width: m.width, height: m.height, channels: 1 } }).png().toBuffer();
      await ok('masks:save', { modelPhotoId: m.id, category: 'upper_body', pngBase64: png.toString('base64') });
      await ok('densepose:import', { modelPhotoId: m.id, file: await grant(p.densepose.get(people[i]!.split('/').pop()!)!), format: 'HD-parula' });
    }
  });
}

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leffa-ui-ft-'));
  photos = await makePhotos();
  const [projectDir, b] = await Promise.all([prepareCatalogue(dataDir, photos), launch()]);
  browser = b;
  ({ served, page, problems } = await serveProject(browser, projectDir, dataDir));
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (photos) rmSync(photos.dir, { recursive: true, force: true });
});

test('a training set is built from the catalogue on the Finetune screen', async () => {
  await page.getByTestId('project-title').filter({ hasText: 'Finetune run' }).waitFor();
  await page.getByTestId('nav-finetune').click();
  await until('3 photos and 3 garments to pick from', async () => (await page.getByTestId('ft-photo').count()) === 3 && (await page.getByTestId('ft-garment').count()) === 3);
  assert.equal(await page.getByTestId('ft-add-pair').isDisabled(), true);
  for (let i = 0; i < 3; i++) {
    await page.getByTestId('ft-photo').nth(i).click();
    await page.getByTestId('ft-garment').nth(i).click();
    await page.getByTestId('ft-add-pair').click();
  }
  await until('3 draft pairs', async () => (await page.getByTestId('ft-draft').locator('li').count()) === 3);
  assert.equal(await page.getByTestId('ft-missing').count(), 0, 'every photo has its mask and DensePose');
  await page.getByTestId('ft-set-name').fill('Tees');
  await shot('50-finetune-set-builder');
  await page.getByTestId('ft-create-set').click();
  await page.getByTestId('ft-set').filter({ hasText: 'Tees · 3 pairs, 1 held out' }).waitFor();
  assert.equal(await page.getByTestId('ft-set-pairs').locator('li').filter({ hasText: 'held out' }).count(), 1);
});

test('a tiny full finetune runs live to a registered checkpoint', { timeout: 180_000 }, async () => {
  await page.getByTestId('ft-mode-full').check();
  await page.getByTestId('ft-steps').fill('4');
  await page.getByTestId('ft-lr').fill('0.0001');
  await page.getByTestId('ft-leffa').check();
  await page.getByTestId('ft-leffa-weight').fill('0.1');
  await page.getByTestId('ft-sample-every').fill('2');
  await page.getByTestId('ft-sample-steps').fill('2');
  await page.getByTestId('ft-width').fill('32');
  await page.getByTestId('ft-height').fill('48');
  assert.match(await page.getByTestId('ft-base').innerText(), /Leffa tiny/);
  await page.getByTestId('ft-start').click();
  await page.getByTestId('ft-run-detail').waitFor();

  const seen = new Set<string>();
  let liveShot = false;
  await until('the run to succeed', async () => {
    const status = await page.getByTestId('ft-run-status').innerText();
    if (status === 'failed') throw new Error(`the run failed: ${await page.getByTestId('ft-run-detail').innerText()}`);
    seen.add(`${status}:${await page.getByTestId('ft-run-step').innerText()}`);
    const sampleShown = () => page.evaluate(() => [...document.querySelectorAll('[data-testid="ft-samples"] img')].some((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    if (!liveShot && status === 'running' && (await page.getByTestId('ft-samples').count()) && (await sampleShown())) {
      liveShot = true;
      await shot('51-finetune-running');
    }
    return status === 'succeeded';
  }, 150_000, 50);
  assert.ok([...seen].some((s) => s.startsWith('running:')), `the run was seen running (${[...seen].join(', ')})`);
  assert.equal(await page.getByTestId('ft-run-step').innerText(), '4');
  await until('two sample grids (steps 2 and 4)', async () => (await page.getByTestId('ft-samples').locator('figure').count()) === 2);
  await until('sample images loaded', () => page.evaluate(() => [...document.querySelectorAll('[data-testid="ft-samples"] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 128)));
  assert.equal(await page.getByTestId('ft-loss-chart').locator('path').count(), 2, 'diffusion and total series');
  assert.equal(await page.getByTestId('ft-loss-chart').locator('circle').count(), 8, 'a point per step and series');
  await page.getByTestId('ft-leffa-chart').waitFor();
  assert.match(await page.getByTestId('ft-lr-chart').innerText(), /1\.0e-4/);
  await page.getByTestId('ft-checkpoint-name').filter({ hasText: /Leffa tiny · Tees \(finetune, run 1\)/ }).waitFor();
  await shot('52-finetune-finished');

  // The checkpoint is in the project's list, as a finetune of the tiny model.
  await page.getByTestId('nav-checkpoints').click();
  const rows = page.getByTestId('checkpoint-row');
  await until('two checkpoints', async () => (await rows.count()) === 2);
  const tuned = rows.filter({ hasText: 'Tees' });
  assert.match(await tuned.innerText(), /Fine-tune[\s\S]*training run 1 on training set "Tees"/);
  await tuned.scrollIntoViewIfNeeded();
  await shot('53-finetune-checkpoint', false);
});

test('compare against base queues the same cell for both and each batch produces a result', { timeout: 120_000 }, async () => {
  await page.getByTestId('nav-finetune').click();
  await page.getByTestId('ft-result').waitFor();
  await page.getByTestId('ft-compare-steps').fill('2');
  await page.getByTestId('ft-compare').click();
  await page.getByTestId('ft-open-queue').click();
  const cards = page.getByTestId('batch-card');
  await until('both comparison batches to finish', async () => (await cards.count()) === 2 && (await page.getByTestId('batch-status').count()) === 2, 100_000, 100);
  assert.deepEqual(await page.getByTestId('batch-status').allInnerTexts(), ['Finished', 'Finished']);
  const text = (await cards.allInnerTexts()).join('\n');
  assert.match(text, /\(finetuned\)/);
  assert.match(text, /\(base of /);
  for (const card of await cards.all()) {
    if (!(await card.locator('[data-testid="queue-cell"]').count())) await card.getByRole('button').first().click();
  }
  await until('2 succeeded cells', async () => (await page.locator('[data-testid="queue-cell"][data-status="succeeded"]').count()) === 2);
  await until('result thumbnails', () => page.evaluate(() => [...document.querySelectorAll('[data-testid="queue-cell"] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)));
  await shot('54-finetune-compare-queue');
  assert.deepEqual(problems(), []);
});
