// Interrupted downloads continue where they stopped: the partial bytes stay in blobs/<sha256>.incomplete and
// the next attempt asks only for the rest (HTTP Range), as the Python client does. Counts the bytes the
// fake Hub sends to prove that the first part is not fetched again.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveModel, isHubError, type DownloadProgress } from '../../../models/hub/index.ts';
import { sha256Of } from './fake-hub.ts';
import { hubEnv, TINY_WEIGHTS, type HubEnv } from './hub-env.ts';

let env: HubEnv | undefined;
afterEach(async () => { await env?.cleanup(); env = undefined; });

const SHA = sha256Of(TINY_WEIGHTS);
const CUT = 2_000_000; // bytes the fake Hub sends before dropping the connection

function incompletePath(e: HubEnv): string {
  return join(e.cacheDir, 'models--franciszzj--Leffa', 'blobs', `${SHA}.incomplete`);
}

test('a download cut in the middle resumes from where it stopped on the next call', async () => {
  env = await hubEnv();
  env.hub.cutAfterBytes = CUT;

  await assert.rejects(resolveModel('try-on-hd', { retries: 0 }), (e) => {
    assert.ok(isHubError(e, 'interrupted'), String(e));
    assert.match(e.message, /interrupted at .* the partial file is kept/);
    return true;
  });
  // The client keeps what it wrote; bytes still queued in the stream when the socket died may be lost.
  const partial = statSync(incompletePath(env)).size;
  assert.ok(partial > 0 && partial <= CUT, `partial ${partial}`);
  assert.ok(!existsSync(join(env.cacheDir, 'models--franciszzj--Leffa', 'snapshots', env.hub.commit, 'virtual_tryon.pth')));

  const sentBefore = env.hub.cdnBytesSent();
  const events: DownloadProgress[] = [];
  const rec = await resolveModel('try-on-hd', { onProgress: (p) => events.push(p) });

  // Only the rest came over the wire, asked for with a Range from the partial's end.
  const data = env.hub.requests.filter((r) => r.url.startsWith('/cdn/') && r.range !== 'bytes=0-0');
  assert.equal(data.at(-1)!.range, `bytes=${partial}-`);
  assert.equal(env.hub.cdnBytesSent() - sentBefore, TINY_WEIGHTS.length - partial + 1 /* the 0-0 probe */);
  assert.deepEqual(readFileSync(rec.path), TINY_WEIGHTS);
  assert.equal(rec.sha256, SHA);
  assert.ok(!existsSync(incompletePath(env)));

  // Progress: the partial is re-hashed first, then the download reports the resume point.
  assert.ok(events.some((p) => p.phase === 'checking-partial' && p.done && p.bytes === partial));
  const last = events.filter((p) => p.phase === 'downloading').at(-1)!;
  assert.equal(last.resumedFrom, partial);
  assert.equal(last.bytes, TINY_WEIGHTS.length);
});

test('with retries, a broken connection is resumed within the same call', async () => {
  env = await hubEnv();
  env.hub.cutAfterBytes = CUT;
  env.hub.cutTimes = 2;
  const rec = await resolveModel('try-on-hd', { retries: 3, retryDelayMs: 0 });
  assert.deepEqual(readFileSync(rec.path), TINY_WEIGHTS);
  const ranges = env.hub.requests.filter((r) => r.url.startsWith('/cdn/') && r.range !== 'bytes=0-0').map((r) => r.range);
  assert.equal(ranges.length, 3);
  assert.equal(ranges[0], null);
  const [a, b] = ranges.slice(1).map((r) => Number(/^bytes=(\d+)-$/.exec(r ?? '')?.[1]));
  assert.ok(a! > 0 && a! <= CUT && b! > a! && b! <= a! + CUT, `ranges ${ranges.join(', ')}`);
});

test('a server that ignores Range restarts the file instead of appending a second copy', async () => {
  env = await hubEnv();
  env.hub.cutAfterBytes = CUT;
  await assert.rejects(resolveModel('try-on-hd', { retries: 0 }));
  env.hub.ignoreRange = true;
  const rec = await resolveModel('try-on-hd');
  assert.deepEqual(readFileSync(rec.path), TINY_WEIGHTS);
});

test('cancelling through an AbortSignal keeps the partial file, and the next call resumes it', async () => {
  env = await hubEnv();
  env.hub.cutAfterBytes = null;
  const ac = new AbortController();
  let seen = 0;
  await assert.rejects(
    resolveModel('try-on-hd', {
      signal: ac.signal,
      onProgress: (p) => { if (p.phase === 'downloading' && p.bytes > 0 && !p.done) { seen = p.bytes; ac.abort(); } },
    }),
    (e) => isHubError(e, 'aborted') && /cancelled/.test(e.message),
  );
  assert.ok(seen > 0);
  const partial = statSync(incompletePath(env)).size;
  assert.ok(partial > 0 && partial < TINY_WEIGHTS.length, `partial ${partial}`);
  const rec = await resolveModel('try-on-hd');
  assert.deepEqual(readFileSync(rec.path), TINY_WEIGHTS);
});
