// `npm run serve`: the app without Electron. Starts the engine worker, the API and the HTTP server,
// then prints the tokened URL to open in a browser. Ctrl+C stops everything.
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createApi } from '../api/create-api.ts';
import { EngineHost } from '../engine-host/host.ts';
import { readPackageInfo } from '../services/package-info.ts';
import { DEFAULT_HOST, startServer } from './server.ts';

const USAGE = `Usage: npm run serve -- [--host 127.0.0.1] [--port 0] [--backend auto|tensorflow|wasm|cpu]

  --host     interface to bind (default ${DEFAULT_HOST}; anything else exposes the app to your network)
  --port     port to listen on (default 0: a free port)
  --backend  TF.js backend for the engine worker (default auto; LEFFA_BACKEND overrides)`;

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
type Backend = (typeof BACKENDS)[number];

function fail(message: string): never {
  console.error(`serve: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseCli(argv: string[]): { host: string; port: number; backend: Backend } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', default: DEFAULT_HOST },
        port: { type: 'string', default: '0' },
        backend: { type: 'string', default: 'auto' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${JSON.stringify(values.port)} is not a port number (0-65535)`);
  if (!(BACKENDS as readonly string[]).includes(values.backend)) fail(`--backend ${JSON.stringify(values.backend)} is not one of ${BACKENDS.join(', ')}`);
  return { host: values.host, port, backend: values.backend as Backend };
}

async function main(): Promise<void> {
  const { host, port, backend } = parseCli(process.argv.slice(2));
  if (host !== DEFAULT_HOST && host !== 'localhost' && host !== '::1') {
    console.warn(`serve: WARNING: binding to ${host} makes the app reachable from other machines; anyone with the URL's token can use it.`);
  }
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const pkg = readPackageInfo(`${root}package.json`);
  const engine = new EngineHost({ workerData: { backend } });
  const dispatch = createApi({ name: pkg.name, version: pkg.version, mode: 'serve', engine });
  const handle = await startServer({ dispatch, staticDir: `${root}dist/renderer`, host, port });

  console.log(`${pkg.name} ${pkg.version} (serve mode) is running. Open:\n\n  ${handle.url}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`serve: ${signal}, shutting down`);
    await handle.close();
    await engine.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('serve: failed to start:', err);
  process.exit(1);
});
