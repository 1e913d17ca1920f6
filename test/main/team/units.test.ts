// The small pieces of the team queue: cell keys, the result frame, redaction, Redis URL policy, the
// project's queue settings, the worker's blob cache, and the worker command's refusals (before it
// starts anything).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cellKey, parseCellKey } from '../../../main/team/cell-key.ts';
import { decodeResultFrame, encodeResultFrame } from '../../../main/team/result-frame.ts';
import { redactSecrets, redactUrl } from '../../../main/team/redact.ts';
import { redisConnectionOptions } from '../../../main/team/redis-options.ts';
import { readQueueSettings, redisPassword, settingsPath, writeQueueSettings } from '../../../main/team/queue-settings.ts';
import { BlobCache, BlobHashMismatch } from '../../../main/team/worker-cache.ts';
import { runWorkerCommand } from '../../../main/team/worker-command.ts';
import { CoordinatorClient, CoordinatorError } from '../../../main/team/worker-client.ts';
import { serveCoordinator } from './processes.ts';
import { tempDir } from '../store/helpers.ts';

const H = 'ab'.repeat(32);

test('cell key: job id plus settings hash, parsed back; anything else is not a key', () => {
  const key = cellKey(12, H);
  assert.equal(key, `cell-12-${H}`);
  assert.deepEqual(parseCellKey(key), { jobId: 12, settingsHash: H });
  for (const bad of ['12', `cell-0-${H}`, `cell-12-${H.toUpperCase()}`, `cell-12-${H}x`, `cell-1:2-${H}`]) assert.equal(parseCellKey(bad), null, bad);
  assert.throws(() => cellKey(0, H), /jobId = 0/);
  assert.throws(() => cellKey(1, 'x'), /settingsHash/);
});

test('result frame: header and image round-trip; a short or lying body is refused', () => {
  const image = Buffer.from([1, 2, 3, 4, 5]);
  const { header, image: back } = decodeResultFrame(encodeResultFrame({ a: 1 }, image));
  assert.deepEqual(header, { a: 1 });
  assert.ok(back.equals(image));
  assert.throws(() => decodeResultFrame(Buffer.from([0, 0])), /4-byte/);
  assert.throws(() => decodeResultFrame(Buffer.from([0, 0, 1, 0, 1])), /does not fit/);
});

test('secrets never survive redaction: Redis passwords in URLs, worker tokens in text', () => {
  assert.equal(redactUrl('redis://user:s3cret@10.0.0.5:6379/0'), 'redis://user:***@10.0.0.5:6379/0');
  assert.equal(redactUrl('http://h/?token=abc&x=1'), 'http://h/?token=***&x=1');
  const text = redactSecrets('connect redis://:pw123@host:1 failed with lsw_AAAAAAAAAAAAAAAAAAAAAAAAAAAA', ['pw123']);
  assert.ok(!text.includes('pw123') && !text.includes('lsw_AAAA'), text);
});

test('Redis policy: loopback may go without a password, other hosts may not; rediss means TLS', () => {
  const local = redisConnectionOptions('redis://127.0.0.1:6390/2');
  assert.deepEqual([local.host, local.port, local.db, local.password, local.maxRetriesPerRequest], ['127.0.0.1', 6390, 2, undefined, null]);
  assert.throws(() => redisConnectionOptions('redis://redis.studio.lan:6379'), /not on this machine and no password/);
  const remote = redisConnectionOptions('redis://leffa:pw@redis.studio.lan', {}, 'w1');
  assert.deepEqual([remote.username, remote.password, remote.port, remote.connectionName, remote.tls], ['leffa', 'pw', 6379, 'w1', undefined]);
  assert.equal(redisConnectionOptions('rediss://redis.studio.lan', { password: 'x' }).tls.servername, 'redis.studio.lan');
  assert.throws(() => redisConnectionOptions('http://x'), /expected redis: or rediss:/);
  assert.throws(() => redisConnectionOptions('redis://127.0.0.1/abc'), /database number/);
  try {
    redisConnectionOptions('redis://:topsecret@10.1.1.1/x');
  } catch (err) {
    assert.ok(!(err as Error).message.includes('topsecret'));
  }
});

test('project queue settings: local by default; a team setting never stores the Redis password', async () => {
  const dir = await tempDir();
  assert.deepEqual(readQueueSettings(dir), { kind: 'local' });
  assert.throws(() => writeQueueSettings(dir, { kind: 'team', redisUrl: 'redis://:pw@redis.lan:6379' }), /without the password/);
  assert.equal(existsSync(settingsPath(dir)), false);
  const team = writeQueueSettings(dir, { kind: 'team', redisUrl: 'redis://redis.lan:6379/1' });
  assert.deepEqual(team, { kind: 'team', redisUrl: 'redis://redis.lan:6379/1', queueName: 'leffa-cells', maxAttempts: 3 });
  assert.deepEqual(readQueueSettings(dir), team);
  if (team.kind !== 'team') throw new Error('unreachable');
  assert.equal(redisPassword(team, { LEFFA_REDIS_PASSWORD: 'from-env' }), 'from-env');
  writeFileSync(join(dir, 'pw'), 'from-file\n');
  assert.equal(redisPassword({ ...team, passwordFile: join(dir, 'pw') }, {}), 'from-file');
  assert.throws(() => writeQueueSettings(dir, { kind: 'team', redisUrl: 'redis://x', queueName: 'bad name' } as never), /queueName/);
});

test('blob cache: a download is checked against its hash, resumed from a partial file, and kept by hash', async () => {
  const root = await tempDir('leffa-cache-');
  const cache = new BlobCache(root, 10);
  const bytes = Buffer.from('checkpoint bytes, pretend gigabytes');
  const hash = createHash('sha256').update(bytes).digest('hex');
  const asked: number[] = [];
  const source = async (_h: string, offset: number) => {
    asked.push(offset);
    return (async function* () { yield bytes.subarray(offset); })();
  };
  await mkdir(join(root, 'checkpoints'), { recursive: true });
  writeFileSync(join(root, 'checkpoints', `${hash}.part`), bytes.subarray(0, 11)); // an interrupted download
  const path = await cache.ensure('checkpoints', hash, source);
  assert.equal(path, join(root, 'checkpoints', hash));
  assert.ok(readFileSync(path).equals(bytes));
  assert.deepEqual(asked, [11], 'resumed where it stopped');
  await cache.ensure('checkpoints', hash, source);
  assert.deepEqual(asked, [11], 'cached: not fetched again');

  const wrong = 'c'.repeat(64);
  await assert.rejects(cache.ensure('inputs', wrong, source), BlobHashMismatch);
  assert.equal(existsSync(join(root, 'inputs', wrong)) || existsSync(join(root, 'inputs', `${wrong}.part`)), false, 'nothing kept');

  // Inputs beyond the room (10 bytes here) go, least recently used first; those in use stay.
  const input = async (text: string) => {
    const b = Buffer.from(text);
    const h = createHash('sha256').update(b).digest('hex');
    await cache.ensure('inputs', h, async () => (async function* () { yield b; })());
    return h;
  };
  const [h1, h2] = [await input('input one'), await input('input two')];
  assert.equal(await cache.pruneInputs(new Set([h1])), 1);
  assert.deepEqual([cache.has('inputs', h1), cache.has('inputs', h2), cache.has('checkpoints', hash)], [true, false, true]);
});

test('worker command: refuses to start without a token, with plain http off loopback, or with an open remote Redis', async () => {
  const run = async (args: string[], env: Record<string, string | undefined> = {}) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    let out = '';
    try {
      const code = await runWorkerCommand(args, { stdout: (s) => (out += s), stderr: (s) => (out += s), isTTY: false });
      return { code, out };
    } finally {
      process.env = saved;
    }
  };
  const token = 'lsw_0123456789abcdefghijklmnopqrstuvwxyzABCD';
  const base = ['--queue', 'redis://127.0.0.1:1', '--coordinator', 'http://127.0.0.1:2'];
  assert.equal((await run(['--help'])).code, 0);
  let r = await run(base, { LEFFA_WORKER_TOKEN: undefined });
  assert.equal(r.code, 2);
  assert.match(r.out, /a worker token is required/);
  r = await run([...base, '--token', 'nope']);
  assert.match(r.out, /malformed/);
  r = await run(['--queue', 'redis://127.0.0.1:1', '--coordinator', 'http://studio.lan:8080', '--token', token]);
  assert.equal(r.code, 2);
  assert.match(r.out, /plain http off this machine/);
  r = await run(['--queue', 'redis://redis.lan:6379', '--coordinator', 'https://studio.lan', '--token', token]);
  assert.equal(r.code, 2);
  assert.match(r.out, /no password is set/);
  r = await run([...base, '--token', token, '--bogus']);
  assert.equal(r.code, 2);
  assert.ok(!r.out.includes(token), 'the token is never printed');
});

test('worker client: a coordinator of an older release (another protocol prefix) is named as such, not retried', async () => {
  // What a v1 coordinator answered for any path outside /team/v1/.
  const server = await serveCoordinator(async (req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: `${req.url}: this coordinator speaks /team/v1/` }));
    return true;
  });
  try {
    const client = new CoordinatorClient(server.url, `lsw_${'x'.repeat(40)}`, { retryForMs: 0 });
    await assert.rejects(client.hello({ backend: 'wasm', gpu: null, engineVersion: 'x', host: 'h', pid: 1 }), (err: Error) => {
      assert.ok(err instanceof CoordinatorError);
      assert.match(err.message, /this coordinator speaks \/team\/v1\/.*: it runs another Leffa Studio version than this worker \(team protocol v2\); run the same version on both$/);
      return true;
    });
  } finally {
    await server.close();
  }
});
