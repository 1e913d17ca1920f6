// The team queue's Redis error in the queue settings (queue:settings, and a `state` queue:event whenever it
// changes): a real connection to a closed port on 127.0.0.1 (retried for ever: "connecting" with the error,
// not only a log line), a real redis-server refusing the password, and a connection lost and found again.
// What is shown is redacted: URL passwords, worker tokens and the Redis password itself are masked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { redisErrorText } from '../../main/services/queue-service.ts';
import type { QueueSettingsInfo } from '../../preload/contract.ts';
import { makeHost, type TestHost } from './api-helpers.ts';
import { startRedis, type RedisHandle } from './team/redis-server.ts';

let th: TestHost;
let redis: RedisHandle | undefined;

before(async () => {
  th = await makeHost();
  await th.ok('project:create', { name: 'Redis error' });
});
after(async () => {
  await th?.close();
  await redis?.stop();
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function passwordFile(name: string, password: string): string {
  const file = join(th.dir, name);
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return file;
}

async function settingsWhen(check: (s: QueueSettingsInfo) => boolean, what: string, timeoutMs = 20_000): Promise<QueueSettingsInfo> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await th.ok('queue:settings', {});
    if (check(s)) return s;
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stateEvents = () => th.eventsOf('queue:event').filter((e) => e.type === 'state').length;

test('redisErrorText: the message (or an AggregateError\'s, or the code), with passwords and tokens masked', () => {
  assert.equal(redisErrorText(new Error('connect to redis://default:hunter2@10.0.0.5:6379/0 refused')), 'Redis: connect to redis://default:***@10.0.0.5:6379/0 refused');
  assert.equal(redisErrorText(new Error('WRONGPASS hunter2 is not it'), ['hunter2']), 'Redis: WRONGPASS *** is not it');
  assert.equal(redisErrorText(new Error('token lsw_abcdefghijklmnopqrstuvwxyz refused')), 'Redis: token lsw_*** refused');
  const both = new AggregateError([new Error('connect ECONNREFUSED ::1:6379'), new Error('connect ECONNREFUSED 127.0.0.1:6379')], '');
  assert.equal(redisErrorText(both), 'Redis: connect ECONNREFUSED ::1:6379; connect ECONNREFUSED 127.0.0.1:6379');
  assert.equal(redisErrorText(Object.assign(new Error(''), { code: 'ETIMEDOUT' })), 'Redis: ETIMEDOUT');
  assert.equal(redisErrorText('down'), 'Redis: down');
});

test('a Redis that does not answer: connecting, with the connection error in the settings, not the password', { timeout: 60_000 }, async () => {
  const port = await closedPort();
  const secret = 'hunter2-not-shown';
  const eventsBefore = stateEvents();
  const saved = await th.ok('queue:saveSettings', { kind: 'team', redisUrl: `redis://127.0.0.1:${port}/0`, passwordFile: passwordFile('pw-closed', secret) });
  assert.equal(saved.active, 'team');
  assert.equal(saved.connected, null, 'still trying: ioredis retries for ever');
  const s = await settingsWhen((x) => x.error !== undefined, 'the connection error');
  assert.match(s.error!, new RegExp(`^Redis: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`));
  assert.equal(s.connected, null);
  assert.ok(!JSON.stringify(s).includes(secret), 'the password is never shown');
  assert.ok(stateEvents() > eventsBefore, 'the page hears that something changed');
  // The same error again (each retry) is not announced again.
  const n = stateEvents();
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(stateEvents(), n, 'no event per retry');
});

test('a real Redis: a wrong password shows its refusal; the right one connects; a lost connection shows, then recovers', { timeout: 90_000 }, async () => {
  redis = await startRedis();
  const wrong = 'wrong-secret-4711';
  await th.ok('queue:saveSettings', { kind: 'team', redisUrl: `${redis.urlWithoutPassword}/0`, passwordFile: passwordFile('pw-wrong', wrong) });
  const refused = await settingsWhen((x) => x.error !== undefined, 'the refusal');
  assert.match(refused.error!, /^Redis: .*(WRONGPASS|invalid password|invalid username-password)/i);
  assert.notEqual(refused.connected, true);
  assert.ok(!refused.error!.includes(wrong) && !refused.error!.includes(redis.password));

  const ok = await th.ok('queue:saveSettings', { kind: 'team', redisUrl: `${redis.urlWithoutPassword}/0`, passwordFile: passwordFile('pw-right', redis.password) });
  assert.equal(ok.connected, true);
  assert.equal(ok.error, undefined, 'connected: no error');

  // Redis goes away for a while: connecting again, with why; then back.
  const restarting = redis.restart(3000);
  const lost = await settingsWhen((x) => x.connected === null && x.error !== undefined, 'the lost connection');
  assert.match(lost.error!, /^Redis: /);
  assert.ok(!lost.error!.includes(redis.password));
  await restarting;
  const back = await settingsWhen((x) => x.connected === true && x.error === undefined, 'the connection back');
  assert.equal(back.active, 'team');
});
