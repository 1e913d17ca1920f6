// Small pure pieces of the manager: licence parsing from a model card, speed/ETA of progress events,
// human sizes, and the settings read from the HF_* environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { getHFHubCachePath } from '@huggingface/hub';
import { licenceFromCard } from '../../../models/hub/model-card.ts';
import { ProgressTracker, type DownloadProgress } from '../../../models/hub/progress.ts';
import { formatBytes, formatDuration } from '../../../models/hub/format.ts';
import { resolveHubSettings } from '../../../models/hub/settings.ts';
import { gitBlobOid } from '../../../models/hub/hash.ts';

test('licence: the front matter `license:` key, quoted or not, CRLF or not', () => {
  assert.equal(licenceFromCard('---\nlicense: mit\n---\n# x'), 'mit');
  assert.equal(licenceFromCard('\uFEFF---\r\ntags:\r\n  - a\r\nlicense: "cc-by-nc-sa-4.0"  # NC\r\n---\r\n'), 'cc-by-nc-sa-4.0');
  assert.equal(licenceFromCard('---\nlicense: other\nlicense_name: leffa-research\n---\n'), 'other: leffa-research');
  assert.equal(licenceFromCard('# no front matter\nlicense: mit\n'), null);
  assert.equal(licenceFromCard('---\ntags:\n  - license: nested\n---\n'), null);
});

test('progress: speed over the window, ETA from the current rate, throttled events', () => {
  let now = 0;
  const events: DownloadProgress[] = [];
  const t = new ProgressTracker(
    { file: 'f', phase: 'downloading', total: 1000, resumedFrom: 0, fileIndex: 1, fileCount: 1 },
    (p) => events.push(p), { intervalMs: 100, windowMs: 1000, now: () => now });
  t.update(0); // first event always goes out
  now = 50; t.update(50); // throttled
  now = 500; t.update(500);
  now = 1000; t.update(600, false);
  now = 1001; t.update(1000, true); // final always goes out
  assert.deepEqual(events.map((e) => e.bytes), [0, 500, 600, 1000]);
  assert.equal(events[1]!.bytesPerSecond, 1000); // 500 B in 0.5 s
  assert.equal(events[1]!.etaSeconds, 0.5);
  assert.equal(events[0]!.etaSeconds, null); // no rate yet
  assert.equal(events.at(-1)!.done, true);
  assert.equal(events.at(-1)!.etaSeconds, 0);
});

test('format: decimal units as the Hub shows them', () => {
  assert.equal(formatBytes(7_210_875_324), '7.21 GB');
  assert.equal(formatBytes(20_874_417_084), '20.9 GB');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatDuration(3725), '1h02m');
  assert.equal(formatDuration(65), '1m05s');
  assert.equal(formatDuration(Infinity), '--');
});

test('git blob oid matches `git hash-object`', () => {
  assert.equal(gitBlobOid(Buffer.from('hello\n')), 'ce013625030ba8dba906f756967f9e9ca394464a');
});

test('settings: HF_* environment, the same cache path as the library, explicit options win', () => {
  const keys = ['HF_HOME', 'HF_HUB_CACHE', 'HF_ENDPOINT', 'HF_TOKEN', 'HF_HUB_OFFLINE', 'HF_TOKEN_PATH'];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  try {
    for (const k of keys) delete process.env[k];
    process.env.HF_HOME = '/data/hf-home-test';
    process.env.HF_ENDPOINT = 'http://mirror.invalid/';
    process.env.HF_HUB_OFFLINE = 'YES';
    process.env.HF_TOKEN_PATH = '/nonexistent/token';
    const s = resolveHubSettings();
    assert.deepEqual(s, { cacheDir: join('/data/hf-home-test', 'hub'), endpoint: 'http://mirror.invalid', token: undefined, offline: true });
    assert.equal(s.cacheDir, getHFHubCachePath());
    process.env.HF_HUB_CACHE = '/data/other-cache';
    assert.equal(resolveHubSettings().cacheDir, '/data/other-cache');
    assert.equal(resolveHubSettings({ offline: false, cacheDir: '/x' }).offline, false);
    assert.equal(resolveHubSettings({ cacheDir: '/x' }).cacheDir, '/x');
  } finally {
    for (const k of keys) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
});
