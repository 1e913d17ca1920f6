// Team queue benchmark: pushes 10,000 cells through the real Redis/BullMQ queue and the coordinator
// (HTTP on loopback, results written to a real project), with 1, 2 and 4 workers whose engine is a stub
// that only sleeps a set time per cell. The one place a stub is right: this measures the queue, not
// the model. Prints cells/s and the queue's overhead per cell.
//
//   node --import tsx scripts/bench-queue.ts [--cells 10000] [--sleep-ms 20] [--workers 1,2,4]
//
// Needs redis-server on the PATH (Debian: apt-get install redis-server); it is started on 127.0.0.1 with
// a password in a temp folder and killed at the end. Workers run in this process (each with its own
// Redis connections, coordinator client and cache), sharing this machine's cores with the coordinator
// and Redis: on real GPU machines their share of the work moves off the coordinator's machine, so the
// figures here are an upper bound on the overhead.
//   overhead per cell = (wall time × workers − cells × sleep) / cells: what a worker spends per cell
//   on everything but the engine (fetch from Redis, claim, inputs, upload, store, complete).
//   coordinator ms per cell = time the coordinator's handler spent on the cell's requests, end to end.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JobStore } from '../main/queue/index.ts';
import { TeamBatchQueue } from '../main/team/team-queue.ts';
import { redisConnectionOptions } from '../main/team/redis-options.ts';
import { WorkerTokens } from '../main/team/worker-tokens.ts';
import { TeamWorker } from '../main/team/worker.ts';
import { CoordinatorClient } from '../main/team/worker-client.ts';
import { BlobCache } from '../main/team/worker-cache.ts';
import type { CellEngine } from '../main/team/engine-cell.ts';
import { addFixture } from '../test/main/queue/helpers.ts';
import { pngBytes, tempDir, tempProject } from '../test/main/store/helpers.ts';
import { startRedis } from '../test/main/team/redis-server.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const CELLS = Number(arg('cells', '10000'));
const SLEEP_MS = Number(arg('sleep-ms', '20'));
const WORKER_COUNTS = arg('workers', '1,2,4').split(',').map(Number);
const PAIRS = 100; // 10 garments × 10 model photos; seeds make up the rest of each batch

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const redis = await startRedis();
const t = await tempProject();
const rows: string[] = [];
try {
  const fx = await addFixture(t.project, { garments: 10, people: 10 });
  const image = await pngBytes(48, 64, 1);
  const stub: CellEngine = {
    async run(_cell, ctx) {
      await sleep(SLEEP_MS);
      ctx.onProgress({ step: 1, steps: 1, stepMs: SLEEP_MS });
      return { image, record: { engineVersion: 'bench stub', backend: 'sleep' } };
    },
    close: async () => {},
  };
  const tokens = WorkerTokens.open(null);
  const jobs = new JobStore(t.project);
  const queue = new TeamBatchQueue({
    jobs, connection: redisConnectionOptions(redis.urlWithoutPassword, { password: redis.password }), queueName: 'bench', tokens, checkEveryMs: 60_000,
  });
  // The coordinator's handler, timed per request.
  let handlerMs = 0;
  const byRoute = new Map<string, { n: number; ms: number }>();
  const server = createServer((req, res) => {
    const t0 = performance.now();
    const route = (req.url ?? '').replace(/^\/team\/v1\//, '').replace(/[/?].*$/, '');
    res.on('finish', () => {
      const ms = performance.now() - t0;
      handlerMs += ms;
      const r = byRoute.get(route) ?? { n: 0, ms: 0 };
      byRoute.set(route, { n: r.n + 1, ms: r.ms + ms });
    });
    void queue.handler(req, res).then((handled) => { if (!handled) res.writeHead(404).end(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await queue.start();

  console.log(`team queue: ${CELLS} cells per run, engine stub sleeping ${SLEEP_MS} ms per cell, Redis ${(await import('node:child_process')).execFileSync('redis-server', ['--version']).toString().split(' ')[2]}, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('workers'.padEnd(9) + 'enqueue s'.padStart(10) + 'to Redis s'.padStart(11) + 'run s'.padStart(8) + 'cells/s'.padStart(9) + 'ideal/s'.padStart(9) + 'overhead ms/cell'.padStart(18) + 'coordinator ms/cell'.padStart(21));
  let seed = 0;
  for (const n of WORKER_COUNTS) {
    const seeds = Array.from({ length: Math.ceil(CELLS / PAIRS) }, () => ++seed);
    const t0 = performance.now();
    const report = queue.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds, settings: [{ steps: 1 }] });
    const t1 = performance.now();
    await queue.dispatcher.settled();
    const t2 = performance.now();
    const done = queue.whenIdle();
    handlerMs = 0;
    byRoute.clear();
    const workers = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const { token } = tokens.issue(`bench-${n}-${i}`);
      const w = new TeamWorker({
        name: `bench-${n}-${i}`, connection: redisConnectionOptions(redis.urlWithoutPassword, { password: redis.password }), queueName: 'bench',
        client: new CoordinatorClient(url, token), engine: stub, cache: new BlobCache(await tempDir('leffa-bench-cache-')),
      });
      return w;
    }));
    const t3 = performance.now();
    for (const w of workers) w.start();
    await done;
    const t4 = performance.now();
    await Promise.all(workers.map((w) => w.stop()));
    const cells = report.created;
    const run = (t4 - t3) / 1000;
    const overhead = (run * 1000 * n - cells * SLEEP_MS) / cells;
    rows.push(`${n}\t${(cells / run).toFixed(1)}\t${overhead.toFixed(2)}\t${(handlerMs / cells).toFixed(2)}`);
    console.log(String(n).padEnd(9) + ((t1 - t0) / 1000).toFixed(2).padStart(10) + ((t2 - t1) / 1000).toFixed(2).padStart(11) + run.toFixed(1).padStart(8)
      + (cells / run).toFixed(1).padStart(9) + (n * 1000 / SLEEP_MS).toFixed(1).padStart(9) + overhead.toFixed(2).padStart(18) + (handlerMs / cells).toFixed(2).padStart(21)
      + `   (${[...byRoute].map(([r, v]) => `${r} ${v.n}× ${(v.ms / v.n).toFixed(1)} ms`).join(', ')})`);
  }
  await queue.stop();
  await new Promise<void>((r) => server.close(() => r()));
  console.log(`\nresults stored: ${t.project.db.prepare('SELECT count(*) FROM results').pluck().get()}; cells: ${JSON.stringify(jobs.counts())}`);
  console.log('ideal/s = workers / sleep: what the workers would do with a free queue. At real engine times (seconds per image)');
  console.log('the overhead per cell is what a GPU machine loses per image; 1000 / coordinator ms per cell is the most cells per');
  console.log('second one coordinator can take, i.e. how many GPU machines it can feed: that × seconds per image.');
} finally {
  await t.cleanup();
  await redis.stop();
}
