// The team worker in this process with a stub engine (the model is not what is tested here; the real
// engine runs in team-batch.test.ts): a cancel in the app reaches a running cell, an engine error fails
// only its cell, stopping mid-cell gives the cell back to another worker, a revoked token stops a worker,
// a LoRA cell reaches the engine as base weights + adapter, and a corrupted adapter download is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobStore } from '../../../main/queue/index.ts';
import type { CellEngine, EngineCell } from '../../../main/team/engine-cell.ts';
import { redisConnectionOptions } from '../../../main/team/redis-options.ts';
import { TeamBatchQueue } from '../../../main/team/team-queue.ts';
import { TeamWorker, type WorkerEvent } from '../../../main/team/worker.ts';
import { BlobCache } from '../../../main/team/worker-cache.ts';
import { CoordinatorClient } from '../../../main/team/worker-client.ts';
import { WorkerTokens } from '../../../main/team/worker-tokens.ts';
import { pngBytes, tempDir, tempProject, type TempProject } from '../store/helpers.ts';
import { addFixture } from '../queue/helpers.ts';
import { serveCoordinator, type CoordinatorServer } from './processes.ts';
import { startRedis, type RedisHandle } from './redis-server.ts';

let redis: RedisHandle;
let n = 0;
before(async () => { redis = await startRedis(); });
after(async () => { await redis.stop(); });

/** An engine that takes `steps` × `stepMs`, reporting each step; `failJob` throws for that cell. */
function stubEngine(options: { stepMs: number; failJob?: number; started?: (jobId: number) => void; cells?: EngineCell[] }): CellEngine {
  return {
    async run(cell, ctx) {
      options.started?.(cell.jobId);
      options.cells?.push(cell);
      if (cell.jobId === options.failJob) throw new RangeError(`cell ${cell.jobId}: the stub engine refuses it`);
      const steps = cell.settings.steps;
      for (let i = 1; i <= steps; i++) {
        await new Promise((r) => setTimeout(r, options.stepMs));
        if (ctx.signal.aborted) throw ctx.signal.reason;
        ctx.onProgress({ step: i, steps, stepMs: options.stepMs });
      }
      return { image: await pngBytes(8, 8, cell.seed), record: { engineVersion: 'stub', backend: 'none' } };
    },
    close: async () => {},
  };
}

interface Rig {
  t: TempProject;
  queue: TeamBatchQueue;
  tokens: WorkerTokens;
  server: CoordinatorServer;
  queueName: string;
  /** With `lora`: the LoRA checkpoint (on the fixture's checkpoint) the cells run on. */
  lora: { id: number; blobHash: string; parentHash: string } | null;
  worker(name: string, engine: CellEngine, events?: WorkerEvent[], cacheDir?: string): Promise<TeamWorker>;
  close(): Promise<void>;
}

async function rig(cells: { garments: number; seeds: number[]; steps: number; lora?: boolean }): Promise<Rig> {
  const t = await tempProject();
  const fx = await addFixture(t.project, { garments: cells.garments, people: 1 });
  let lora: Rig['lora'] = null;
  if (cells.lora) {
    const file = join(t.dir, 'incoming-adapter.safetensors');
    writeFileSync(file, 'not really an adapter');
    const c = await t.project.checkpoints.import({ file, name: 'Tees LoRA', kind: 'LoRA', architecture: 'sd15', licence: 'CC-BY-4.0', commercialUse: true, parentId: fx.checkpointId });
    lora = { id: c.id, blobHash: c.blobHash, parentHash: t.project.checkpoints.get(fx.checkpointId)!.blobHash };
    fx.checkpointId = c.id;
  }
  const tokens = WorkerTokens.open(null);
  const queueName = `worker-${process.pid}-${++n}`;
  const connection = () => redisConnectionOptions(redis.urlWithoutPassword, { password: redis.password });
  const queue = new TeamBatchQueue({ jobs: new JobStore(t.project), connection: connection(), queueName, tokens, checkEveryMs: 300 });
  const server = await serveCoordinator(queue.handler);
  queue.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: cells.seeds, settings: [{ steps: cells.steps }] });
  await queue.start();
  const workers: TeamWorker[] = [];
  return {
    t, queue, tokens, server, queueName, lora,
    async worker(name, engine, events = [], cacheDir) {
      const w = new TeamWorker({
        name, connection: connection(), queueName, engine, cache: new BlobCache(cacheDir ?? await tempDir('leffa-worker-cache-')),
        client: new CoordinatorClient(server.url, tokens.issue(name).token, { retryForMs: 2000 }),
        lockMs: 2000, stalledMs: 500, progressEveryMs: 20, onEvent: (e) => events.push(e),
        hello: { backend: 'stub', gpu: null, engineVersion: 'stub 1', host: 'test', pid: process.pid }, helloEveryMs: 50,
      });
      workers.push(w);
      w.start();
      return w;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop('abort')));
      await queue.stop();
      await server.close();
      await t.cleanup();
    },
  };
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);

test('a cell cancelled in the app while it runs stops at the next progress report; nothing is stored', async () => {
  const r = await rig({ garments: 1, seeds: [1], steps: 200 });
  try {
    const events: WorkerEvent[] = [];
    const jobId = r.queue.jobs.list()[0]!.id;
    let started!: () => void;
    const running = new Promise<void>((res) => (started = res));
    await r.worker('w1', stubEngine({ stepMs: 10, started: () => started() }), events);
    await within(running, 10_000, 'the cell starts');
    r.queue.cancelJob(jobId);
    await within((async () => { while (!events.some((e) => e.event === 'stopped-cell')) await new Promise((res) => setTimeout(res, 20)); })(), 10_000, 'the worker stops the cell');
    assert.deepEqual(events.find((e) => e.event === 'stopped-cell'), { event: 'stopped-cell', key: events.find((e) => e.event === 'claimed')!.key, jobId, reason: 'cancelled' });
    assert.ok(!events.some((e) => e.event === 'run-finished'), 'the run did not go on to the end');
    assert.equal(r.queue.jobs.get(jobId)!.status, 'cancelled');
    assert.equal(r.t.project.results.byJob(jobId), undefined);
  } finally {
    await r.close();
  }
});

test('an engine error fails only its cell, with the message; the worker goes on', async () => {
  const r = await rig({ garments: 2, seeds: [1, 2], steps: 2 });
  try {
    const failJob = r.queue.jobs.list()[1]!.id;
    const done = r.queue.whenIdle();
    await r.worker('w1', stubEngine({ stepMs: 1, failJob }));
    await within(done, 15_000, 'the batch ends');
    const counts = r.queue.jobs.counts();
    assert.deepEqual([counts.succeeded, counts.failed], [3, 1]);
    const failed = r.queue.jobs.get(failJob)!;
    assert.equal(failed.error!.type, 'RangeError');
    assert.equal(failed.error!.message, `cell ${failJob}: the stub engine refuses it (on worker w1)`);
    // The periodic hello keeps the app's view of the worker (the rig never sent a first one).
    await within((async () => { while (r.queue.workers()[0]?.backend !== 'stub') await new Promise((res) => setTimeout(res, 20)); })(), 5000, 'hello');
    const [w] = r.queue.workers();
    assert.deepEqual([w!.name, w!.online, w!.cellsDone, w!.cellsFailed, w!.current], ['w1', true, 3, 1, null]);
  } finally {
    await r.close();
  }
});

test('stopping a worker mid-cell gives the cell back; another worker finishes it', async () => {
  const r = await rig({ garments: 1, seeds: [1], steps: 100 });
  try {
    const events: WorkerEvent[] = [];
    const jobId = r.queue.jobs.list()[0]!.id;
    let started!: () => void;
    const running = new Promise<void>((res) => (started = res));
    const w1 = await r.worker('w1', stubEngine({ stepMs: 20, started: () => started() }), events);
    await within(running, 10_000, 'the cell starts');
    await within(w1.stop('abort'), 10_000, 'w1 stops');
    assert.ok(events.some((e) => e.event === 'released'));
    assert.equal(r.queue.jobs.get(jobId)!.status, 'queued', 'back in the queue');
    const done = r.queue.whenIdle();
    await r.worker('w2', stubEngine({ stepMs: 1 }));
    await within(done, 20_000, 'w2 finishes the cell');
    const job = r.queue.jobs.get(jobId)!;
    assert.equal(job.status, 'succeeded');
    assert.equal((r.t.project.results.byJob(jobId)!.record as { engine: { worker: { name: string } } }).engine.worker.name, 'w2');
  } finally {
    await r.close();
  }
});

test('a revoked token stops its worker at its next request', async () => {
  const r = await rig({ garments: 2, seeds: [1, 2, 3], steps: 1 });
  try {
    r.queue.pause();
    const w = await r.worker('w1', stubEngine({ stepMs: 1 }));
    r.tokens.revoke('w1');
    r.queue.resume();
    const reason = await within(w.closed, 15_000, 'the worker stops');
    assert.match(reason, /refused this worker token/);
    assert.equal(r.queue.jobs.counts().succeeded, 0);
  } finally {
    await r.close();
  }
});

test('a LoRA cell: the worker fetches the adapter next to the base weights, checks its hash (a corrupted download is refused and retried), and the engine gets both', async () => {
  const r = await rig({ garments: 1, seeds: [1], steps: 2, lora: true });
  try {
    const lora = r.lora!;
    const jobId = r.queue.jobs.list()[0]!.id;
    // The project's copy of the adapter no longer matches its hash (a disk fault, a tampered file): the
    // coordinator sends it under its hash, the worker hashes what arrived and refuses it.
    const blob = r.t.project.blobPath(lora.blobHash);
    const good = readFileSync(blob);
    writeFileSync(blob, 'a corrupted adapter');
    const events: WorkerEvent[] = [];
    const cells: EngineCell[] = [];
    const cacheDir = await tempDir('leffa-worker-cache-');
    const done = r.queue.whenIdle();
    await r.worker('w1', stubEngine({ stepMs: 1, cells }), events, cacheDir);
    await within((async () => { while (!events.some((e) => e.event === 'retry')) await new Promise((res) => setTimeout(res, 10)); })(), 10_000, 'the download is refused');
    const retry = events.find((e) => e.event === 'retry') as Extract<WorkerEvent, { event: 'retry' }>;
    assert.equal(retry.jobId, jobId);
    assert.match(retry.message, new RegExp(`^downloaded blob ${lora.blobHash} hashes to [0-9a-f]{64}; discarded`));
    assert.equal(cells.length, 0, 'the engine never ran on the corrupted adapter');
    assert.ok(!existsSync(join(cacheDir, 'checkpoints', lora.blobHash)), 'nothing kept under the adapter hash');
    assert.deepEqual(readdirSync(join(cacheDir, 'checkpoints')).filter((f) => f.startsWith(lora.blobHash)), [], 'no partial file either');
    // Repaired: BullMQ's retry claims the cell again (attempt 2), fetches a good copy and runs it.
    writeFileSync(blob, good);
    await within(done, 20_000, 'the retried cell finishes');
    const job = r.queue.jobs.get(jobId)!;
    assert.equal(job.status, 'succeeded');
    assert.equal(job.attempt, 2);
    assert.equal(cells.length, 1);
    const [cell] = cells;
    assert.deepEqual(cell!.checkpoint, { path: join(cacheDir, 'checkpoints', lora.parentHash), base: undefined, lora: join(cacheDir, 'checkpoints', lora.blobHash) });
    assert.deepEqual(cell!.provenance, { checkpointName: 'Tees LoRA', licence: 'CC-BY-4.0' });
    assert.ok(readFileSync(cell!.checkpoint.lora!).equals(good));
  } finally {
    await r.close();
  }
});
