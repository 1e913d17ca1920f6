// A throwaway redis-server for the team tests: 127.0.0.1 on a free port, a random password, its files
// (AOF on, RDB snapshots off) in a temp folder, killed and deleted at the end. `restart` stops it the
// way an operator would (SIGTERM: Redis flushes the AOF and exits) and starts it again on the same
// port and folder, so what the AOF kept is what the queue finds.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisHandle {
  port: number;
  password: string;
  dir: string;
  /** redis://:password@127.0.0.1:port (what a worker's --queue takes). */
  url: string;
  /** The same without the password (what a project's settings store). */
  urlWithoutPassword: string;
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function launch(port: number, password: string, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--dir', dir,
    '--appendonly', 'yes', '--save', '', '--daemonize', 'no',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`redis-server did not start: ${log}`)); }, 10_000);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (/Ready to accept connections/i.test(log)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    child.once('error', (err) => { clearTimeout(timer); reject(new Error(`redis-server could not be started (apt-get install redis-server): ${err.message}`)); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}: ${log}`)); });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export async function startRedis(): Promise<RedisHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'leffa-redis-'));
  const password = randomBytes(16).toString('hex');
  const port = await freePort();
  let child = await launch(port, password, dir);
  return {
    port, password, dir,
    url: `redis://:${password}@127.0.0.1:${port}`,
    urlWithoutPassword: `redis://127.0.0.1:${port}`,
    async restart(downMs = 300) {
      child.kill('SIGTERM');
      await exited(child);
      await new Promise((r) => setTimeout(r, downMs));
      child = await launch(port, password, dir);
    },
    async stop() {
      child.kill('SIGKILL');
      await exited(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
