// Test plumbing for the team tests: worker child processes whose JSON events can be awaited, and the
// coordinator's handler on its own loopback HTTP server (as the serve host will mount it).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { CoordinatorHandler } from '../../../main/team/coordinator-http.ts';

const CHILD = fileURLToPath(new URL('./worker-child.ts', import.meta.url));

export type WorkerEventLine = { event: string; key?: string; jobId?: number; reason?: string; name?: string; backend?: string; [k: string]: unknown };

export interface WorkerProcess {
  label: string;
  child: ChildProcess;
  events: WorkerEventLine[];
  /** Everything it printed, stdout and stderr (to check that no secret appears). */
  output(): string;
  waitFor(pred: (e: WorkerEventLine) => boolean, timeoutMs?: number): Promise<WorkerEventLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWorker(label: string, args: string[], env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const events: WorkerEventLine[] = [];
  const waiters: { pred: (e: WorkerEventLine) => boolean; resolve: (e: WorkerEventLine) => void }[] = [];
  let out = '';
  let buffer = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let e: WorkerEventLine;
      try {
        e = JSON.parse(line) as WorkerEventLine;
      } catch {
        continue;
      }
      events.push(e);
      for (const w of [...waiters]) {
        if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => {
    process.off('exit', killOnExit);
    resolve({ code, signal });
  }));
  return {
    label, child, events, exited,
    output: () => out,
    waitFor(pred, timeoutMs = 60_000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label}: no matching event within ${timeoutMs} ms; output:\n${out.slice(-3000)}`)), timeoutMs);
        waiters.push({ pred, resolve: (e) => { clearTimeout(timer); resolve(e); } });
        void exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`${label} exited (${code ?? signal}) before the event; output:\n${out.slice(-3000)}`)); });
      });
    },
  };
}

/** Stops a worker the polite way (SIGTERM: finish the cell, then exit) and waits for it. */
export async function stopWorker(w: WorkerProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), 20_000);
  try {
    return await w.exited;
  } finally {
    clearTimeout(timer);
  }
}

export interface CoordinatorServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function serveCoordinator(handler: CoordinatorHandler): Promise<CoordinatorServer> {
  const server = createServer((req, res) => {
    handler(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end('not a coordinator route');
      }
    }, (err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
