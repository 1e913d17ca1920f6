// WorkersStore (who runs the project's cells, and the queue settings) against a scripted api.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { QueueSettingsInfo, QueueWorker, QueueWorkers } from '../../preload/contract.ts';
import { deferred, fakeApi, fails, tick } from './fake-api.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { WorkersStore } = await import('../../renderer/src/lib/state/workers.svelte.ts');

function worker(name: string, online: boolean): QueueWorker {
  return {
    name, backend: 'cuda', gpu: 'H100', host: 'gpu-box', online, lastSeen: 1, current: null, cellsDone: 0, cellsFailed: 0,
    stepMs: null, secondsPerImage: null,
  };
}

const local: QueueSettingsInfo = { settings: { kind: 'local' }, active: 'local', connected: null, coordinatorUrl: null };

test('workers: load and pushed queue:workers events; online counts the online ones; dispose stops listening', async () => {
  const api = fakeApi({ 'queue:workers': { mode: 'local', items: [worker('this computer', true)] } });
  const w = new WorkersStore(api);
  assert.equal(w.online, 0, 'nothing loaded yet');
  const off = w.connect();
  await w.load();
  assert.equal(w.online, 1);
  const team: QueueWorkers = { mode: 'team', items: [worker('a', true), worker('b', false), worker('c', true)] };
  api.emit('queue:workers', team);
  assert.equal(w.workers?.mode, 'team');
  assert.equal(w.online, 2);
  off();
  assert.equal(api.listenerCount('queue:workers'), 0);
  api.emit('queue:workers', { mode: 'local', items: [] });
  assert.equal(w.online, 2, 'events after dispose change nothing');

  api.handlers['queue:workers'] = fails('no project is open', 'validation');
  await w.load();
  assert.equal(w.error, 'Could not load the workers: no project is open');
  assert.equal(w.workers?.items.length, 3, 'the last list stays');
});

test('workers: settings load, save switches the queue and reloads the workers; the host error of a saved setting shows', async () => {
  const api = fakeApi({
    'queue:settings': local,
    'queue:workers': { mode: 'team', items: [] },
    'queue:saveSettings': (input) => ({
      settings: input.kind === 'team' ? { kind: 'team', redisUrl: input.redisUrl, queueName: 'leffa' } : { kind: 'local' },
      active: 'local', connected: false, error: 'ECONNREFUSED 10.0.0.5:6379', coordinatorUrl: null,
    }),
  });
  const w = new WorkersStore(api);
  await w.loadSettings();
  assert.equal(w.settings?.active, 'local');
  assert.equal(await w.save({ kind: 'team', redisUrl: 'redis://10.0.0.5:6379' }), true);
  assert.deepEqual(api.callsTo('queue:saveSettings'), [{ kind: 'team', redisUrl: 'redis://10.0.0.5:6379' }]);
  assert.equal(w.connectionError, 'ECONNREFUSED 10.0.0.5:6379', 'saved, but the host could not switch: its reason shows');
  assert.equal(w.settingsError, null, 'the save itself worked');
  assert.equal(api.callsTo('queue:workers').length, 1, 'the workers are read again');
  assert.equal(w.workers?.mode, 'team');
  assert.equal(w.saving, false);

  api.handlers['queue:saveSettings'] = fails('redisUrl must start with redis://', 'validation');
  assert.equal(await w.save({ kind: 'team', redisUrl: 'http://x' }), false);
  assert.equal(w.settingsError, 'Could not save the queue settings: redisUrl must start with redis://');
  assert.equal(w.saving, false);
  api.handlers['queue:settings'] = fails('gone', 'unavailable');
  await w.loadSettings();
  assert.match(w.settingsError!, /^Could not load the queue settings: gone \(The app server/);
});

test('workers: test connection sends the password file only when given, and a rejected test reads as a failed one', async () => {
  const answer = deferred<{ ok: boolean; message: string }>();
  const api = fakeApi({ 'queue:testConnection': () => answer.promise });
  const w = new WorkersStore(api);
  const testing = w.testConnection('redis://r:6379');
  await tick();
  assert.equal(w.testing, true);
  assert.equal(w.test, null);
  answer.resolve({ ok: true, message: 'PONG in 3 ms' });
  await testing;
  assert.deepEqual(w.test, { ok: true, message: 'PONG in 3 ms' });
  assert.equal(w.testing, false);
  api.handlers['queue:testConnection'] = fails('WRONGPASS', 'forbidden');
  await w.testConnection('redis://r:6379', '/secrets/redis.pw');
  assert.deepEqual(api.callsTo('queue:testConnection'), [{ redisUrl: 'redis://r:6379' }, { redisUrl: 'redis://r:6379', passwordFile: '/secrets/redis.pw' }]);
  assert.deepEqual(w.test, { ok: false, message: 'Could not test the connection: WRONGPASS' });
  assert.equal(w.testing, false);
});

test('workers: the Redis error follows the host: a queue state event re-reads the settings once they were loaded', async () => {
  const connecting: QueueSettingsInfo = {
    settings: { kind: 'team', redisUrl: 'redis://127.0.0.1:1/0', queueName: 'leffa-cells' }, active: 'team', connected: null, coordinatorUrl: null,
  };
  let now: QueueSettingsInfo = connecting;
  const api = fakeApi({ 'queue:settings': () => now });
  const w = new WorkersStore(api);
  const off = w.connect();
  api.emit('queue:event', { type: 'state', paused: false, runnerActive: false });
  await tick();
  assert.equal(api.callsTo('queue:settings').length, 0, 'nothing loaded yet: nothing to re-read');
  await w.loadSettings();
  assert.equal(w.connectionError, null, 'connecting, no error yet');

  now = { ...connecting, error: 'Redis: connect ECONNREFUSED 127.0.0.1:1' };
  api.emit('queue:event', { type: 'state', paused: false, runnerActive: false });
  await tick();
  assert.equal(api.callsTo('queue:settings').length, 2);
  assert.equal(w.connectionError, 'Redis: connect ECONNREFUSED 127.0.0.1:1');
  assert.equal(w.settings?.connected, null, 'still trying');
  api.emit('queue:event', { type: 'jobs-added', batchId: 1, created: 1 });
  await tick();
  assert.equal(api.callsTo('queue:settings').length, 2, 'only state events re-read the settings');

  now = { ...connecting, connected: true };
  api.emit('queue:event', { type: 'state', paused: false, runnerActive: true });
  await tick();
  assert.equal(w.connectionError, null, 'connected: the error is gone');
  assert.equal(w.settings?.connected, true);

  // An older answer that arrives last does not overwrite a newer one.
  const slow = deferred<QueueSettingsInfo>();
  api.handlers['queue:settings'] = () => slow.promise;
  const first = w.loadSettings();
  api.handlers['queue:settings'] = () => ({ ...connecting, connected: false, error: 'Redis: WRONGPASS' });
  await w.loadSettings();
  slow.resolve({ ...connecting, connected: true });
  await first;
  assert.equal(w.connectionError, 'Redis: WRONGPASS');

  off();
  assert.equal(api.listenerCount('queue:event'), 0);
  assert.equal(api.listenerCount('queue:workers'), 0);
});
