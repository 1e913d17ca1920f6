// The team queue in the UI, serve mode: a project set to the team queue (a password-protected
// redis-server on loopback, the password in a file), the serve host mounting the coordinator on its own
// port, and one `leffa-studio worker` process on the tiny model. The Projects screen's Queue panel shows
// the team settings, tests the connection and names the coordinator URL; a batch built in the UI runs on
// the worker while the Queue screen's Workers panel shows it (backend, current cell, speed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openWorkerTokens } from '../../main/team/open-queue.ts';
import { writeQueueSettings } from '../../main/team/queue-settings.ts';
import { idleEngine } from '../main/api-helpers.ts';
import { addTeamFixture, TINY_BASE } from '../main/team/fixture.ts';
import { spawnWorker, stopWorker, type WorkerProcess } from '../main/team/processes.ts';
import { startRedis, type RedisHandle } from '../main/team/redis-server.ts';
import { importTinyCheckpoint, keepShot, launch, openPage, pickBatch, prepareProject, startServe, until, type Served } from './ui-harness.ts';

const STEPS = 12;
let redis: RedisHandle;
let served: Served;
let browser: Browser;
let page: Page;
let problems: () => string[];
let worker: WorkerProcess;
let tmp: string;

const shot = (name: string) => keepShot(page, name);

/** The project, set to the team queue; returns its folder and a worker token. */
async function prepareTeamProject(dataDir: string, queueName: string, passwordFile: string): Promise<{ dir: string; token: string }> {
  let token = '';
  const dir = await prepareProject(dataDir, 'Team run', idleEngine, async (api, projectDir) => {
    await importTinyCheckpoint(api);
    await addTeamFixture(api.host.projects.require());
    writeQueueSettings(projectDir, { kind: 'team', redisUrl: redis.urlWithoutPassword, queueName, passwordFile });
    ({ token } = openWorkerTokens(api.host.projects.require()).issue('gpu-studio-01'));
  });
  return { dir, token };
}

before(async () => {
  redis = await startRedis();
  tmp = mkdtempSync(join(tmpdir(), 'leffa-ui-team-'));
  const passwordFile = join(tmp, 'redis-password');
  writeFileSync(passwordFile, redis.password, { mode: 0o600 });
  const dataDir = mkdtempSync(join(tmpdir(), 'leffa-ui-team-data-'));
  const queueName = `ui-team-${process.pid}`;
  const [{ dir, token }, b] = await Promise.all([prepareTeamProject(dataDir, queueName, passwordFile), launch()]);
  browser = b;
  served = await startServe(['--project', dir, '--backend', 'wasm'], dataDir);
  // Workers reach the coordinator on the serve host's own port (/team/v2/…, with their own token).
  worker = spawnWorker('gpu-studio-01', [
    '--queue', redis.url, '--queue-name', queueName, '--coordinator', new URL(served.url).origin, '--token', token,
    '--cache', join(tmp, 'cache'), '--base', TINY_BASE, '--backend', 'wasm', '--threads', '1', '--progress-ms', '100', '--json',
  ]);
  await worker.waitFor((e) => e.event === 'ready', 60_000);
  ({ page, problems } = await openPage(browser, served.url));
});

after(async () => {
  if (worker) await stopWorker(worker);
  await browser?.close();
  await served?.stop();
  await redis?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('Projects → Queue: team settings, connection test and the coordinator URL', async () => {
  await page.getByTestId('project-title').filter({ hasText: 'Team run' }).waitFor();
  const panel = page.getByTestId('queue-settings');
  await panel.getByTestId('queue-active').filter({ hasText: 'Team queue connected' }).waitFor();
  assert.equal(await panel.getByTestId('queue-mode-team').isChecked(), true);
  assert.equal(await panel.getByTestId('queue-redis-url').inputValue(), redis.urlWithoutPassword);
  assert.equal(await panel.getByTestId('queue-coordinator').innerText(), `--coordinator ${new URL(served.url).origin}`);
  await panel.getByTestId('queue-test').click();
  await panel.getByTestId('queue-test-result').filter({ hasText: /^connected: Redis \d+\.\d+/ }).waitFor();
  await shot('60-projects-queue-settings');
});

test('a batch runs on the team worker; the Workers panel shows it with backend, current cell and speed', { timeout: 150_000 }, async () => {
  await pickBatch(page, STEPS, 6);
  await page.getByTestId('batch-enqueue').click();
  await page.getByTestId('batch-card').first().waitFor();

  const row = page.locator('[data-testid="worker-row"][data-worker="gpu-studio-01"]');
  await row.waitFor();
  assert.equal(await page.getByTestId('workers-mode').innerText(), 'Team queue');
  assert.equal(await row.getByTestId('worker-backend').innerText(), 'wasm');
  let midShot = false;
  await until('the batch to finish', async () => {
    const shown = (await page.getByTestId('queue-cell').count()) > 0 && (await page.getByTestId('running-cell').innerText().catch(() => '')).includes('TEE-');
    if (!midShot && shown && /cell \d+ · step \d+\/12/.test(await row.innerText()) && /ms\/step/.test(await row.innerText())) {
      midShot = true;
      await shot('61-queue-team-workers');
    }
    return (await page.getByTestId('batch-status').count()) > 0;
  }, 140_000, 50);
  assert.ok(midShot, 'the Workers panel showed the worker on a cell');
  await until('6 succeeded cells', async () => (await page.locator('[data-testid="queue-cell"][data-status="succeeded"]').count()) === 6);
  await until('the worker idle with 6 done', async () => /idle[\s\S]*\b6\b/.test(await row.innerText()));
  assert.match(await page.getByTestId('status-workers').innerText(), /^1 worker$/);
  await shot('62-queue-team-finished');
  assert.equal(worker.events.filter((e) => e.event === 'stored').length, 6);
  assert.deepEqual(problems(), []);
});

test('the status bar names the WebGPU adapter (SwiftShader here, labelled by its driver name)', { timeout: 90_000 }, async (t) => {
  // LEFFA_BACKEND wins over --backend (models/backend/settings.ts): the engine worker forces WebGPU.
  process.env.LEFFA_BACKEND = 'webgpu';
  let gpuServe: Served;
  try {
    gpuServe = await startServe();
  } finally {
    delete process.env.LEFFA_BACKEND;
  }
  const { page: gpuPage, problems: gpuProblems } = await openPage(browser, gpuServe.url);
  try {
    const backend = gpuPage.getByTestId('status-backend');
    await backend.waitFor({ timeout: 60_000 });
    if ((await backend.innerText()) !== 'webgpu') {
      t.skip(`no WebGPU adapter here (backend ${await backend.innerText()})`);
      return;
    }
    const adapter = await gpuPage.getByTestId('status-adapter').innerText();
    assert.match(adapter, /\S/);
    t.diagnostic(`adapter: ${adapter}`);
    const main = page;
    page = gpuPage;
    await shot('63-status-bar-webgpu-adapter');
    page = main;
    assert.deepEqual(gpuProblems(), []);
  } finally {
    await gpuPage.close();
    await gpuServe.stop();
  }
});
