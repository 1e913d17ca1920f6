// "Get models" end to end in serve mode, in Debian's Chromium, against the loopback Hub stand-in
// (test/models/hub/fake-hub.ts) behind a throttling proxy (so a 5.6 MB download takes seconds and its
// progress can be seen): serve starts with HF_ENDPOINT at the proxy and HF_HOME in a temp folder holding,
// in the Python client's layout, the DressCode model. The panel lists the catalogue with sizes, purposes
// and licences; the VITON-HD model downloads with bytes / speed / ETA, is cancelled, resumes from where it
// stopped and lands in the project; its licence is accepted in the dialog before first use; the cached
// DressCode model is added without downloading and becomes its task's default.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { fixturesDir } from '../helpers/fixtures.ts';
import { gitOidOf, sha256Of, startFakeHub, type FakeHub } from '../models/hub/fake-hub.ts';
import { MODEL_CARD, TINY_WEIGHTS } from '../models/hub/hub-env.ts';
import { keepShot, launch, openPage, startServe, until, type Served } from './ui-harness.ts';

const HF_VARS = ['HF_HOME', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_ENDPOINT', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN_PATH', 'HF_HUB_OFFLINE', 'XDG_CACHE_HOME'];
const saved = Object.fromEntries(HF_VARS.map((k) => [k, process.env[k]]));
const PY_COMMIT = 'fedcba9876543210fedcba9876543210fedcba98';

let hub: FakeHub;
let proxy: Server;
/** Bytes the proxy lets through per 100 ms on /cdn answers; 0 holds them. */
let rate = 96 * 1024;
let hfHome: string;
let served: Served;
let browser: Browser;
let page: Page;
let problems: () => string[];

/** A proxy in front of the fake Hub that trickles the checkpoint bytes (/cdn) at `rate` per 100 ms. */
function startProxy(target: string): Promise<Server> {
  const t = new URL(target);
  const server = createServer((req, res) => {
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!req.url?.startsWith('/cdn/')) {
        answer.pipe(res);
        return;
      }
      const queue: Buffer[] = [];
      let ended = false;
      answer.on('data', (c: Buffer) => queue.push(c));
      answer.on('end', () => { ended = true; });
      const timer = setInterval(() => {
        let budget = rate;
        while (budget > 0 && queue.length > 0) {
          const head = queue[0]!;
          const part = head.subarray(0, budget);
          if (part.length === head.length) queue.shift();
          else queue[0] = head.subarray(part.length);
          budget -= part.length;
          res.write(part);
        }
        if (ended && queue.length === 0) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
      res.on('close', () => clearInterval(timer));
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The DressCode model as huggingface_hub (Python) leaves it: blobs, a relative snapshot symlink, refs/main. */
function writePythonCache(cacheDir: string, weights: string): void {
  const storage = join(cacheDir, 'models--franciszzj--Leffa');
  const snap = join(storage, 'snapshots', PY_COMMIT);
  mkdirSync(join(storage, 'blobs'), { recursive: true });
  mkdirSync(join(storage, 'refs'), { recursive: true });
  mkdirSync(snap, { recursive: true });
  const sha = sha256Of(readFileSync(weights));
  copyFileSync(weights, join(storage, 'blobs', sha));
  writeFileSync(join(storage, 'blobs', gitOidOf(MODEL_CARD)), MODEL_CARD);
  symlinkSync(join('..', '..', 'blobs', sha), join(snap, 'virtual_tryon_dc.pth'));
  symlinkSync(join('..', '..', 'blobs', gitOidOf(MODEL_CARD)), join(snap, 'README.md'));
  writeFileSync(join(storage, 'refs', 'main'), PY_COMMIT);
}

/** Screenshot under test-results/ui and in the reviewed set, test/screenshots. */
const shot = (name: string) => keepShot(page, name);

const model = (id: string) => page.locator(`[data-testid="hub-model"][data-model="${id}"]`);

before(async () => {
  hub = await startFakeHub({ files: { 'virtual_tryon.pth': TINY_WEIGHTS, 'README.md': MODEL_CARD } });
  proxy = await startProxy(hub.url);
  for (const k of HF_VARS) delete process.env[k];
  hfHome = mkdtempSync(join(tmpdir(), 'leffa-ui-hf-'));
  writePythonCache(join(hfHome, 'hub'), join(fixturesDir, 'leffa-tiny', 'weights.safetensors'));
  process.env.HF_HOME = hfHome;
  process.env.HF_ENDPOINT = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  browser = await launch();
  served = await startServe(['--backend', 'wasm']);
  ({ page, problems } = await openPage(browser, served.url));
});

after(async () => {
  await browser?.close();
  await served?.stop();
  proxy?.closeAllConnections();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await hub?.close();
  rmSync(hfHome, { recursive: true, force: true });
  for (const k of HF_VARS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

test('the Get models panel lists the catalogue with sizes, purposes, licences and what the cache holds', async () => {
  await page.getByTestId('project-name-input').fill('Hub lookbook');
  await page.getByTestId('project-create').click();
  await page.getByTestId('garments-empty').waitFor();
  await page.getByTestId('nav-checkpoints').click();
  await page.getByTestId('hub-panel').waitFor();
  await until('three models', async () => (await page.getByTestId('hub-model').count()) === 3);
  assert.equal(await model('try-on-hd').getAttribute('data-state'), 'not-downloaded');
  assert.match(await model('try-on-hd').innerText(), /Virtual try-on, VITON-HD[\s\S]*6\.7 GB[\s\S]*VITON-HD/i);
  assert.match(await model('pose').innerText(), /Pose transfer[\s\S]*19 GB/i);
  assert.equal(await model('try-on-dc').getAttribute('data-state'), 'in-cache');
  await model('try-on-dc').getByTestId('hub-found').waitFor();
  assert.equal(await model('try-on-dc').getByTestId('hub-licence').innerText(), 'mit');
  await page.getByTestId('checkpoints-empty').waitFor();
  await shot('55-hub-get-models');
});

test('a download shows bytes, speed and ETA; cancel keeps the part; resume fetches the rest and registers it', { timeout: 90_000 }, async () => {
  await model('try-on-hd').getByTestId('hub-download').click();
  const text = model('try-on-hd').getByTestId('hub-progress-text');
  await until('progress with speed and ETA', async () => /of 5\.6 MB · [\d.]+ (B|KB|MB)\/s · .+ left/.test((await text.textContent().catch(() => '')) ?? ''), 30_000);
  await shot('56-hub-downloading');
  await model('try-on-hd').getByTestId('hub-cancel').click();
  await until('the partial state', async () => (await model('try-on-hd').getAttribute('data-state')) === 'partial');
  assert.match(await model('try-on-hd').innerText(), /already downloaded; the download continues from there/);
  const sentBefore = hub.cdnBytesSent();
  rate = 1024 * 1024;
  await model('try-on-hd').getByRole('button', { name: 'Resume download' }).click();
  await until('the model to be in the project', async () => (await model('try-on-hd').getAttribute('data-state')) === 'registered', 60_000);
  const resumed = hub.requests.filter((r) => r.url.startsWith('/cdn/') && r.range !== 'bytes=0-0').at(-1)!;
  assert.match(resumed.range ?? '', /^bytes=\d+-$/, 'the second download asked only for the rest');
  assert.ok(hub.cdnBytesSent() - sentBefore < TINY_WEIGHTS.length, 'fewer bytes than the whole file came the second time');
  const row = page.getByTestId('checkpoint-row');
  await until('one checkpoint row', async () => (await row.count()) === 1);
  await row.getByTestId('checkpoint-licence-pending').waitFor();
  assert.match(await row.innerText(), /Virtual try-on, VITON-HD[\s\S]*mit[\s\S]*Not accepted yet[\s\S]*franciszzj\/Leffa@0123456789abcdef/);
  await shot('57-hub-registered');
});

test('the licence is accepted in the dialog before first use', async () => {
  await page.getByTestId('checkpoint-review-licence').click();
  const dialog = page.getByTestId('licence-dialog');
  await dialog.waitFor();
  assert.equal(await dialog.getByTestId('licence-text').innerText(), 'mit');
  assert.ok(await dialog.getByTestId('licence-accept').isDisabled());
  await dialog.getByTestId('licence-by').fill('Ada Buyer');
  await dialog.getByTestId('licence-understood').check();
  await shot('58-hub-licence-dialog');
  await dialog.getByTestId('licence-accept').click();
  await page.getByTestId('toast').filter({ hasText: 'Licence of Virtual try-on, VITON-HD accepted' }).waitFor();
  await until('the badge to go', async () => (await page.getByTestId('checkpoint-licence-pending').count()) === 0);
  assert.match(await page.getByTestId('checkpoint-row').innerText(), /accepted by Ada Buyer/);
});

test('the cached DressCode model is added without downloading and is its task default', async () => {
  const requests = hub.requests.length;
  await model('try-on-dc').getByTestId('hub-register').click();
  await until('the DC model to be in the project', async () => (await model('try-on-dc').getAttribute('data-state')) === 'registered');
  assert.equal(hub.requests.length, requests, 'no request reached the Hub');
  await until('two checkpoint rows', async () => (await page.getByTestId('checkpoint-row').count()) === 2);
  const dc = page.getByTestId('checkpoint-row').nth(1);
  assert.match(await dc.innerText(), /Virtual try-on, DressCode[\s\S]*Default: Try-on DC[\s\S]*Not accepted yet/);
  assert.match(await page.getByTestId('checkpoint-row').first().innerText(), /Default: Try-on HD/);
  for (let n = await page.getByTestId('toast').count(); n > 0; n--) await page.getByTestId('toast').first().getByRole('button', { name: 'Dismiss' }).click();
  await dc.scrollIntoViewIfNeeded();
  await shot('59-hub-defaults-per-task');
  assert.deepEqual(problems(), []);
});
