// `npm run serve`: the app without Electron. Starts the engine worker, the API and the HTTP server,
// then prints the tokened URL to open in a browser. Ctrl+C stops everything.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { REQUESTABLE_BACKENDS, type RequestedBackend } from '../../models/backend/types.ts';
import { createHost } from '../api/create-api.ts';
import { EngineSupervisor } from '../engine-host/supervisor.ts';
import { readPackageInfo } from '../services/package-info.ts';
import { exportDownload } from '../export/download.ts';
import { DB_FILE } from '../store/index.ts';
import { DEFAULT_HOST, startServer } from './server.ts';

/** Where serve mode keeps the recent list and new projects: $LEFFA_DATA_DIR, else the XDG data folder. */
function defaultDataDir(): string {
  return process.env.LEFFA_DATA_DIR ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'leffa-studio');
}

const USAGE = `Usage: npm run serve -- [--host 127.0.0.1] [--port 0] [--backend auto|tensorflow|webgpu|wasm|cpu] [--data-dir DIR] [--project DIR]

  --host      interface to bind (default ${DEFAULT_HOST}; anything else exposes the app to your network)
  --port      port to listen on (default 0: a free port)
  --backend   TF.js backend for the engine worker (default auto; LEFFA_BACKEND overrides)
  --data-dir  the app's data folder: recent projects, new projects (default ${defaultDataDir()})
  --project   a project folder to open at start (created if it does not exist)`;

const BACKENDS = REQUESTABLE_BACKENDS;
type Backend = RequestedBackend;

function fail(message: string): never {
  console.error(`serve: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseCli(argv: string[]): { host: string; port: number; backend: Backend; dataDir: string; project: string | null } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', default: DEFAULT_HOST },
        port: { type: 'string', default: '0' },
        backend: { type: 'string', default: 'auto' },
        'data-dir': { type: 'string', default: defaultDataDir() },
        project: { type: 'string' },
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
  return { host: values.host, port, backend: values.backend as Backend, dataDir: resolve(values['data-dir']), project: values.project ? resolve(values.project) : null };
}

async function main(): Promise<void> {
  const { host, port, backend, dataDir, project } = parseCli(process.argv.slice(2));
  if (host !== DEFAULT_HOST && host !== 'localhost' && host !== '::1') {
    console.warn(`serve: WARNING: binding to ${host} makes the app reachable from other machines; anyone with the URL's token can use it.`);
  }
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const pkg = readPackageInfo(`${root}package.json`);
  const engine = new EngineSupervisor({ workerData: { backend } });
  const app = createHost({
    name: pkg.name, version: pkg.version, mode: 'serve', engine, dataDir, blobUrl: (hash) => `/blob/${hash}`,
    exportZipUrl: (fileName) => `/exports/${encodeURIComponent(fileName)}`,
  });
  // Starts the engine worker now, so its backend is loading while the browser opens.
  void app.queue.engineStatus();
  if (project) {
    const opened = existsSync(join(project, DB_FILE)) ? await app.projects.open(project) : await app.projects.create(basename(project), dirname(project));
    console.log(`serve: project ${opened.name} (${opened.path})`);
  }
  const uploadDir = mkdtempSync(join(tmpdir(), 'leffa-uploads-'));
  const handle = await startServer({
    dispatch: app.dispatch,
    // LEFFA_RENDERER_DIR: another build of the renderer (development: parallel e2e runs).
    staticDir: process.env.LEFFA_RENDERER_DIR ?? `${root}dist/renderer`,
    host,
    port,
    blobs: (hash) => app.catalog.blob(hash),
    exportZips: (fileName) => exportDownload(app.projects.project, fileName),
    uploads: { files: app.files, dir: uploadDir },
    events: app.events,
    // The team queue's coordinator (workers' /team/v2/… with their own tokens) when the project uses it.
    coordinator: app.queue.coordinatorHandler,
  });
  app.queue.setServeUrl(handle.url);

  console.log(`${pkg.name} ${pkg.version} (serve mode) is running. Open:\n\n  ${handle.url}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`serve: ${signal}, shutting down`);
    await handle.close();
    await app.close();
    await engine.close();
    rmSync(uploadDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('serve: failed to start:', err);
  process.exit(1);
});
