// Export end to end in serve mode (Debian's Chromium): results of a real tiny-model batch are approved,
// then exported from the Export screen: a name template that would leave the folder is flagged and the run
// refused; a preset is saved; the strip warning shows; the export runs with a progress bar into
// exports/<name> in the project, and the files on disk are checked: names, size, format, the embedded
// provenance XMP (digital source type, generator, AI label, generation settings) and the CSV/JSON manifest
// with the model release that covers each image. A second run with the same names is suffixed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { EngineSupervisor } from '../../main/engine-host/supervisor.ts';
import { DIGITAL_SOURCE_TYPES, readProvenance, readXmpProperty, verifyC2pa } from '../../models/provenance/index.ts';
import { RandomAccessFile } from '../../models/io/file-reader.ts';
import { ZipArchive } from '../../models/io/zip-reader.ts';
import { NS } from '../../models/provenance/xmp-namespaces.ts';
import { GENERATOR_NAME } from '../../models/version.ts';
import type { ExportManifestRow } from '../../preload/contract.ts';
import { assetsDir } from '../helpers/fixtures.ts';
import { garmentPng, solidPng, waitFor } from '../main/api-helpers.ts';
import { makeTestPki } from '../models/provenance/test-certs.ts';
import { apiHost, importTinyCheckpoint, keepShot, launch, openPage, startServe, until, type Served } from './ui-harness.ts';

let served: Served;
let browser: Browser;
let page: Page;
let problems: () => string[];
let projectDir: string;
let resultIds: number[];

const snap = (name: string) => keepShot(page, name);

/** A project with a finished 2-cell batch of the tiny model, both results approved, the model photo released. */
async function prepareProject(dataDir: string): Promise<{ dir: string; resultIds: number[] }> {
  const engine = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
  const events: { event: string; payload: unknown }[] = [];
  const api = apiHost(dataDir, engine, { progressIntervalMs: 0 });
  const { host, ok, grant } = api;
  host.events.subscribe((event, payload) => events.push({ event, payload }));
  const tmp = mkdtempSync(join(tmpdir(), 'leffa-ui-export-in-'));
  try {
    const project = await ok<{ path: string }>('project:create', { name: 'Export run' });
    const { photos } = await ok<{ photos: { id: number; width: number; height: number }[] }>('models:import', { items: [{ file: await grant(join(assetsDir, 'people', 'astronaut.png')), name: 'Ava' }] });
    const photo = photos[0]!;
    const shirts = [await garmentPng(tmp, 't-shirt_01'), await garmentPng(tmp, 't-shirt_02')];
    const { garments } = await ok<{ garments: { garment: { id: number } }[] }>('garments:import', {
      items: [
        { sku: 'TS-001', name: 'Plain tee', category: 'upper_body', colourway: 'Navy', photos: [{ file: await grant(shirts[0]!), type: 'flat-lay', view: 'front' }] },
        { sku: 'TS-002', name: 'Striped tee', category: 'upper_body', colourway: 'Red', photos: [{ file: await grant(shirts[1]!), type: 'flat-lay', view: 'front' }] },
      ],
    });
    await importTinyCheckpoint(api, null);
    await ok('masks:save', { modelPhotoId: photo.id, category: 'upper_body', pngBase64: (await solidPng(photo.width, photo.height, 255)).toString('base64') });
    writeFileSync(join(tmp, 'dp.png'), await solidPng(photo.width, photo.height, 30, 3));
    await ok('densepose:import', { modelPhotoId: photo.id, file: await grant(join(tmp, 'dp.png')), format: 'HD-parula' });
    const batch = await ok<{ batchId: number }>('batches:enqueue', { garmentIds: garments.map((g) => g.garment.id), modelPhotoIds: [photo.id], seeds: [11], settings: [{ steps: 1 }] });
    await waitFor(() => events.some((e) => e.event === 'queue:event' && (e.payload as { type: string; batchId: number }).type === 'batch-finished'), 120_000, 'the batch');
    const p = host.projects.require();
    const ids = (p.db.prepare('SELECT id FROM results WHERE batch_id = ? ORDER BY id').pluck().all(batch.batchId) as number[]);
    for (const id of ids) p.reviews.add({ resultId: id, status: 'approved', reviewer: 'e2e' });
    await p.releases.add({ modelPhotoId: photo.id, subject: 'Ava Model', consentDate: '2020-01-01', channels: ['ecommerce'], regions: ['*'], scan: await solidPng(64, 64, 200) });
    return { dir: project.path, resultIds: ids };
  } finally {
    await api.close();
    await engine.close();
  }
}

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leffa-ui-export-'));
  const [prepared, b] = await Promise.all([prepareProject(dataDir), launch()]);
  ({ dir: projectDir, resultIds } = prepared);
  assert.equal(resultIds.length, 2);
  browser = b;
  served = await startServe(['--project', projectDir, '--backend', 'wasm'], dataDir);
  ({ page, problems } = await openPage(browser, served.url));
});

after(async () => {
  await browser?.close();
  await served?.stop();
});

test('the Export screen previews the approved results with their names; a traversal template is flagged and refused', async () => {
  await page.getByTestId('project-title').filter({ hasText: 'Export run' }).waitFor();
  await page.getByTestId('nav-export').click();
  await until('two names', async () => (await page.getByTestId('preview-name').count()) === 2);
  assert.deepEqual(await page.getByTestId('preview-name').locator('.name').allInnerTexts(), ['TS-001_Navy_Ava_front_11.jpg', 'TS-002_Red_Ava_front_11.jpg']);
  await snap('40-export-screen');
  await page.getByTestId('preset-template').fill('../{sku}_{seed}');
  await until('refused names', async () => (await page.locator('[data-testid="preview-name"][data-refused="true"]').count()) === 2);
  await page.getByTestId('preview-refused').filter({ hasText: /refused/ }).waitFor();
  assert.equal(await page.getByTestId('export-start').isDisabled(), true);
  await snap('41-export-refused-name');
  await page.getByTestId('preset-template').fill('{sku}_{colour}');
  await page.getByTestId('preview-error').filter({ hasText: /unknown token \{colour\}/ }).waitFor();
  assert.equal(await page.getByTestId('export-start').isDisabled(), true);
});

test('a preset is saved in the project; stripping shows its warning', async () => {
  await page.getByTestId('preset-template').fill('{sku}_{colourway}_{model}_{view}_{seed}');
  await page.getByTestId('preset-size').selectOption('1200x1600');
  await page.getByTestId('preset-format').selectOption('jpeg');
  await page.getByTestId('preset-name').fill('Web 3:4');
  await page.getByTestId('preset-save').click();
  await until('the preset is listed', async () => (await page.getByTestId('preset-select').locator('option').allInnerTexts()).includes('Web 3:4'));
  await page.getByTestId('preset-strip').check();
  await page.getByTestId('strip-warning').filter({ hasText: /no longer|removes the machine-readable marking/ }).waitFor();
  await page.getByTestId('run-strip-note').waitFor();
  await page.getByTestId('strip-warning').scrollIntoViewIfNeeded();
  await snap('42-export-strip-warning');
  await page.getByTestId('preset-strip').uncheck();
  assert.equal(await page.getByTestId('strip-warning').count(), 0);
});

test('the export runs with progress into exports/spring: files, names, size and embedded metadata on disk; manifest with releases', { timeout: 60_000 }, async () => {
  await page.getByTestId('export-target-name').fill('spring');
  await page.getByTestId('export-name').fill('Spring web');
  await until('the preview to settle', async () => (await page.getByTestId('preview-name').count()) === 2 && !(await page.getByTestId('export-start').isDisabled()));
  // The progress bar may be on screen for a moment only (two small images): record whether it appeared.
  await page.evaluate(() => {
    const w = window as unknown as { sawProgress: boolean };
    w.sawProgress = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="export-progress"] [role="progressbar"]')) w.sawProgress = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.getByTestId('export-start').click();
  await page.getByTestId('export-summary').waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate(() => (window as unknown as { sawProgress: boolean }).sawProgress), true, 'the progress bar showed');
  assert.equal(await page.getByTestId('manifest-row').count(), 2);
  assert.match(await page.getByTestId('export-summary').innerText(), /2 files in exports\/spring/);
  await page.getByTestId('export-run').scrollIntoViewIfNeeded();
  await snap('43-export-summary');

  const dir = join(projectDir, 'exports', 'spring');
  const names = ['TS-001_Navy_Ava_front_11.jpg', 'TS-002_Red_Ava_front_11.jpg'];
  assert.deepEqual(readdirSync(dir).sort(), [...names, 'Spring-web-manifest.csv', 'Spring-web-manifest.json'].sort());
  for (const name of names) {
    const bytes = readFileSync(join(dir, name));
    const m = await sharp(bytes).metadata();
    assert.deepEqual([m.format, m.width, m.height, m.space], ['jpeg', 1200, 1600, 'srgb']);
    const prov = (await readProvenance(bytes))!;
    assert.equal(prov.digitalSourceType, DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia);
    assert.equal(prov.generator.name, GENERATOR_NAME);
    assert.equal(readXmpProperty(prov.xmp, NS.leffa, 'Label'), 'AI-generated');
    assert.equal(readXmpProperty(prov.xmp, NS.leffa, 'Seed'), '11');
    const settings = JSON.parse(readXmpProperty(prov.xmp, NS.leffa, 'GenerationSettings')!) as { settings: { steps: number } };
    assert.equal(settings.settings.steps, 1);
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'Spring-web-manifest.json'), 'utf8')) as { files: ExportManifestRow[]; preset: { name?: string } };
  assert.equal(manifest.preset.name, 'Web 3:4');
  assert.deepEqual(manifest.files.map((r) => [r.fileName, r.resultId, r.sku, r.model, r.seed, r.release.status, r.release.subject]),
    names.map((n, i) => [n, resultIds[i], i === 0 ? 'TS-001' : 'TS-002', 'Ava', 11, 'ok', 'Ava Model']));
  const csv = readFileSync(join(dir, 'Spring-web-manifest.csv'), 'utf8').trim().split('\r\n');
  assert.equal(csv.length, 3);
  assert.match(csv[1]!, /^TS-001_Navy_Ava_front_11\.jpg,\d+,TS-001,Navy,Ava,front,11,Leffa tiny,MIT,/);
});

test('a second export with the same names never overwrites: the names get -2 and the summary says so', { timeout: 60_000 }, async () => {
  await until('the clash shows', async () => (await page.getByTestId('preview-conflicts').count()) === 1);
  await page.getByTestId('export-start').click();
  await until('the second summary', async () => (await page.getByTestId('export-warning').count()) > 0, 30_000);
  assert.match(await page.getByTestId('export-warning').first().innerText(), /clashed and was suffixed/);
  const dir = join(projectDir, 'exports', 'spring');
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.jpg')).sort(),
    ['TS-001_Navy_Ava_front_11-2.jpg', 'TS-001_Navy_Ava_front_11.jpg', 'TS-002_Red_Ava_front_11-2.jpg', 'TS-002_Red_Ava_front_11.jpg']);
  await page.getByTestId('history-row').nth(1).waitFor();
  while ((await page.getByTestId('toast').count()) > 0) await page.getByTestId('toast').first().getByRole('button').click();
  await page.getByTestId('export-history').scrollIntoViewIfNeeded();
  await snap('44-export-history');
  assert.deepEqual(problems(), []);
});

test('serve mode: a zip export is downloaded from the page (behind the launch token); other names are not served', { timeout: 60_000 }, async () => {
  await page.getByTestId('export-target').selectOption('zip');
  await page.getByTestId('export-target-name').fill('spring-zip');
  await page.getByTestId('export-name').fill('Spring zip');
  await until('the preview to settle', async () => (await page.getByTestId('preview-name').count()) === 2 && !(await page.getByTestId('export-start').isDisabled()));
  await page.getByTestId('export-start').click();
  await page.getByTestId('export-download').waitFor({ timeout: 30_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
  assert.equal(download.suggestedFilename(), 'spring-zip.zip');
  const saved = join(projectDir, '..', 'downloaded.zip');
  await download.saveAs(saved);
  assert.deepEqual(readFileSync(saved), readFileSync(join(projectDir, 'exports', 'spring-zip.zip')), 'the bytes the export wrote');
  const f = new RandomAccessFile(saved, 'zip');
  try {
    const names = new ZipArchive(f, 'zip').entries.map((e) => e.name).sort();
    assert.deepEqual(names, ['Spring-zip-manifest.csv', 'Spring-zip-manifest.json', 'TS-001_Navy_Ava_front_11.jpg', 'TS-002_Red_Ava_front_11.jpg']);
  } finally {
    f.close();
  }
  const status = (path: string) => page.evaluate(async (p) => (await fetch(p)).status, path);
  assert.deepEqual(await Promise.all(['/exports/nothing.zip', '/exports/..%2Fproject.sqlite', '/exports/spring'].map(status)), [404, 404, 404]);
  const anonymous = await fetch(new URL('/exports/spring-zip.zip', served.url).href);
  assert.equal(anonymous.status, 401, 'no token, no download');
  assert.deepEqual(problems().filter((p) => !/404 \(Not Found\)/.test(p)), []);
});

test('Content Credentials: the team\'s certificate set from the Export screen (PEM uploads); a signed export validates', { timeout: 90_000 }, async () => {
  const pki = makeTestPki();
  try {
    const signer = pki.issue('Studio North signer', 'ec');
    await page.getByTestId('signing-panel').scrollIntoViewIfNeeded();
    assert.match(await page.getByTestId('signing-status').innerText(), /No signing certificate/);
    assert.equal(await page.getByTestId('preset-c2pa').isDisabled(), true, 'signing needs a certificate first');
    await page.getByTestId('signing-cert').setInputFiles({ name: 'chain.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(signer.certChainPem) });
    await page.getByTestId('signing-key').setInputFiles({ name: 'key.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(signer.privateKeyPem) });
    await page.getByTestId('signing-save').click();
    await until('the certificate is in use', async () => /Studio North signer/.test(await page.getByTestId('signing-status').innerText()));
    assert.ok(!readdirSync(projectDir).some((n) => /\.pem$/.test(n)), 'the key stays out of the project folder');
    await snap('44b-export-signing');

    await page.getByTestId('export-target').selectOption('project');
    await page.getByTestId('export-target-name').fill('signed');
    await page.getByTestId('export-name').fill('Signed');
    await page.getByTestId('preset-c2pa').check();
    await until('the preview to settle', async () => (await page.getByTestId('preview-name').count()) === 2 && !(await page.getByTestId('export-start').isDisabled()));
    await page.getByTestId('export-start').click();
    await until('the signed export', async () => existsSync(join(projectDir, 'exports', 'signed')) && readdirSync(join(projectDir, 'exports', 'signed')).filter((n) => n.endsWith('.jpg')).length === 2, 30_000);
    for (const name of readdirSync(join(projectDir, 'exports', 'signed')).filter((n) => n.endsWith('.jpg'))) {
      const bytes = readFileSync(join(projectDir, 'exports', 'signed', name));
      const v = await verifyC2pa(bytes, 'jpeg', { trustAnchorsPem: pki.rootPem });
      assert.equal(v.state, 'Trusted', `${name}: ${JSON.stringify(v)}`);
    }
    await page.getByTestId('preset-c2pa').uncheck();
    await page.getByTestId('signing-clear').click();
    await until('the certificate is removed', async () => /No signing certificate/.test(await page.getByTestId('signing-status').innerText()));
    assert.deepEqual(problems().filter((p) => !/404 \(Not Found\)/.test(p)), []);
  } finally {
    pki.cleanup();
  }
});

