// Integrity: bytes that do not hash to the Hub's SHA-256 are never published as a blob (and the partial file
// is deleted), and verify() re-hashes a cached checkpoint to catch later corruption.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveModel, verify, isHubError } from '../../../models/hub/index.ts';
import { sha256Of } from './fake-hub.ts';
import { hubEnv, TINY_WEIGHTS, type HubEnv } from './hub-env.ts';

let env: HubEnv | undefined;
afterEach(async () => { await env?.cleanup(); env = undefined; });

const SHA = sha256Of(TINY_WEIGHTS);

test('wrong bytes from the server are refused, and the partial file is deleted', async () => {
  env = await hubEnv();
  env.hub.corrupt = true;
  await assert.rejects(resolveModel('try-on-hd'), (e) => {
    assert.ok(isHubError(e, 'hash-mismatch'), String(e));
    assert.match(e.message, new RegExp(`the Hub published ${SHA}\\); the partial file was deleted`));
    return true;
  });
  const storage = join(env.cacheDir, 'models--franciszzj--Leffa');
  const blobs = readdirSync(join(storage, 'blobs'));
  assert.ok(!blobs.includes(SHA) && !blobs.includes(`${SHA}.incomplete`), `blobs: ${blobs.join(', ')}`);
  assert.ok(!existsSync(join(storage, 'snapshots', env.hub.commit, 'virtual_tryon.pth')));

  // The next attempt against a healthy server starts over and succeeds.
  env.hub.corrupt = false;
  const rec = await resolveModel('try-on-hd');
  assert.equal(rec.sha256, SHA);
});

test('verify() re-hashes the cached file: OK when intact', async () => {
  env = await hubEnv();
  const rec = await resolveModel('try-on-hd');
  const requests = env.hub.requests.length;
  const r = await verify('try-on-hd');
  assert.deepEqual(r, { id: 'try-on-hd', path: rec.path, size: TINY_WEIGHTS.length, expected: SHA, actual: SHA, ok: true, removed: false });
  assert.equal(env.hub.requests.length, requests, 'the blob name is the expected hash: no request');
});

test('verify() reports a corrupted cache file and can remove it for a fresh download', async () => {
  env = await hubEnv();
  await resolveModel('try-on-hd');
  const blob = join(env.cacheDir, 'models--franciszzj--Leffa', 'blobs', SHA);
  const bad = Buffer.from(TINY_WEIGHTS);
  bad[1000] ^= 1;
  writeFileSync(blob, bad);

  const r = await verify('try-on-hd');
  assert.equal(r.ok, false);
  assert.equal(r.expected, SHA);
  assert.equal(r.actual, sha256Of(bad));
  assert.ok(existsSync(blob), 'not removed unless asked');

  const r2 = await verify('try-on-hd', { removeIfCorrupt: true });
  assert.equal(r2.removed, true);
  assert.ok(!existsSync(blob));
  const rec = await resolveModel('try-on-hd'); // downloads again
  assert.equal((await verify('try-on-hd')).ok, true);
  assert.equal(rec.sha256, SHA);
});

test('verify() of a model that is not cached says so', async () => {
  env = await hubEnv();
  await assert.rejects(verify('try-on-dc'), (e) => isHubError(e, 'not-cached') && /try-on-dc .*not in the Hugging Face cache/.test(e.message));
});
