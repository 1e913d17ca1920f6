// The team queue end to end, on loopback: a password-protected redis-server (AOF on, in a temp folder),
// the coordinator of a real project on its own HTTP server, and two `leffa-studio worker` processes
// running the tiny Leffa model. A 3 garments × 2 model photos × 2 seeds batch must end with exactly one
// result per cell whose PNG bytes equal what the local queue produces for the same cell; then the same
// with a worker SIGKILLed mid-cell, and with Redis restarted mid-batch. A LoRA batch (a real adapter on
// the tiny model) runs on a worker as on the local queue: same PNG bytes, same record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { EngineSupervisor } from '../../../main/engine-host/supervisor.ts';
import { JobStore } from '../../../main/queue/index.ts';
import { LocalBatchQueue } from '../../../main/team/local-queue.ts';
import { TeamBatchQueue } from '../../../main/team/team-queue.ts';
import { localRunCell, supervisorEngine } from '../../../main/team/engine-cell.ts';
import { redisConnectionOptions } from '../../../main/team/redis-options.ts';
import { openWorkerTokens } from '../../../main/team/open-queue.ts';
import { tempDir, tempProject, type TempProject } from '../store/helpers.ts';
import { addTeamFixture, addTeamLora, batchOf, loraBatchOf, TINY_BASE } from './fixture.ts';
import { serveCoordinator, spawnWorker, stopWorker, type WorkerEventLine, type WorkerProcess } from './processes.ts';
import { startRedis, type RedisHandle } from './redis-server.ts';

let redis: RedisHandle;
/** settings hash → PNG bytes the local queue made for that cell. */
const local = new Map<string, Buffer>();
/** The LoRA cells on the local queue: settings hash → PNG bytes and stored record; and `garment:person:seed` → the base model's PNG. */
const localLora = new Map<string, { png: Buffer; record: Record<string, unknown> }>();
const localBase = new Map<string, Buffer>();
let queueNo = 0;

before(async () => {
  redis = await startRedis();
  // The reference: the same batch on the local queue, through the same engine host.
  const t = await tempProject();
  const engine = supervisorEngine(new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} }));
  try {
    const fx = await addTeamFixture(t.project);
    const lora = await addTeamLora(t.project, fx);
    const q = new LocalBatchQueue(new JobStore(t.project), localRunCell(engine, { base: () => TINY_BASE, project: t.project }));
    assert.equal(q.enqueueBatch(batchOf(fx)).created, 12);
    assert.equal(q.enqueueBatch(loraBatchOf(fx, lora.checkpointId)).created, 2);
    await q.start();
    await q.whenIdle();
    await q.stop();
    for (const job of q.jobs.list()) {
      assert.equal(job.status, 'succeeded', `local cell ${job.id}: ${job.error?.message}`);
      const result = t.project.results.byJob(job.id)!;
      const png = readFileSync(t.project.blobPath(result.blobHash));
      if (job.checkpointId === lora.checkpointId) localLora.set(job.settingsHash, { png, record: result.record as Record<string, unknown> });
      else {
        local.set(job.settingsHash, png);
        localBase.set(`${job.garmentId}:${job.modelPhotoId}:${job.seed}`, png);
      }
    }
  } finally {
    await engine.close();
    await t.cleanup();
  }
});

after(async () => {
  await redis?.stop();
});

interface Team {
  t: TempProject;
  queue: TeamBatchQueue;
  workers: WorkerProcess[];
  logs: string[];
  tokens: string[];
  /** Each worker's --cache folder. */
  caches: string[];
  close(): Promise<void>;
}

/** A project with the fixture, its team queue and coordinator, and two workers (ready, not yet fed). */
async function startTeam(workerEnv: Record<string, string>[] = [{}, {}]): Promise<Team> {
  const t = await tempProject();
  const logs: string[] = [];
  const queueName = `team-test-${process.pid}-${++queueNo}`;
  const tokens = openWorkerTokens(t.project);
  const queue = new TeamBatchQueue({
    jobs: new JobStore(t.project), connection: redisConnectionOptions(redis.urlWithoutPassword, { password: redis.password }),
    queueName, tokens, checkEveryMs: 1000, log: (l) => logs.push(l),
  });
  const server = await serveCoordinator(queue.handler);
  const issued = workerEnv.map((_, i) => tokens.issue(`gpu-${String.fromCharCode(97 + i)}`).token);
  const caches = await Promise.all(workerEnv.map(() => tempDir('leffa-worker-cache-')));
  const workers = await Promise.all(workerEnv.map(async (env, i) => {
    const args = [
      '--queue', redis.url, '--queue-name', queueName, '--coordinator', server.url, '--cache', caches[i]!,
      '--base', TINY_BASE, '--backend', 'wasm', '--threads', '1', '--lock-seconds', '4', '--stalled-seconds', '1', '--json',
    ];
    // One worker gets its token as a flag (as documented), the other through the environment.
    return i === 0 ? spawnWorker(`gpu-a`, [...args, '--token', issued[0]!], env) : spawnWorker(`gpu-${String.fromCharCode(97 + i)}`, args, { ...env, LEFFA_WORKER_TOKEN: issued[i]! });
  }));
  await Promise.all(workers.map((w) => w.waitFor((e) => e.event === 'ready', 60_000)));
  return {
    t, queue, workers, logs, tokens: issued, caches,
    async close() {
      await Promise.all(workers.map(stopWorker));
      await queue.stop();
      await server.close();
      await t.cleanup();
    },
  };
}

/** Enqueues the 3×2×2 batch, starts dispatching, and waits (bounded) for it to finish. */
async function runBatch(team: Team, during?: (team: Team) => Promise<void>): Promise<void> {
  const fx = await addTeamFixture(team.t.project);
  assert.equal(team.queue.enqueueBatch(batchOf(fx)).created, 12);
  await team.queue.start();
  const done = team.queue.whenIdle();
  await during?.(team);
  let timer!: NodeJS.Timeout;
  await Promise.race([done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`batch did not finish: ${JSON.stringify(team.queue.jobs.counts())}\n${team.logs.join('\n')}`)), 60_000)))]);
  clearTimeout(timer);
  // The project commits a result before its worker hears back: wait for the last "stored" lines too.
  const stored = () => team.workers.flatMap((w) => w.events).filter((e) => e.event === 'stored').length;
  for (const t0 = Date.now(); stored() < 12 && Date.now() - t0 < 5000;) await new Promise((r) => setTimeout(r, 20));
}

const count = (events: WorkerEventLine[], event: string) => {
  const n = new Map<string, number>();
  for (const e of events) if (e.event === event) n.set(e.key!, (n.get(e.key!) ?? 0) + 1);
  return n;
};

/** Every cell succeeded with exactly one result, equal byte for byte to the local one; nothing ran to completion twice. */
function assertExactlyOnce(team: Team): void {
  const { project } = team.t;
  const jobs = team.queue.jobs;
  assert.deepEqual(jobs.counts(), { queued: 0, running: 0, succeeded: 12, failed: 0, cancelled: 0, total: 12 });
  assert.equal(project.db.prepare('SELECT count(*) FROM results').pluck().get(), 12);
  assert.equal(project.db.prepare('SELECT count(DISTINCT job_id) FROM results').pluck().get(), 12, 'one result per cell');
  for (const job of jobs.list()) {
    const result = project.results.byJob(job.id)!;
    const png = readFileSync(project.blobPath(result.blobHash));
    assert.ok(png.equals(local.get(job.settingsHash)!), `cell ${job.id}: the team result's PNG bytes equal the local queue's`);
    const record = result.record as { engine: { worker: { name: string }; backend: string }; settingsHash: string };
    assert.match(record.engine.worker.name, /^gpu-[ab]$/);
    assert.equal(record.engine.backend, 'wasm');
  }
  const all = team.workers.flatMap((w) => w.events);
  const finished = count(all, 'run-finished');
  const stored = count(all, 'stored');
  assert.equal(stored.size, 12, 'every cell stored');
  assert.deepEqual([...stored.values()].filter((n) => n !== 1), [], 'no cell stored twice');
  assert.deepEqual([...finished.values()].filter((n) => n !== 1), [], 'no cell ran to completion twice');
  assert.equal(count(all, 'duplicate').size, 0);
  // No secret in anything printed: worker output, coordinator log.
  const printed = [...team.workers.map((w) => w.output()), ...team.logs].join('\n');
  for (const token of team.tokens) assert.ok(!printed.includes(token), 'a worker token was printed');
  assert.ok(!printed.includes(redis.password), 'the Redis password was printed');
}

test('two workers run a 3×2×2 batch: one result per cell, PNG bytes equal to the local queue', async () => {
  const team = await startTeam();
  try {
    await runBatch(team);
    assertExactlyOnce(team);
    const perWorker = team.workers.map((w) => w.events.filter((e) => e.event === 'stored').length);
    assert.equal(perWorker[0]! + perWorker[1]!, 12);
    assert.ok(perWorker.every((n) => n > 0), `both workers ran cells (${perWorker.join(' + ')})`);
    // What the app shows about the workers: backend, GPU (none here), speed, no current cell now.
    const status = team.queue.workers();
    assert.deepEqual(status.map((w) => [w.name, w.backend, w.online, w.current]), [['gpu-a', 'wasm', true, null], ['gpu-b', 'wasm', true, null]]);
    assert.deepEqual(status.map((w) => w.cellsDone), perWorker);
    assert.ok(status.every((w) => w.secondsPerImage !== null && w.stepMs !== null), JSON.stringify(status));
    for (const w of team.workers) assert.equal(w.events.filter((e) => e.event === 'error').length, 0, w.output());
    // Ctrl-C (SIGTERM) stops a worker cleanly.
    assert.deepEqual((await Promise.all(team.workers.map(stopWorker))).map((r) => r.code), [0, 0]);
  } finally {
    await team.close();
  }
});

test('SIGKILL of a worker mid-cell: the cell is re-queued and finished by the other, nothing lost or run twice', async () => {
  const team = await startTeam([{ HOLD_AT_CELL: '2' }, {}]);
  try {
    let killed = '';
    await runBatch(team, async ({ workers: [a] }) => {
      const holding = await a!.waitFor((e) => e.event === 'holding');
      killed = holding.key!;
      a!.child.kill('SIGKILL');
      assert.equal((await a!.exited).signal, 'SIGKILL');
    });
    assertExactlyOnce(team);
    const [a, b] = team.workers;
    assert.ok(!a!.events.some((e) => e.event === 'run-finished' && e.key === killed), 'the killed cell never finished on the killed worker');
    assert.ok(b!.events.some((e) => e.event === 'stored' && e.key === killed), 'the other worker finished the killed cell');
    const job = team.queue.jobs.list().find((j) => killed.startsWith(`cell-${j.id}-`))!;
    assert.equal(job.attempt, 2, 'taken over once');
    assert.ok(team.logs.some((l) => l.includes(`cell ${job.id} taken over from gpu-a by gpu-b`)), team.logs.join('\n'));
  } finally {
    await team.close();
  }
});

test('Redis restarts mid-batch (AOF in the test folder): the batch still finishes exactly once', async () => {
  const team = await startTeam();
  try {
    const stored = () => team.workers.flatMap((w) => w.events).filter((e) => e.event === 'stored').length;
    let atRestart = 0;
    await runBatch(team, async () => {
      // After two results, stop Redis as an operator would and start it again on its AOF. While it is
      // down no worker can take a new cell, so most of the batch runs after the restart.
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (stored() >= 2) {
            clearInterval(poll);
            resolve();
          }
        }, 10);
      });
      atRestart = stored();
      await redis.restart(500);
    });
    assert.ok(atRestart < 8, `Redis restarted mid-batch (${atRestart} of 12 cells stored before)`);
    assertExactlyOnce(team);
  } finally {
    await team.close();
  }
});

/** A record without what may differ between two runs of one cell: ids of the batch and job, timings (the quality checks' `ms` too), the worker. */
function stableRecord(record: Record<string, unknown>): Record<string, unknown> {
  const { jobId: _j, batchId: _b, timing: _t, engine, ...rest } = record;
  const { timings: _ts, worker: _w, ...stableEngine } = engine as Record<string, unknown>;
  const noMs = (v: unknown): unknown => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'ms').map(([k, x]) => [k, noMs(x)]))
    : v);
  return noMs({ ...rest, engine: stableEngine }) as Record<string, unknown>;
}

test('a LoRA batch on a worker: base weights + adapter merged at load; PNG bytes and record equal to the local queue', async () => {
  const team = await startTeam([{}]);
  try {
    const { project } = team.t;
    const fx = await addTeamFixture(project);
    const lora = await addTeamLora(project, fx);
    const adapter = project.checkpoints.get(lora.checkpointId)!;
    const base = project.checkpoints.get(fx.checkpointId)!;
    assert.equal(team.queue.enqueueBatch(loraBatchOf(fx, lora.checkpointId)).created, 2);
    await team.queue.start();
    let timer!: NodeJS.Timeout;
    await Promise.race([team.queue.whenIdle(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`LoRA batch did not finish: ${JSON.stringify(team.queue.jobs.counts())}\n${team.logs.join('\n')}\n${team.workers[0]!.output()}`)), 60_000)))]);
    clearTimeout(timer);
    assert.deepEqual(team.queue.jobs.counts(), { queued: 0, running: 0, succeeded: 2, failed: 0, cancelled: 0, total: 2 });
    for (const job of team.queue.jobs.list()) {
      const result = project.results.byJob(job.id)!;
      const png = readFileSync(project.blobPath(result.blobHash));
      const want = localLora.get(job.settingsHash);
      assert.ok(want, `cell ${job.id}: a local LoRA cell with the same settings hash`);
      assert.ok(png.equals(want.png), `cell ${job.id}: the team LoRA result's PNG bytes equal the local queue's`);
      // The adapter changed the image: its pixels differ from the base model's for the same cell.
      const pixels = (b: Buffer) => sharp(b).raw().toBuffer();
      const basePng = localBase.get(`${job.garmentId}:${job.modelPhotoId}:${job.seed}`)!;
      assert.ok(!(await pixels(png)).equals(await pixels(basePng)), `cell ${job.id}: the LoRA changed the pixels`);
      // Provenance (XMP): the LoRA checkpoint's name and licence, as the project records them.
      assert.ok(png.includes(lora.name) && png.includes(lora.licence), 'the PNG names the LoRA checkpoint and its licence');
      // The record: the LoRA checkpoint as the cell's input, the adapter and the base weights it was merged into.
      const record = result.record as Record<string, unknown> & {
        inputs: { checkpoint: { id: number; name: string; kind: string; licence: string; hash: string } };
        engine: { worker: { name: string }; generator: { lora?: { name: string; sha256: string }; weights: { name: string; sha256: string } } };
      };
      assert.deepEqual([record.inputs.checkpoint.id, record.inputs.checkpoint.name, record.inputs.checkpoint.kind, record.inputs.checkpoint.licence, record.inputs.checkpoint.hash],
        [adapter.id, lora.name, 'LoRA', lora.licence, adapter.blobHash]);
      assert.deepEqual(record.engine.generator.lora, { name: adapter.blobHash, sha256: adapter.blobHash });
      assert.deepEqual([record.engine.generator.weights.name, record.engine.generator.weights.sha256], [base.blobHash, base.blobHash]);
      assert.equal(record.engine.worker.name, 'gpu-a');
      assert.deepEqual(stableRecord(record), stableRecord(want.record), 'the team record equals the local one (but ids, timing and worker)');
    }
    // The worker keeps the adapter next to the base weights in its cache, by hash.
    for (const hash of [adapter.blobHash, base.blobHash]) assert.ok(existsSync(join(team.caches[0]!, 'checkpoints', hash)), `cached ${hash}`);
    assert.equal(team.workers[0]!.events.filter((e) => e.event === 'stored').length, 2);
  } finally {
    await team.close();
  }
});
