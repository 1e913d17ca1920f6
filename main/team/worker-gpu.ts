// The GPU a worker reports to the app, so a team can see which machine is which. nvidia-smi is the one
// source that names the card exactly; without it (no NVIDIA card, or a CPU/wasm backend) the worker
// reports none rather than guessing.
import { execFile } from 'node:child_process';

export function detectGpu(timeoutMs = 3000): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader'], { timeout: timeoutMs }, (err, stdout) => {
      if (err) return resolve(null);
      const first = stdout.split('\n').map((l) => l.trim()).find(Boolean);
      resolve(first ? first.replace(/\s*,\s*/, ', ') : null);
    });
  });
}
