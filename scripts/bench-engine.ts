// npm run bench:engine [-- --quick] : parameters, ms per UNet pair forward (reference + generative UNet,
// batch 2 as under CFG) and peak tensor memory per backend, for the tiny fixture models and an SD1.5-width
// UNet pair at 256x192; then attention at 1024x768 token counts (one first-level layer) with and without
// query chunking. Each case runs in its own process (one wasm build / thread count per process).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const quick = process.argv.includes('--quick');
const here = import.meta.dirname;
const MB = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one JSON line from our own child script
function run(args: string[], timeoutS = 900): Record<string, any> | null {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'bench', 'engine-case.ts'), ...args], { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) {
    console.log(`  ${args.join(' ')}: failed (${r.status ?? r.signal}) ${r.stderr.split('\n').filter((l) => /Error|error/.test(l)).slice(0, 2).join(' ').slice(0, 300)}`);
    return null;
  }
  return JSON.parse(line);
}

const backends: [string, number][] = [['wasm', 1], ['wasm', 2], ['cpu', 1]];
for (const tfNode of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
  try { await import(tfNode); backends.unshift(['tensorflow', 1]); break; } catch { /* not installed here */ }
}

console.log('UNet pair forward (reference UNet to its last feature + generative UNet, batch 2, one timestep)');
console.log('case'.padEnd(34) + 'backend'.padEnd(14) + 'params'.padStart(14) + 'ms/pair'.padStart(12) + 'peak tensors'.padStart(14) + 'wasm heap'.padStart(12));
for (const set of ['leffa-tiny', 'leffa-tiny-xl']) {
  for (const [b, t] of backends) {
    const r = run([b, String(t), 'tiny', set]);
    if (r) console.log(`${set} (latent 8x6)`.padEnd(34) + `${b}${b === 'wasm' ? `x${t}` : ''}`.padEnd(14) + String(r.params).padStart(14) + r.ms.toFixed(1).padStart(12) + MB(r.peakBytes).padStart(14) + (r.wasmHeapBytes ? MB(r.wasmHeapBytes) : '-').padStart(12));
  }
}
if (!quick) {
  for (const [b, t] of backends.filter(([b]) => b !== 'cpu')) {
    const r = run([b, String(t), 'sd15-width', '256', '192'], 1800);
    if (r) console.log('SD1.5 width 256x192 (shared wts)'.padEnd(34) + `${b}${b === 'wasm' ? `x${t}` : ''}`.padEnd(14) + String(r.params).padStart(14) + r.ms.toFixed(0).padStart(12) + MB(r.peakBytes).padStart(14) + (r.wasmHeapBytes ? MB(r.wasmHeapBytes) : '-').padStart(12));
  }
  console.log('  (cpu backend skipped at SD1.5 width: 25-50x slower than wasm, see docs)');
  console.log('  reference: the original PyTorch code on this kind of machine runs the 256x192 UNet pair in ~6.6 s');
}

console.log('\nAttention, one head-chunked layer at 1024x768 token counts (12,288 generative queries x 24,576 keys, 8 heads x 40), batch 1');
const attnCases: [string, string[]][] = quick
  ? [['1/16 level (3,072 x 6,144), chunked 2^22', ['3072', '6144', '8', '80', String(2 ** 22)]], ['1/16 level (3,072 x 6,144), unchunked', ['3072', '6144', '8', '80', 'all']]]
  : [
      ['1/8 level, chunked (2^24 scores per chunk)', ['12288', '24576', '8', '40', String(2 ** 24)]],
      ['1/16 level (3,072 x 6,144), chunked 2^22', ['3072', '6144', '8', '80', String(2 ** 22)]],
      ['1/16 level (3,072 x 6,144), unchunked', ['3072', '6144', '8', '80', 'all']],
    ];
for (const [label, a] of attnCases) {
  const r = run(['wasm', '2', 'attention', ...a]);
  if (r) console.log(`  ${label.padEnd(46)} ${(r.ms / 1000).toFixed(2)} s  ${(r.gflops / (r.ms / 1000)).toFixed(1)} GFLOP/s  peak tensors ${MB(r.peakBytes)}`);
}
const full = 12288 * 24576 * 4;
console.log(`  1/8 level unchunked, computed: one head's scores ${MB(full)} (+ softmax copy ${MB(full)}); all 8 heads at once as the reference does: ${MB(8 * full)} (x2 with all 2N queries)`);
