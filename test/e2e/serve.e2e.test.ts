// End to end in a real browser: `npm run serve`'s host (built renderer, real engine worker) and
// Debian's Chromium driven by playwright-core. Needs `npm run build` first (npm run test:e2e does it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from '../helpers/fixtures.ts';

const CHROMIUM = process.env.LEFFA_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const screenshotPath = join(repoRoot, 'test-results', 'e2e-home.png');
const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;

let server: ChildProcess;
let url: string;
let browser: Browser;
let serverOutput = '';

/** Starts `main/serve/cli.ts` on a free port and resolves with the tokened URL it prints. */
function startServe(): Promise<string> {
  server = spawn(process.execPath, ['--import', 'tsx', 'main/serve/cli.ts', '--port', '0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 60 s:\n${serverOutput}`)), 60_000);
    const onData = (chunk: Buffer) => {
      serverOutput += chunk.toString();
      const found = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(serverOutput);
      if (found) {
        clearTimeout(timer);
        resolve(found[0]);
      }
    };
    server.stdout?.on('data', onData);
    server.stderr?.on('data', onData);
    server.once('exit', (code) => reject(new Error(`serve exited (${code}) before printing a URL:\n${serverOutput}`)));
  });
}

before(async () => {
  assert.ok(existsSync(join(repoRoot, 'dist/renderer/index.html')), 'dist/renderer missing: run `npm run build` (npm run test:e2e does)');
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium (or set LEFFA_CHROMIUM)`);
  url = await startServe();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
});

test('the home page shows the version and the tensor backend from the real API', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));

  await page.goto(url);
  // The token moved into a cookie and out of the address bar.
  assert.doesNotMatch(page.url(), /token=/);

  const backend = page.getByTestId('engine-backend');
  await backend.filter({ hasNotText: '…' }).waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('app-version').textContent(), `v${version}`);
  assert.equal(await page.getByTestId('info-version').textContent(), version);

  // The page's backend is what the engine worker reports over the API.
  const api = await page.evaluate(async () => (await fetch('/api/engine:info', { method: 'POST', body: '{}' })).json());
  assert.equal(api.ok, true);
  assert.equal(await backend.textContent(), api.value.backend);
  assert.ok(['wasm', 'cpu', 'tensorflow'].includes(api.value.backend), api.value.backend);
  assert.equal(await page.getByTestId('status-text').textContent(), 'Ready');
  assert.equal(await page.getByTestId('status-backend').textContent(), api.value.backend);

  mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
  await page.screenshot({ path: screenshotPath, fullPage: true });
  // No CSP violations, failed loads or script errors along the way.
  assert.deepEqual(problems, []);
  await page.close();
});

test('a browser without the token is refused', async () => {
  const page = await browser.newPage();
  const response = await page.goto(url.replace(/\?token=.*/, ''));
  assert.equal(response?.status(), 401);
  await page.close();
});
