// npm run bench:sample [-- --quick] : seconds per denoising step and memory for the tiny configs and an
// SD1.5-width model (random weights, host-placed) at 256x192, per backend, with and without reference
// acceleration. Each case runs in its own process.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const quick = process.argv.includes('--quick');
const MB = (b: number | null) => (b ? `${(b / 2 ** 20).toFixed(0)} MiB` : '-');
function run(args: string[]): Record<string, unknown> | null {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'bench', 'sample-case.ts'), ...args], { encoding: 'utf8', timeout: 3_600_000, maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) { console.log(`  ${args.join(' ')}: failed ${r.stderr.split('\n').filter((l) => /Error/.test(l)).slice(0, 2).join(' ').slice(0, 300)}`); return null; }
  return JSON.parse(line) as Record<string, unknown>;
}
console.log('case'.padEnd(36) + 'backend'.padEnd(10) + 'accel'.padEnd(7) + 's/step'.padStart(9) + 'total s'.padStart(10) + 'rss'.padStart(11) + 'wasm heap'.padStart(11));
const show = (label: string, b: string, r: Record<string, unknown> | null) => {
  if (!r) return;
  console.log(label.padEnd(36) + b.padEnd(10) + String(r.refAcceleration).padEnd(7) + ((r.meanStepMs as number) / 1000).toFixed(3).padStart(9) + ((r.totalMs as number) / 1000).toFixed(1).padStart(10) + MB(r.rssBytes as number).padStart(11) + MB(r.wasmHeapBytes as number).padStart(11));
};
for (const set of ['leffa-tiny', 'leffa-tiny-xl']) {
  for (const [b, t] of [['wasm', '1'], ['wasm', '2'], ['cpu', '1']] as const) {
    for (const accel of ['0', '1']) show(`${set} 48x64, 10 steps`, `${b}${b === 'wasm' ? `x${t}` : ''}`, run([b, t, 'tiny', set, '10', accel]));
  }
}
if (!quick) {
  for (const accel of ['0', '1']) show('SD1.5 width 192x256, 2 steps (host wts)', 'wasmx2', run(['wasm', '2', 'sd15', '256', '192', '2', accel]));
  console.log('reference: the original PyTorch code on this kind of machine: denoising step ~6.3 s, 4-step pipeline ~29 s at 256x192');
}
