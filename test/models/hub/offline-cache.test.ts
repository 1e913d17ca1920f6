// Working from the cache: HF_HUB_OFFLINE with a filled cache needs no network, with an empty one it fails
// clearly; and a cache written by the Python client (blobs + relative snapshot symlink + refs/main) is found
// and reused without a single request to the Hub.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCachedModel, resolveModel, isHubError } from '../../../models/hub/index.ts';
import { gitOidOf, sha256Of } from './fake-hub.ts';
import { hubEnv, MODEL_CARD, TINY_WEIGHTS, type HubEnv } from './hub-env.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';

let env: HubEnv | undefined;
afterEach(async () => { await env?.cleanup(); env = undefined; });

const SHA = sha256Of(TINY_WEIGHTS);
const PY_COMMIT = 'fedcba9876543210fedcba9876543210fedcba98';

test('HF_HUB_OFFLINE=1 with a filled cache resolves without any request', async () => {
  env = await hubEnv();
  const online = await resolveModel('try-on-hd');
  const requests = env.hub.requests.length;
  process.env.HF_HUB_OFFLINE = '1';
  const offline = await resolveModel('try-on-hd');
  assert.deepEqual(offline, online);
  assert.equal(env.hub.requests.length, requests);
});

test('HF_HUB_OFFLINE=1 with an empty cache fails clearly and leaves nothing behind', async () => {
  env = await hubEnv();
  process.env.HF_HUB_OFFLINE = '1';
  await assert.rejects(resolveModel('try-on-hd'), (e) => {
    assert.ok(isHubError(e, 'offline-not-cached'), String(e));
    assert.match(e.message, /try-on-hd \(franciszzj\/Leffa\/virtual_tryon\.pth.*not in the Hugging Face cache at .*HF_HUB_OFFLINE is set/);
    return true;
  });
  assert.equal(env.hub.requests.length, 0);
});

test('allowDownload: false never downloads', async () => {
  env = await hubEnv();
  await assert.rejects(resolveModel('try-on-hd', { allowDownload: false }), (e) => isHubError(e, 'not-cached'));
  assert.equal(env.hub.requests.length, 0);
});

/** Lays out the cache exactly as huggingface_hub (Python) leaves it after hf_hub_download / snapshot_download. */
function writePythonCache(cacheDir: string): string {
  const storage = join(cacheDir, 'models--franciszzj--Leffa');
  const snap = join(storage, 'snapshots', PY_COMMIT);
  mkdirSync(join(storage, 'blobs'), { recursive: true });
  mkdirSync(join(storage, 'refs'), { recursive: true });
  mkdirSync(snap, { recursive: true });
  copyFileSync(join(fixturesDir, 'leffa-tiny', 'weights.pth'), join(storage, 'blobs', SHA));
  writeFileSync(join(storage, 'blobs', gitOidOf(MODEL_CARD)), MODEL_CARD);
  symlinkSync(join('..', '..', 'blobs', SHA), join(snap, 'virtual_tryon.pth'));
  symlinkSync(join('..', '..', 'blobs', gitOidOf(MODEL_CARD)), join(snap, 'README.md'));
  writeFileSync(join(storage, 'refs', 'main'), PY_COMMIT);
  return join(snap, 'virtual_tryon.pth');
}

test('a cache written by the Python client is found and reused without any request', async () => {
  env = await hubEnv();
  const path = writePythonCache(env.cacheDir);
  const rec = await resolveModel('try-on-hd');
  assert.deepEqual(rec, {
    id: 'try-on-hd', repo: 'franciszzj/Leffa', revision: PY_COMMIT, file: 'virtual_tryon.pth',
    sha256: SHA, size: TINY_WEIGHTS.length, licence: 'mit', path,
  });
  assert.deepEqual(env.hub.requests, []);
  assert.deepEqual(await findCachedModel('try-on-hd'), rec);
});

test('HF_HUB_CACHE takes precedence over HF_HOME', async () => {
  env = await hubEnv();
  const other = join(env.home, 'elsewhere');
  writePythonCache(other);
  process.env.HF_HUB_CACHE = other;
  const rec = await resolveModel('try-on-hd');
  assert.ok(rec.path.startsWith(other));
  assert.deepEqual(env.hub.requests, []);
});
