// Every refusal has its own code and a message that says what to do, and none leaves a file in the cache
// that could later pass for a complete checkpoint.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveModel, isHubError, type HubErrorCode } from '../../../models/hub/index.ts';
import { hubEnv, type HubEnv } from './hub-env.ts';

let env: HubEnv | undefined;
afterEach(async () => { await env?.cleanup(); env = undefined; });

function expectCode(code: HubErrorCode, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(isHubError(e, code), `expected HubError ${code}, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  };
}

/** Nothing in snapshots/ and no finished blob: a failed call must not look like an installed model. */
function assertNoCheckpoint(e: HubEnv): void {
  const storage = join(e.cacheDir, 'models--franciszzj--Leffa');
  const snap = join(storage, 'snapshots', e.hub.commit);
  assert.ok(!existsSync(join(snap, 'virtual_tryon.pth')) && !existsSync(join(snap, 'virtual_tryon_dc.pth')));
  const blobs = existsSync(join(storage, 'blobs')) ? readdirSync(join(storage, 'blobs')) : [];
  assert.ok(blobs.every((b) => b.length !== 64), `no checkpoint blob: ${blobs.join(', ')}`);
}

test('unknown model id lists the known ids', async () => {
  env = await hubEnv();
  await assert.rejects(resolveModel('tryon-xl'), expectCode('unknown-model', /unknown model id "tryon-xl"; known ids: try-on-hd, try-on-dc, pose/));
  assert.equal(env.hub.requests.length, 0);
});

test('a file the repo does not have (HTTP 404) is file-not-found', async () => {
  env = await hubEnv(); // serves virtual_tryon.pth only, not virtual_tryon_dc.pth
  await assert.rejects(resolveModel('try-on-dc'), expectCode('file-not-found', /file "virtual_tryon_dc\.pth" does not exist in franciszzj\/Leffa/));
  assertNoCheckpoint(env);
});

test('a repo the Hub does not have is repo-not-found', async () => {
  env = await hubEnv({ repo: 'someone/else' });
  await assert.rejects(resolveModel('try-on-hd'), expectCode('repo-not-found', /repository franciszzj\/Leffa was not found .* set HF_TOKEN if it is private/));
  assertNoCheckpoint(env);
});

test('an unknown revision is revision-not-found', async () => {
  env = await hubEnv();
  await assert.rejects(resolveModel('try-on-hd', { revision: 'v9' }), expectCode('revision-not-found', /revision "v9" does not exist in franciszzj\/Leffa/));
});

test('a refused token (HTTP 401) is unauthorized', async () => {
  env = await hubEnv();
  process.env.HF_TOKEN = 'hf_revoked_token';
  await assert.rejects(resolveModel('try-on-hd'), expectCode('unauthorized', /refused the access token \(HTTP 401\).*check HF_TOKEN/));
  assertNoCheckpoint(env);
});

test('a malformed token is refused before any request', async () => {
  env = await hubEnv();
  process.env.HF_TOKEN = 'not-a-token';
  await assert.rejects(resolveModel('try-on-hd'), expectCode('bad-token', /does not start with "hf_"/));
  assert.equal(env.hub.requests.length, 0);
});

test('not enough disk space is refused before any checkpoint byte is fetched', async () => {
  env = await hubEnv();
  let askedFor = '';
  await assert.rejects(
    resolveModel('try-on-hd', { freeSpace: async (dir) => { askedFor = dir; return 1_000_000; } }),
    expectCode('disk-full', /not enough disk space to download franciszzj\/Leffa\/virtual_tryon\.pth: needs 5\.89 MB, only 1\.00 MB free/),
  );
  assert.equal(askedFor, join(env.cacheDir, 'models--franciszzj--Leffa', 'blobs'));
  assert.equal(env.hub.requests.filter((r) => r.url.startsWith('/cdn/') && r.range !== 'bytes=0-0').length, 0);
  assertNoCheckpoint(env);
  assert.ok(readdirSync(join(env.cacheDir, 'models--franciszzj--Leffa', 'blobs')).every((b) => !b.endsWith('.incomplete')));
});

test('an unreachable endpoint is a network error naming it', async () => {
  env = await hubEnv();
  const url = env.hub.url;
  await env.hub.close(); // nothing listens there any more
  await assert.rejects(resolveModel('try-on-hd'), expectCode('network', new RegExp(`cannot reach the Hugging Face Hub at ${url.replace(/\./g, '\\.')} \\(ECONNREFUSED\\).*HF_HUB_OFFLINE=1`)));
});
