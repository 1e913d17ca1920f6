// `leffa-studio worker`: a headless engine host for a GPU machine of a team. It serves one project's
// team queue until stopped (Ctrl-C once: finish the running cell; twice: give it back and stop now).
// Secrets: the token and the Redis password may be given as flags, but flags show in `ps`; the
// environment (LEFFA_WORKER_TOKEN, LEFFA_REDIS_PASSWORD) or --token-file do not. Neither is ever printed.
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REQUESTABLE_BACKENDS, type RequestedBackend } from '../../models/backend/types.ts';
import type { CliIO } from '../../models/cli/io.ts';
import { EngineSupervisor } from '../engine-host/supervisor.ts';
import { ENGINE_VERSION, supervisorEngine } from './engine-cell.ts';
import { redactSecrets, redactUrl } from './redact.ts';
import { isLoopbackHost, redisConnectionOptions } from './redis-options.ts';
import { DEFAULT_QUEUE_NAME } from './queue-settings.ts';
import { TeamWorker, type WorkerEvent, type WorkerHooks } from './worker.ts';
import { BlobCache } from './worker-cache.ts';
import { CoordinatorClient } from './worker-client.ts';
import { detectGpu } from './worker-gpu.ts';

export const WORKER_HELP = `leffa-studio worker --queue REDIS_URL --coordinator URL --token TOKEN [options]
  --queue URL           the team's Redis: redis://[user[:password]@]host[:port][/db], rediss://… for TLS
                        (password also from LEFFA_REDIS_PASSWORD; required unless Redis is on loopback)
  --queue-name NAME     the project's team queue (default ${DEFAULT_QUEUE_NAME})
  --coordinator URL     the project's serve host, https://… (plain http only on loopback or with --allow-http)
  --token TOKEN         this worker's token from the app (or LEFFA_WORKER_TOKEN, or --token-file FILE)
  --cache DIR           checkpoints and inputs by hash (default ~/.cache/leffa-studio/worker)
  --cache-inputs-mb N   room for cached inputs (default 2048; checkpoints are always kept)
  --base DIR            diffusers base configs for checkpoints not recognised (the tiny test models)
  --backend auto|tensorflow|webgpu|wasm|cpu  --threads N
  --lock-seconds S      a worker silent this long is presumed dead and its cell re-queued (default 30)
  --stalled-seconds S   how often to look for such cells (default 15)
  --progress-ms N       least time between progress reports to the app (default 500)
  --redis-tls-ca FILE --redis-tls-cert FILE --redis-tls-key FILE   TLS to Redis (rediss://)
  --allow-http          let an http:// coordinator off loopback through (trusted, isolated networks only)
  --json                one JSON event per line on stdout (for supervisors and tests)`;

const OPTIONS = {
  queue: { type: 'string' }, 'queue-name': { type: 'string' }, coordinator: { type: 'string' }, token: { type: 'string' },
  'token-file': { type: 'string' }, cache: { type: 'string' }, 'cache-inputs-mb': { type: 'string' }, base: { type: 'string' },
  backend: { type: 'string' }, threads: { type: 'string' }, 'lock-seconds': { type: 'string' }, 'stalled-seconds': { type: 'string' }, 'progress-ms': { type: 'string' },
  'redis-tls-ca': { type: 'string' }, 'redis-tls-cert': { type: 'string' }, 'redis-tls-key': { type: 'string' },
  'allow-http': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' },
} as const;

class UsageError extends Error {}

function positive(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} = ${JSON.stringify(v)}; expected a positive number`);
  return n;
}

function resolveToken(flag: string | undefined, file: string | undefined): string {
  const token = flag ?? (file ? readFileSync(file, 'utf8').trim() : process.env.LEFFA_WORKER_TOKEN);
  if (!token) throw new UsageError('a worker token is required: --token, --token-file or LEFFA_WORKER_TOKEN (issue one in the app: Team → Workers)');
  if (!/^lsw_[A-Za-z0-9_-]{20,}$/.test(token)) throw new UsageError('the worker token is malformed (it starts with lsw_); copy it again from the app');
  return token;
}

function checkCoordinatorUrl(url: string | undefined, allowHttp: boolean): string {
  if (!url) throw new UsageError('--coordinator is required (the URL of the project\'s serve host)');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--coordinator ${redactUrl(url)}: not a URL`);
  }
  if (u.protocol === 'https:') return url;
  if (u.protocol !== 'http:') throw new UsageError(`--coordinator: scheme ${u.protocol}; expected https: (or http: on loopback)`);
  // Plain HTTP carries the token and every image in clear: only on this machine, or when told so.
  if (!isLoopbackHost(u.hostname) && !allowHttp) {
    throw new UsageError(`--coordinator ${u.host}: plain http off this machine would send the token in clear; use https (main/team/README.md, TLS) or --allow-http on a trusted network`);
  }
  return url;
}

function describe(e: WorkerEvent): string {
  switch (e.event) {
    case 'claimed': return `cell ${e.jobId}: claimed (attempt ${e.attempt})`;
    case 'skipped': return `${e.key.slice(0, 24)}…: skipped (${e.reason})`;
    case 'step': return '';
    case 'run-finished': return `cell ${e.jobId}: generated in ${(e.ms / 1000).toFixed(1)} s`;
    case 'stored': return `cell ${e.jobId}: result stored`;
    case 'duplicate': return `cell ${e.jobId}: result was already stored`;
    case 'refused': return `cell ${e.jobId}: result refused (${e.reason})`;
    case 'failed': return `cell ${e.jobId}: failed: ${e.message}`;
    case 'retry': return `cell ${e.jobId}: ${e.message}; the queue tries it again`;
    case 'stopped-cell': return `cell ${e.jobId}: stopped (${e.reason})`;
    case 'released': return `cell ${e.jobId}: given back to the queue`;
    case 'error': return `error: ${e.message}`;
    case 'stopping': return e.mode === 'finish' ? 'stopping after the running cell (Ctrl-C again to stop now)' : 'stopping now';
    case 'stopped': return `stopped (${e.reason})`;
  }
}

export async function runWorkerCommand(argv: string[], io: CliIO, hooks?: WorkerHooks): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    io.stderr(`${redactSecrets((e as Error).message)}\n\n${WORKER_HELP}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${WORKER_HELP}\n`);
    return 0;
  }
  const s = (k: string) => values[k] as string | undefined;
  const json = values.json === true;
  const out = (line: Record<string, unknown>, text: string) => {
    if (json) io.stdout(`${JSON.stringify(line)}\n`);
    else if (text) io.stderr(`[worker] ${text}\n`);
  };
  let worker: TeamWorker | null = null;
  let engine: EngineSupervisor | null = null;
  try {
    const token = resolveToken(s('token'), s('token-file'));
    const coordinator = checkCoordinatorUrl(s('coordinator'), values['allow-http'] === true);
    if (!s('queue')) throw new UsageError('--queue is required (the team\'s Redis URL)');
    const connection = redisConnectionOptions(s('queue')!, {
      password: process.env.LEFFA_REDIS_PASSWORD || undefined,
      tls: { ca: s('redis-tls-ca'), cert: s('redis-tls-cert'), key: s('redis-tls-key') },
    }, `leffa-worker@${hostname()}`);
    const backend = (s('backend') ?? 'auto') as RequestedBackend;
    if (!(REQUESTABLE_BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`--backend = ${JSON.stringify(backend)}; expected one of ${REQUESTABLE_BACKENDS.join(', ')}`);
    const threads = s('threads') === undefined ? undefined : positive(s('threads'), 'threads', 1);
    const lockMs = positive(s('lock-seconds'), 'lock-seconds', 30) * 1000;
    const stalledMs = positive(s('stalled-seconds'), 'stalled-seconds', 15) * 1000;
    const progressEveryMs = positive(s('progress-ms'), 'progress-ms', 500);
    const cache = new BlobCache(s('cache') ?? join(homedir(), '.cache', 'leffa-studio', 'worker'), positive(s('cache-inputs-mb'), 'cache-inputs-mb', 2048) * 1024 ** 2);

    engine = new EngineSupervisor({ workerData: { backend, threads }, log: (m) => out({ event: 'engine-log', message: m }, `engine: ${m}`) });
    const info = await engine.request('info', {});
    const gpu = await detectGpu();
    const client = new CoordinatorClient(coordinator, token);
    const hello = { backend: info.backend, gpu, engineVersion: ENGINE_VERSION, host: hostname(), pid: process.pid, threads: info.threads };
    const { name } = await client.hello(hello);
    out({ event: 'ready', name, backend: info.backend, gpu, pid: process.pid }, `${name} ready: ${info.backend}${gpu ? `, ${gpu}` : ''}; queue ${redactUrl(s('queue')!)}, coordinator ${redactUrl(coordinator)}`);

    const w = new TeamWorker({
      name, connection, queueName: s('queue-name') ?? DEFAULT_QUEUE_NAME, client, engine: supervisorEngine(engine), cache, base: s('base'),
      lockMs, stalledMs, progressEveryMs, hooks, hello, onEvent: (e) => out(e as unknown as Record<string, unknown>, describe(e)),
    });
    worker = w;
    engine = null; // the worker closes it from now on
    let signals = 0;
    const onSignal = () => void w.stop(++signals === 1 ? 'finish' : 'abort', 'signal');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    w.start();
    const reason = await w.closed;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return reason === 'signal' || reason === 'asked to stop' ? 0 : 1;
  } catch (err) {
    const usage = err instanceof UsageError || (err as Error).name === 'RedisUrlError';
    io.stderr(`leffa-studio worker: ${redactSecrets((err as Error).message)}\n${usage ? `\n${WORKER_HELP}\n` : ''}`);
    await worker?.stop('abort', 'error');
    await engine?.close();
    return usage ? 2 : 1;
  }
}
