// The app's queue in team mode, through the API the page uses (createHost, as Electron and serve build
// it): the project is switched to the team queue with `queue:saveSettings` (a real, password-protected
// redis-server on loopback; the password in a file, never in the project), the app serves the
// coordinator on a port of its own, and one `leffa-studio worker` process runs the tiny Leffa model.
// A 2-cell batch enqueued with `batches:enqueue` must finish with its results in the project and its
// events (cell status, progress from the worker, batch finished) on the page side; a cell cancelled
// with `queue:cancel` is never run; `queue:workers` lists the worker with its backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QueueEvent } from '../../preload/contract.ts';
import { openWorkerTokens } from '../../main/team/open-queue.ts';
import { readQueueSettings } from '../../main/team/queue-settings.ts';
import { makeHost, type TestHost } from './api-helpers.ts';
import { addTeamFixture, TINY_BASE, type TeamFixture } from './team/fixture.ts';
import { spawnWorker, stopWorker, type WorkerProcess } from './team/processes.ts';
import { startRedis, type RedisHandle } from './team/redis-server.ts';
import { tempDir } from './store/helpers.ts';

let redis: RedisHandle;
let th: TestHost;
let fx: TeamFixture;
let worker: WorkerProcess | undefined;
let passwordFile: string;

before(async () => {
  redis = await startRedis();
  th = await makeHost();
  const dir = await tempDir('leffa-team-app-');
  passwordFile = join(dir, 'redis-password');
  writeFileSync(passwordFile, `${redis.password}\n`, { mode: 0o600 });
  await th.ok('project:create', { name: 'Team app test', parent: await th.grant(dir) });
  fx = await addTeamFixture(th.host.projects.require());
});

after(async () => {
  if (worker) await stopWorker(worker);
  await th?.close();
  await redis?.stop();
});

/** Resolves with the first page-side event matching `pred` (already seen ones count). */
function queueEvent<T extends QueueEvent>(pred: (e: QueueEvent) => e is T, timeoutMs = 90_000): Promise<T> {
  const seen = th.eventsOf('queue:event').find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching queue:event within ${timeoutMs} ms; worker output:\n${worker?.output().slice(-3000)}`));
    }, timeoutMs);
    const off = th.host.events.subscribe((event, payload) => {
      if (event === 'queue:event' && pred(payload as QueueEvent)) {
        clearTimeout(timer);
        off();
        resolve(payload as unknown as T);
      }
    });
  });
}

const batchFinished = (batchId: number) => (e: QueueEvent): e is Extract<QueueEvent, { type: 'batch-finished' }> => e.type === 'batch-finished' && e.batchId === batchId;

test('team mode through the API: settings, a 2-cell batch run by a worker, cancel, workers', async () => {
  const project = th.host.projects.require();
  // Test connection first: a wrong password is refused with a reason, the right one answers.
  const wrong = join(await tempDir('leffa-team-app-pw-'), 'wrong');
  writeFileSync(wrong, 'not-the-password');
  const refused = await th.ok('queue:testConnection', { redisUrl: redis.urlWithoutPassword, passwordFile: wrong });
  assert.equal(refused.ok, false);
  assert.match(refused.message, /password/i);
  const tested = await th.ok('queue:testConnection', { redisUrl: redis.urlWithoutPassword, passwordFile });
  assert.equal(tested.ok, true, tested.message);
  assert.match(tested.redisVersion ?? '', /^\d+\.\d+/);
  // A URL with the password in it is refused (the project folder is shared).
  const refusedUrl = await th.fails('queue:saveSettings', { kind: 'team', redisUrl: redis.url, passwordFile }, 'validation', /^payload\.redisUrl: expected a Redis URL without the password/);
  assert.ok(!refusedUrl.message.includes(redis.password), 'the password is masked in the error');
  assert.match(refusedUrl.message, /received .*redis:\/\/:\*\*\*@127\.0\.0\.1/);

  const queueName = `team-app-${process.pid}`;
  const info = await th.ok('queue:saveSettings', { kind: 'team', redisUrl: redis.urlWithoutPassword, queueName, passwordFile, coordinatorPort: 0 });
  assert.equal(info.active, 'team');
  assert.equal(info.connected, true, info.error);
  assert.match(info.coordinatorUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(readQueueSettings(project.dir), { kind: 'team', redisUrl: redis.urlWithoutPassword, queueName, passwordFile, maxAttempts: 3, coordinatorPort: 0 });
  assert.equal((await th.ok('queue:state')).runnerActive, true);

  // The worker's token, issued from the app while the team queue runs (the live coordinator must accept it),
  // with the command for the GPU machine: the token in the environment, never a flag (flags show in `ps`).
  const issued = await th.ok('queue:issueWorkerToken', { name: 'gpu-a' });
  const { token } = issued;
  assert.match(token, /^lsw_/);
  assert.equal(issued.command, `LEFFA_WORKER_TOKEN=${token} leffa-studio worker --queue ${redis.urlWithoutPassword} --queue-name ${queueName} --coordinator ${info.coordinatorUrl}`);
  assert.deepEqual(issued.tokens.map((t) => [t.name, t.revokedAt]), [['gpu-a', null]]);
  assert.ok(!JSON.stringify(await th.ok('queue:workerTokens')).includes(token), 'listed without the token itself');

  worker = spawnWorker('gpu-a', [
    '--queue', redis.url, '--queue-name', queueName, '--coordinator', info.coordinatorUrl!, '--token', token,
    '--cache', await tempDir('leffa-worker-cache-'), '--base', TINY_BASE, '--backend', 'wasm', '--threads', '1', '--progress-ms', '1', '--json',
  ]);
  await worker.waitFor((e) => e.event === 'ready', 60_000);

  // 1 garment × 2 model photos: 2 cells, run by the worker, stored in the project.
  const enq = await th.ok('batches:enqueue', { name: 'team app', checkpointId: fx.checkpointId, garmentIds: [fx.garmentIds[0]!], modelPhotoIds: fx.modelPhotoIds, seeds: [3], settings: [{ steps: 3 }] });
  assert.equal(enq.created, 2);
  const finished = await queueEvent(batchFinished(enq.batchId));
  assert.deepEqual(finished.counts, { queued: 0, running: 0, succeeded: 2, failed: 0, cancelled: 0, total: 2 });
  const cells = (await th.ok('queue:cells', { batchId: enq.batchId })).items;
  assert.equal(cells.length, 2);
  const events = th.eventsOf('queue:event');
  for (const cell of cells) {
    assert.equal(cell.status, 'succeeded');
    assert.ok(cell.resultId !== null && cell.resultHash !== null);
    const result = await th.ok('results:get', { id: cell.resultId });
    const record = result.record as { engine: { worker: { name: string; backend: string }; backend: string } };
    assert.equal(record.engine.worker.name, 'gpu-a');
    assert.equal(record.engine.backend, 'wasm');
    // The page saw the cell start and succeed (with its result), and the worker's progress.
    assert.ok(events.some((e) => e.type === 'cell' && e.jobId === cell.jobId && e.to === 'running'));
    assert.ok(events.some((e) => e.type === 'cell' && e.jobId === cell.jobId && e.to === 'succeeded' && e.resultId === cell.resultId));
    assert.ok(events.some((e) => e.type === 'progress' && e.jobId === cell.jobId && e.steps === 3), `progress of cell ${cell.jobId} reached the page`);
  }
  assert.equal(project.db.prepare('SELECT count(*) FROM results WHERE batch_id = ?').pluck().get(enq.batchId), 2);

  // Cancel: with the queue paused (BullMQ too), a batch is queued and one of its cells cancelled; after
  // resuming, the worker runs the other one only.
  assert.equal((await th.ok('queue:pause')).paused, true);
  const enq2 = await th.ok('batches:enqueue', { name: 'team cancel', checkpointId: fx.checkpointId, garmentIds: [fx.garmentIds[1]!], modelPhotoIds: fx.modelPhotoIds, seeds: [4], settings: [{ steps: 2 }] });
  assert.equal(enq2.created, 2);
  const [victim, kept] = (await th.ok('queue:cells', { batchId: enq2.batchId })).items;
  assert.deepEqual(await th.ok('queue:cancel', { jobId: victim!.jobId }), { cancelled: 1 });
  await th.ok('queue:resume');
  const finished2 = await queueEvent(batchFinished(enq2.batchId));
  assert.deepEqual(finished2.counts, { queued: 0, running: 0, succeeded: 1, failed: 0, cancelled: 1, total: 2 });
  assert.ok(!worker.events.some((e) => e.jobId === victim!.jobId && (e.event === 'claimed' || e.event === 'run-finished')), 'the cancelled cell was never run');
  assert.ok(worker.events.some((e) => e.event === 'run-finished' && e.jobId === kept!.jobId));
  assert.equal(project.results.byJob(victim!.jobId), undefined);

  // The workers panel: the worker, its backend, its cells, its speed; no current cell now.
  const stored = () => worker!.events.filter((e) => e.event === 'stored').length;
  for (const t0 = Date.now(); stored() < 3 && Date.now() - t0 < 5000;) await new Promise((r) => setTimeout(r, 20));
  const workers = await th.ok('queue:workers');
  assert.equal(workers.mode, 'team');
  assert.deepEqual(workers.items.map((w) => [w.name, w.backend, w.online, w.cellsDone, w.current]), [['gpu-a', 'wasm', true, 3, null]]);
  assert.ok(workers.items[0]!.stepMs !== null && workers.items[0]!.secondsPerImage !== null);
  // ...and the page heard about it as a `queue:workers` event.
  for (const t0 = Date.now(); !th.eventsOf('queue:workers').some((e) => e.items.some((w) => w.cellsDone === 3)) && Date.now() - t0 < 2000;) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(th.eventsOf('queue:workers').some((e) => e.mode === 'team' && e.items.some((w) => w.name === 'gpu-a' && w.backend === 'wasm' && w.cellsDone === 3)));

  // Revoking from the app: the running coordinator refuses the token at once, and the project's file says so.
  const revoked = await th.ok('queue:revokeWorkerToken', { name: 'gpu-a' });
  assert.equal(revoked.revoked, true);
  assert.ok(revoked.tokens[0]!.revokedAt !== null);
  assert.equal(th.host.queue.liveWorkerTokens()!.verify(token), null);
  assert.equal(openWorkerTokens(project).verify(token), null);

  // A Redis that does not answer: saving reports it as not connected (yet) without hanging, and switching
  // away from it does not hang either.
  const t0 = Date.now();
  const down = await th.ok('queue:saveSettings', { kind: 'team', redisUrl: 'redis://127.0.0.1:1', queueName });
  assert.equal(down.active, 'team');
  assert.notEqual(down.connected, true);
  assert.equal((await th.ok('queue:state')).runnerActive, false);
  assert.ok(Date.now() - t0 < 8000, `saving took ${Date.now() - t0} ms`);

  // Back to the local queue: the settings say so and this computer is the one worker.
  const local = await th.ok('queue:saveSettings', { kind: 'local' });
  assert.deepEqual([local.active, local.coordinatorUrl], ['local', null]);
  assert.deepEqual((await th.ok('queue:workers')).items.map((w) => w.name), ['this-computer']);
});
