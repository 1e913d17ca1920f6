// Shared set-up of the UI end-to-end tests: `npm run serve`'s host on a free port with a private data
// folder, Debian's Chromium through playwright-core, test photos made from ../shared/assets (the
// garment SVGs rendered to PNG, the people photos as they are), screenshots under test-results/ui/,
// and a check that the page logged no errors. Needs `npm run build` first (npm run test:e2e does it).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createHost, type CreateHostOptions, type Host } from '../../main/api/create-api.ts';
import { EngineSupervisor } from '../../main/engine-host/supervisor.ts';
import type { EngineLike } from '../../main/engine-host/tensor-jobs.ts';
import type { Result } from '../../preload/contract.ts';
import { assetsDir, fixturesDir, repoRoot } from '../helpers/fixtures.ts';
import { garmentPng, waitFor } from '../main/api-helpers.ts';

export const CHROMIUM = process.env.LEFFA_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const SHOTS = join(repoRoot, 'test-results', 'ui');

export interface Served {
  url: string;
  dataDir: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts main/serve/cli.ts with its own data folder (or `dataDir`); resolves with the tokened URL it prints. */
export function startServe(extraArgs: string[] = [], dataDir = mkdtempSync(join(tmpdir(), 'leffa-ui-'))): Promise<Served> {
  const server: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'main/serve/cli.ts', '--port', '0', '--data-dir', dataDir, ...extraArgs],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LEFFA_DATA_DIR: dataDir } },
  );
  let out = '';
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 60 s:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const found = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (found) {
        clearTimeout(timer);
        resolve({ url: found[0], dataDir, output: () => out, stop });
      }
    };
    server.stdout?.on('data', onData);
    server.stderr?.on('data', onData);
    server.once('exit', (code) => reject(new Error(`serve exited (${code}) before printing a URL:\n${out}`)));
  });
}

export async function launch(): Promise<Browser> {
  const rendererDir = process.env.LEFFA_RENDERER_DIR ?? join(repoRoot, 'dist/renderer');
  assert.ok(existsSync(join(rendererDir, 'index.html')), `${rendererDir} missing: run \`npm run build\` (npm run test:e2e does)`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium (or set LEFFA_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A page that records console errors, page errors and failed requests; `problems()` lists them. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; problems: () => string[] }> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.setDefaultTimeout(20_000);
  await page.goto(url);
  return { page, problems: () => problems };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

export interface TestPhotos {
  dir: string;
  garments: string[];
  people: string[];
  /** A DensePose-like image per person photo, the same size, keyed by the photo's file name. */
  densepose: Map<string, string>;
}

/**
 * Test inputs from the shared assets: each garment SVG rendered to a 384×512 PNG on white (the store
 * takes PNG, JPEG, WebP or TIFF), the people photos copied, and for each person a parula-coloured
 * gradient PNG of its size to import as DensePose.
 */
export async function makePhotos(): Promise<TestPhotos> {
  const dir = mkdtempSync(join(tmpdir(), 'leffa-ui-photos-'));
  const garments: string[] = [];
  for (const name of readdirSync(join(assetsDir, 'garments')).filter((n) => n.endsWith('.svg')).sort()) {
    const out = join(dir, name.replace(/\.svg$/, '.png'));
    await sharp(join(assetsDir, 'garments', name), { density: 96 })
      .resize(384, 512, { fit: 'contain', background: '#ffffff' })
      .flatten({ background: '#ffffff' })
      .png()
      .toFile(out);
    garments.push(out);
  }
  const people: string[] = [];
  const densepose = new Map<string, string>();
  for (const name of readdirSync(join(assetsDir, 'people')).sort()) {
    const out = join(dir, name);
    copyFileSync(join(assetsDir, 'people', name), out);
    people.push(out);
    const { width, height } = await sharp(out).metadata();
    const w = width!;
    const h = height!;
    const rgb = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const t = y / h;
        const inside = Math.abs(x - w / 2) < w * 0.22 && y > h * 0.15;
        const o = (y * w + x) * 3;
        // Dark blue background, parula-ish yellow→teal body.
        rgb[o] = inside ? Math.round(250 - 200 * t) : 53;
        rgb[o + 1] = inside ? Math.round(220 - 40 * t) : 42;
        rgb[o + 2] = inside ? Math.round(30 + 150 * t) : 135;
      }
    }
    const dp = join(dir, `densepose_${name.replace(/\.\w+$/, '')}.png`);
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toFile(dp);
    densepose.set(name, dp);
  }
  return { dir, garments, people, densepose };
}

/** Polls `check` until it returns true, failing with `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

// ---- UI steps shared by the tests -----------------------------------------------------------------

/** Imports garment photos through the tray as they are guessed (one garment per photo). */
export async function importGarments(page: Page, files: string[]): Promise<void> {
  await page.getByTestId('nav-garments').click();
  await page.getByTestId('garment-file-input').setInputFiles(files);
  await until(`${files.length} tray rows`, async () => (await page.getByTestId('tray-row').count()) === files.length);
  await page.getByTestId('import-submit').click();
  await until(`${files.length} garment cards`, async () => (await page.getByTestId('garment-card').count()) === files.length);
}

export async function importModelPhotos(page: Page, files: string[]): Promise<void> {
  await page.getByTestId('nav-model-photos').click();
  await page.getByTestId('model-file-input').setInputFiles(files);
  await until(`${files.length} model cards`, async () => (await page.getByTestId('model-card').count()) === files.length);
}

/**
 * Opens a model photo, paints its upper-body mask with horizontal brush strokes over the middle of
 * the photo and saves it; then imports its DensePose file. Leaves the photo's detail open.
 */
export async function paintMaskAndDensepose(page: Page, photoName: string, densepose: string): Promise<void> {
  await page.getByTestId('model-card').filter({ hasText: photoName }).click();
  await page.getByTestId('model-title').filter({ hasText: photoName }).waitFor();
  await page.getByTestId('mask-edit').click();
  const stage = page.getByTestId('mask-stage');
  await stage.waitFor();
  const box = (await stage.boundingBox())!;
  await page.getByTestId('brush-size').fill('48');
  const cx = box.x + box.width / 2;
  const half = box.height * 0.2;
  for (const y of [0.45, 0.55, 0.65, 0.75]) {
    await page.mouse.move(cx - half, box.y + box.height * y);
    await page.mouse.down();
    await page.mouse.move(cx + half, box.y + box.height * y, { steps: 6 });
    await page.mouse.up();
  }
  await page.getByTestId('mask-save').click();
  await page.getByTestId('mask-overlay').waitFor();
  await page.getByTestId('densepose-format').selectOption('HD-parula');
  await page.getByTestId('densepose-file-input').setInputFiles(densepose);
  await page.getByTestId('densepose-info').filter({ hasText: 'HD-parula' }).waitFor();
}

/** On the Batch screen: picks every garment and the first two model photos, one seed of `steps` steps; waits for `cells` cells. */
export async function pickBatch(page: Page, steps: number, cells: number): Promise<void> {
  await page.getByTestId('nav-batch').click();
  await page.getByTestId('batch-garments-all').click();
  await page.getByTestId('batch-model').first().click();
  await page.getByTestId('batch-model').nth(1).click();
  await page.getByTestId('seed-count').fill('1');
  await page.getByTestId('batch-steps').fill(String(steps));
  await page.getByTestId('batch-cells').filter({ hasText: new RegExp(`^${cells}$`) }).waitFor();
}

/** Saves a screenshot under test-results/ui and copies it to test/screenshots (the reviewed set). */
export async function keepShot(page: Page, name: string): Promise<void> {
  await shot(page, name);
  mkdirSync(join(repoRoot, 'test', 'screenshots'), { recursive: true });
  copyFileSync(join(SHOTS, `${name}.png`), join(repoRoot, 'test', 'screenshots', `${name}.png`));
}

/** The host the desktop app runs, without Electron, to prepare a project through the same API before serve opens it. */
export interface ApiHost {
  host: Host;
  ok<T>(channel: string, request: unknown): Promise<T>;
  /** A FileRef id for a file on disk (as a dropped file would get). */
  grant(path: string): Promise<string>;
  close(): Promise<void>;
}

export function apiHost(dataDir: string, engine: EngineLike, options: Partial<CreateHostOptions> = {}): ApiHost {
  const host = createHost({
    name: 'Leffa Studio', version: '0.0.0-test', mode: 'electron', engine, dataDir, blobUrl: (h) => `/blob/${h}`,
    log: () => {}, allowDroppedPaths: true, previewEveryMs: 0, ...options,
  });
  return {
    host,
    async ok<T>(channel: string, request: unknown): Promise<T> {
      const r = (await host.dispatch(channel, request)) as Result<T>;
      if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
      return r.value;
    },
    grant: async (path) => (await host.files.grantPath(path)).id,
    close: () => host.close(),
  };
}

/**
 * Imports the tiny fixture model with its diffusers base folder (non-standard shapes) as "Leffa tiny"
 * (MIT, commercial use allowed), its source "test fixture" unless `source` is null (none recorded).
 */
export async function importTinyCheckpoint(api: ApiHost, source: string | null = 'test fixture'): Promise<void> {
  const tiny = join(fixturesDir, 'leffa-tiny');
  await api.ok('checkpoints:import', {
    file: await api.grant(join(tiny, 'weights.safetensors')), base: await api.grant(join(tiny, 'base', 'tiny-stable-diffusion-inpainting')),
    name: 'Leffa tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true, ...(source !== null && { source }),
  });
}

/** Creates the project `name` in `dataDir` through `apiHost` on `engine`, runs `fill` on it, closes the host; returns the project's folder. */
export async function prepareProject(dataDir: string, name: string, engine: EngineLike, fill: (api: ApiHost, dir: string) => Promise<void>): Promise<string> {
  const api = apiHost(dataDir, engine);
  try {
    const project = await api.ok<{ path: string }>('project:create', { name });
    await fill(api, project.path);
    return project.path;
  } finally {
    await api.close();
  }
}

export interface ResultsProject {
  /** The project's name. */
  name: string;
  /** Where the test photos are written. */
  work: string;
  /** The astronaut's DensePose image (raw RGB of the photo's size). */
  densepose: (width: number, height: number) => Buffer;
  /** SKU, name and garment asset (test/assets garments/<asset>.svg) of each upper-body garment. */
  garments: Array<{ sku: string; name: string; asset: string }>;
  seeds: number[];
  steps: number;
  /** For the time-out message: what the batch makes. */
  what: string;
  timeoutMs: number;
}

/**
 * A project whose results the real engine worker made (wasm, one thread): the tiny checkpoint, the astronaut
 * photo with a torso box mask (upper body) and DensePose, `garments`, and one batch of every garment × the
 * photo × `seeds` run to its results. Returns the project's folder.
 */
export async function prepareResultsProject(dataDir: string, spec: ResultsProject): Promise<string> {
  const engine = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
  try {
    return await prepareProject(dataDir, spec.name, engine, async (api) => {
      const { host, ok, grant } = api;
      await importTinyCheckpoint(api);
      const { photos } = await ok<{ photos: { id: number; width: number; height: number }[] }>('models:import', { items: [{ file: await grant(join(assetsDir, 'people', 'astronaut.png')) }] });
      const p = photos[0]!;
      await ok('masks:save', { modelPhotoId: p.id, category: 'upper_body', pngBase64: await boxMaskBase64(p.width, p.height) });
      const dp = join(spec.work, 'dp.png');
      await sharp(spec.densepose(p.width, p.height), { raw: { width: p.width, height: p.height, channels: 3 } }).png().toFile(dp);
      await ok('densepose:import', { modelPhotoId: p.id, file: await grant(dp), format: 'HD-parula' });
      const items = [];
      for (const g of spec.garments) items.push({ sku: g.sku, name: g.name, category: 'upper_body', photos: [{ file: await grant(await garmentPng(spec.work, g.asset)), type: 'flat-lay' }] });
      const { garments } = await ok<{ garments: { garment: { id: number } }[] }>('garments:import', { items });
      const cells = garments.length * spec.seeds.length;
      const batch = await ok<{ created: number }>('batches:enqueue', { garmentIds: garments.map((g) => g.garment.id), modelPhotoIds: [p.id], seeds: spec.seeds, settings: [{ steps: spec.steps }] });
      assert.equal(batch.created, cells);
      await waitFor(() => host.queue.state().counts.succeeded === cells, spec.timeoutMs, spec.what);
    });
  } finally {
    await engine.close();
  }
}

/** Starts serve on `projectDir` (wasm backend unless `extraArgs` say otherwise) and opens it in `browser`. */
export async function serveProject(browser: Browser, projectDir: string, dataDir: string, extraArgs: string[] = ['--backend', 'wasm']): Promise<{ served: Served; page: Page; problems: () => string[] }> {
  const served = await startServe(['--project', projectDir, ...extraArgs], dataDir);
  return { served, ...(await openPage(browser, served.url)) };
}

/** A torso-sized box mask (white = repaint) of a photo, as the PNG base64 masks:save takes. */
export async function boxMaskBase64(width: number, height: number): Promise<string> {
  const mask = Buffer.alloc(width * height);
  for (let y = Math.round(height * 0.35); y < Math.round(height * 0.85); y++) mask.fill(255, y * width + Math.round(width * 0.25), y * width + Math.round(width * 0.75));
  return (await sharp(mask, { raw: { width, height, channels: 1 } }).png().toBuffer()).toString('base64');
}
