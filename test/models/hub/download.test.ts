// A first-run download end to end against the fake Hub: the checkpoint lands in the standard Hub cache
// layout, is verified, opens with the engine's checkpoint reader with the fixture's keys, and a second
// resolve uses the cache without any request.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, readlinkSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint } from '../../../models/io/index.ts';
import { downloadModels, resolveModel, type DownloadProgress } from '../../../models/hub/index.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { gitOidOf, sha256Of } from './fake-hub.ts';
import { hubEnv, MODEL_CARD, TINY_WEIGHTS, type HubEnv } from './hub-env.ts';

let env: HubEnv | undefined;
afterEach(async () => { await env?.cleanup(); env = undefined; });

const SHA = sha256Of(TINY_WEIGHTS);

test('downloads try-on-hd into the Hub cache layout and returns a record', async () => {
  env = await hubEnv();
  const events: DownloadProgress[] = [];
  const rec = await resolveModel('try-on-hd', { onProgress: (p) => events.push(p) });

  assert.deepEqual(rec, {
    id: 'try-on-hd', repo: 'franciszzj/Leffa', revision: env.hub.commit, file: 'virtual_tryon.pth',
    sha256: SHA, size: TINY_WEIGHTS.length, licence: 'mit',
    path: join(env.cacheDir, 'models--franciszzj--Leffa', 'snapshots', env.hub.commit, 'virtual_tryon.pth'),
  });
  const storage = join(env.cacheDir, 'models--franciszzj--Leffa');
  // Python's layout: relative symlinks into blobs/, refs/main holding the commit without a newline.
  assert.equal(readlinkSync(rec.path), join('..', '..', 'blobs', SHA));
  assert.equal(readFileSync(join(storage, 'refs', 'main'), 'utf8'), env.hub.commit);
  assert.ok(lstatSync(join(storage, 'snapshots', env.hub.commit, 'README.md')).isSymbolicLink());
  assert.equal(readlinkSync(join(storage, 'snapshots', env.hub.commit, 'README.md')), join('..', '..', 'blobs', gitOidOf(MODEL_CARD)));
  assert.deepEqual(readdirSync(join(storage, 'blobs')).sort(), [SHA, gitOidOf(MODEL_CARD)].sort()); // no .incomplete left
  assert.deepEqual(env.hub.unknown, []);

  const last = events.at(-1)!;
  assert.equal(last.phase, 'downloading');
  assert.equal(last.done, true);
  assert.equal(last.bytes, TINY_WEIGHTS.length);
  assert.equal(last.total, TINY_WEIGHTS.length);
  assert.equal(last.etaSeconds, 0);
});

test('the downloaded checkpoint opens with openCheckpoint and has the fixture keys', async () => {
  env = await hubEnv();
  const rec = await resolveModel('try-on-hd');
  // fixture.json lists the state-dict keys (in order) with their shapes.
  const fixture = JSON.parse(readFileSync(join(fixturesDir, 'leffa-tiny', 'fixture.json'), 'utf8')) as { weights: { keys: Record<string, number[]> } };
  const expected = Object.keys(fixture.weights.keys);
  const src = openCheckpoint(rec.path);
  try {
    const keys = src.keys();
    assert.equal(keys.length, expected.length);
    assert.ok(keys.every((k, i) => k === expected[i]), 'same keys in the same order');
    assert.ok(keys.every((k) => JSON.stringify(src.info(k).shape) === JSON.stringify(fixture.weights.keys[k])), 'same shapes');
  } finally {
    src.close();
  }
});

test('a second resolve reuses the cache without any request', async () => {
  env = await hubEnv();
  const first = await resolveModel('try-on-hd');
  const before = env.hub.requests.length;
  const second = await resolveModel('try-on-hd');
  assert.deepEqual(second, first);
  assert.equal(env.hub.requests.length, before);
});

test('the token is sent to the Hub when HF_TOKEN is set', async () => {
  env = await hubEnv();
  process.env.HF_TOKEN = 'hf_valid_test_token';
  await resolveModel('try-on-hd');
  const api = env.hub.requests.filter((r) => r.url.startsWith('/api/'));
  assert.ok(api.length > 0);
  for (const r of api) assert.equal(r.authorization, 'Bearer hf_valid_test_token');
});

test('several models download one after another, progress numbered per file', async () => {
  const xl = readFileSync(join(fixturesDir, 'leffa-tiny-xl', 'weights.pth'));
  env = await hubEnv({ files: { 'virtual_tryon.pth': TINY_WEIGHTS, 'pose_transfer.pth': xl, 'README.md': MODEL_CARD } });
  const events: DownloadProgress[] = [];
  const recs = await downloadModels(['try-on-hd', 'pose'], { onProgress: (p) => events.push(p) });
  assert.deepEqual(recs.map((r) => [r.id, r.sha256, r.size]), [['try-on-hd', SHA, TINY_WEIGHTS.length], ['pose', sha256Of(xl), xl.length]]);
  const finals = events.filter((p) => p.done).map((p) => [p.id, p.fileIndex, p.fileCount, p.bytes]);
  assert.deepEqual(finals, [['try-on-hd', 1, 2, TINY_WEIGHTS.length], ['pose', 2, 2, xl.length]]);
  // The card is shared by both: fetched once.
  assert.equal(env.hub.requests.filter((r) => r.url.endsWith('/README.md') && r.range === null).length, 1);
});

test('an unknown id in a batch fails before anything is downloaded', async () => {
  env = await hubEnv();
  await assert.rejects(downloadModels(['try-on-hd', 'bogus']), /unknown model id "bogus"/);
  assert.equal(env.hub.requests.length, 0);
});

test('two concurrent resolves of the same model share one download', async () => {
  env = await hubEnv();
  const [a, b] = await Promise.all([resolveModel('try-on-hd'), resolveModel('try-on-hd')]);
  assert.deepEqual(a, b);
  assert.equal(env.hub.requests.filter((r) => r.url.startsWith('/cdn/') && r.range === null).length, 1);
});
