// The dispatcher against a real Redis: the project's queued cells go to BullMQ once each under their
// cell key, cancel and pause reach Redis, and the project stays the record: after Redis loses its data,
// or a BullMQ job fails for good while its cell is pending, the cell is put back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { UnrecoverableError, Worker } from 'bullmq';
import { JobStore } from '../../../main/queue/index.ts';
import { cellKey } from '../../../main/team/cell-key.ts';
import { DEFAULT_PREFIX } from '../../../main/team/dispatcher.ts';
import { LocalBatchQueue } from '../../../main/team/local-queue.ts';
import { openBatchQueue } from '../../../main/team/open-queue.ts';
import { writeQueueSettings } from '../../../main/team/queue-settings.ts';
import { redisConnectionOptions } from '../../../main/team/redis-options.ts';
import { TeamBatchQueue } from '../../../main/team/team-queue.ts';
import { WorkerTokens } from '../../../main/team/worker-tokens.ts';
import { tempProject, type TempProject } from '../store/helpers.ts';
import { addFixture } from '../queue/helpers.ts';
import { startRedis, type RedisHandle } from './redis-server.ts';

let redis: RedisHandle;
let n = 0;
before(async () => { redis = await startRedis(); });
after(async () => { await redis.stop(); });

const connection = () => redisConnectionOptions(redis.urlWithoutPassword, { password: redis.password });

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  for (const t0 = Date.now(); !(await check());) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function setup(): Promise<{ t: TempProject; q: TeamBatchQueue; queueName: string; cells: string[] }> {
  const t = await tempProject();
  const fx = await addFixture(t.project, { garments: 2, people: 2 });
  const queueName = `dispatch-${process.pid}-${++n}`;
  const q = new TeamBatchQueue({ jobs: new JobStore(t.project), connection: connection(), queueName, tokens: WorkerTokens.open(null), checkEveryMs: 200 });
  await q.start();
  q.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1, 2] });
  await q.dispatcher.settled();
  return { t, q, queueName, cells: q.jobs.list().map((j) => cellKey(j.id, j.settingsHash)) };
}

const waiting = async (q: TeamBatchQueue) => {
  const c = await q.dispatcher.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
  return (c.waiting ?? 0) + (c.prioritized ?? 0);
};

test('each queued cell goes to Redis once under its key; re-syncs add nothing; cancel removes, pause pauses', async () => {
  const { t, q, cells } = await setup();
  try {
    assert.equal(cells.length, 8);
    assert.equal(await waiting(q), 8);
    const job = await q.dispatcher.queue.getJob(cells[0]!);
    assert.deepEqual(job?.data, { jobId: q.jobs.list()[0]!.id, settingsHash: q.jobs.list()[0]!.settingsHash });
    await q.dispatcher.fullSync();
    await q.dispatcher.fullSync();
    assert.equal(await waiting(q), 8, 'the key dedupes');
    q.cancelJob(q.jobs.list()[0]!.id);
    await until('the cancelled cell leaves Redis', async () => (await q.dispatcher.queue.getJob(cells[0]!)) === undefined);
    assert.equal(await waiting(q), 7);
    q.pause();
    await until('BullMQ paused', () => q.dispatcher.queue.isPaused());
    q.resume();
    await until('BullMQ resumed', async () => !(await q.dispatcher.queue.isPaused()));
  } finally {
    await q.stop();
    await t.cleanup();
  }
});

test('Redis loses its data: the project is the record, and the next check puts every pending cell back', async () => {
  const { t, q } = await setup();
  try {
    execFileSync('redis-cli', ['-p', String(redis.port), '--no-auth-warning', '-a', redis.password, 'FLUSHALL']);
    assert.equal(await waiting(q), 0);
    await until('the cells are back in Redis', async () => (await waiting(q)) === 8);
  } finally {
    await q.stop();
    await t.cleanup();
  }
});

test('a BullMQ job that failed for good while its cell is pending is retried', async () => {
  const { t, q, queueName, cells } = await setup();
  let failedOnce = false;
  const seen: string[] = [];
  // A worker that gives up on the first job it sees (as if the coordinator had stayed unreachable).
  const w = new Worker(queueName, async (job) => {
    if (!failedOnce) {
      failedOnce = true;
      throw new UnrecoverableError('coordinator unreachable');
    }
    seen.push(job.id!);
    return 'ok';
  }, { connection: connection(), prefix: DEFAULT_PREFIX });
  try {
    await until('every cell reached a worker again', () => new Set(seen).size === cells.length, 15_000);
  } finally {
    await w.close();
    await q.stop();
    await t.cleanup();
  }
});

test('openBatchQueue: local unless the project names a Redis URL; the password comes from the environment', async () => {
  const t = await tempProject();
  try {
    const local = openBatchQueue(t.project, { runCell: async () => { throw new Error('not run'); } });
    assert.ok(local instanceof LocalBatchQueue);
    assert.equal(local.kind, 'local');
    writeQueueSettings(t.dir, { kind: 'team', redisUrl: redis.urlWithoutPassword, queueName: `open-${process.pid}` });
    const team = openBatchQueue(t.project, { runCell: async () => { throw new Error('not run'); }, env: { LEFFA_REDIS_PASSWORD: redis.password } });
    assert.ok(team instanceof TeamBatchQueue);
    await team.start();
    assert.deepEqual(team.workers(), []);
    await team.stop();
  } finally {
    await t.cleanup();
  }
});
