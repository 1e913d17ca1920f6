// npm run bench:engine [-- --quick] : parameters, ms per UNet pair forward (reference + generative UNet,
// batch 2 as under CFG) and peak tensor memory per backend, for the tiny fixture models and an SD1.5-width
// UNet pair at 256x192; then attention at 1024x768 token counts (one first-level layer) with and without
// query chunking. Each case runs in its own process (one wasm build / thread count per process).
// Last, WebGPU when an adapter is available (bench-webgpu.ts: the adapter's name, the tiny UNet pair and the
// fused attention kernel against the plain formulation, time and peak memory); a software adapter
// (SwiftShader) only with --webgpu-software, and labelled as such.
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
  // PyTorch 1.13 (the original code) on this kind of machine, 256x192, docs/tfjs-notes.md and issue #15.
  const torch = { pair: 6600, step: 6300 };
  console.log('\nFull SD1.5 Leffa (1.80 B parameters, random weights in JS memory, uploaded per layer), wasm');
  console.log('size'.padEnd(10) + 'threads'.padEnd(9) + 'pair ms'.padStart(9) + ' (PyTorch, ratio)'.padEnd(20) + 'step ms'.padStart(9) + ' (PyTorch, ratio)'.padEnd(20) + 'VAE enc'.padStart(9) + 'VAE dec'.padStart(9) + 'peak RSS'.padStart(10) + 'peak heap'.padStart(11));
  for (const [H, W] of [[256, 192], [512, 384]] as const) {
    for (const t of [1, 2]) {
      const r = run(['wasm', String(t), 'sd15-full', String(H), String(W)], 3600);
      if (!r) continue;
      const ratio = (ours: number, ref: number) => (H === 256 ? ` (${(ref / 1000).toFixed(1)} s, ${(ours / ref).toFixed(2)}x)` : '');
      console.log(`${W}x${H}`.padEnd(10) + String(t).padEnd(9) + r.ms.toFixed(0).padStart(9) + ratio(r.ms, torch.pair).padEnd(20) + r.stepMs.toFixed(0).padStart(9) + ratio(r.stepMs, torch.step).padEnd(20)
        + r.vaeEncodeMs.toFixed(0).padStart(9) + r.vaeDecodeMs.toFixed(0).padStart(9) + MB(r.peakRssBytes).padStart(10) + MB(r.peakHeapBytes).padStart(11));
    }
  }
  console.log('  ratio = our time / PyTorch time (goal <= 1.0). Load average now: ' + (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' '));
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

console.log('\nWebGPU (scripts/bench-webgpu.ts; npm run bench:webgpu for its options)');
const webgpuArgs = [
  ...(quick ? ['--reps', '1', '--sizes', '256:256:8:40'] : []),
  ...(process.argv.includes('--webgpu-software') ? [] : ['--require-hardware']),
];
const webgpu = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'bench-webgpu.ts'), ...webgpuArgs], { stdio: 'inherit', timeout: 3600 * 1000 });
if (webgpu.status !== 0) console.log(`  bench-webgpu failed (${webgpu.status ?? webgpu.signal})`);

if (!quick && !process.argv.includes('--webgpu-software')) {
  // The app's plan on WebGPU: every weight resident on the GPU (models/README.md). Needs ~7 GiB of GPU memory.
  console.log('\nFull SD1.5 Leffa on WebGPU (1.80 B parameters, random weights, resident), a hardware adapter only');
  for (const [H, W] of [[512, 384], [1024, 768]] as const) {
    const r = run(['webgpu', '1', 'sd15-full', String(H), String(W), 'resident', 'hardware-only'], 1800);
    if (!r) continue;
    if (r.skipped) { console.log(`  skipped: ${r.skipped}`); break; }
    console.log(`  ${W}x${H}: UNet pair ${r.ms.toFixed(0)} ms (first ${r.pairMsFirst.toFixed(0)} ms, with shader compilation), VAE encode ${r.vaeEncodeMs.toFixed(0)} ms, decode ${r.vaeDecodeMs.toFixed(0)} ms, 2-step try-on ${(r.pipeline2Ms / 1000).toFixed(2)} s`);
  }
}
