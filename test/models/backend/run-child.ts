// Runs init.child.ts in a fresh Node process and returns its JSON line. A child that does not exit by
// itself within the timeout is killed and reported as hanging: exiting cleanly is part of the contract.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendInfo } from '../../../models/backend/index.ts';
import type { MemoryReport } from '../../../models/backend/memory.ts';

const CHILD = fileURLToPath(new URL('./init.child.ts', import.meta.url));

export interface ChildResult {
  info?: BackendInfo;
  error?: string;
  second?: BackendInfo;
  secondError?: string;
  logs: string[];
  results?: { matMul: string; conv2d: string };
  memory?: MemoryReport;
  /** Wall time until the process exited. */
  ms: number;
  stderr: string;
}

export function runChild(env: Record<string, string>, timeoutMs = 8000): Promise<ChildResult> {
  const started = performance.now();
  // Drop inherited LEFFA_* so the parent's environment cannot change a scenario.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEFFA_')));
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit within ${timeoutMs} ms (hanging); stdout: ${stdout.slice(0, 300)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`child exited with ${code ?? signal}; stderr: ${stderr.slice(-2000)}`));
        return;
      }
      resolve({ ...(JSON.parse(line) as ChildResult), ms: performance.now() - started, stderr });
    });
  });
}

export function floats(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}
