// Benchmark: does the Leffa loss sharpen attention flow and texture? (models/train/leffa-bench.ts)
// The tiny dual-UNet (leffa-tiny fixture config, random init) is trained from scratch on the synthetic
// try-on set with the diffusion loss, then continued (a) without and (b) with the Leffa loss for the same
// number of steps, over 3 seeds; prints flow end-point error, masked L1/SSIM of sampled try-ons, wall time.
//   node --import tsx scripts/bench-leffa.ts [--quick] [--seeds 1,2,3] [--pretrain N] [--continue N]
//        [--lambda L] [--lr LR] [--vae-steps N] [--vae-channels 8,16,16] [--size WxH] [--detail D] [--sample-steps N]
//        [--work DIR] [--json FILE] [--backend wasm|cpu]
// --quick (CI): a few diffusion-only steps from scratch; exits non-zero unless the held-out loss drops.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, shutdownBackend, type RequestedBackend } from '../models/backend/index.ts';
import { BENCH_DEFAULTS, quickBench, runLeffaBench, type BenchReport } from '../models/train/leffa-bench.ts';

const { values: v } = parseArgs({
  options: {
    quick: { type: 'boolean' }, seeds: { type: 'string' }, pretrain: { type: 'string' }, continue: { type: 'string' },
    lambda: { type: 'string' }, 'leffa-steps': { type: 'string' }, lr: { type: 'string' }, 'vae-steps': { type: 'string' }, 'sample-steps': { type: 'string' },
    'vae-channels': { type: 'string' }, size: { type: 'string' }, detail: { type: 'string' },
    work: { type: 'string' }, json: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' }, fixtures: { type: 'string' },
  },
});
const num = (s: string | undefined, d: number) => (s === undefined ? d : Number(s));
const fixtureBase = resolve(v.fixtures ?? resolve(import.meta.dirname, '..', '..', 'shared', 'fixtures'), 'leffa-tiny', 'base', 'tiny-stable-diffusion-inpainting');
const workDir = resolve(v.work ?? resolve(import.meta.dirname, '..', '.tmp', 'bench-leffa'));
const log = (s: string) => process.stderr.write(`${s}\n`);

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function printReport(r: BenchReport): void {
  const o = r.options;
  const row = (name: string, m: BenchReport['mean']['a']) => `  ${name.padEnd(26)} ${m.flowEpe.toFixed(2).padStart(8)} px ${m.l1.toFixed(4).padStart(9)} ${m.ssim.toFixed(4).padStart(8)} ${m.lossTail.toFixed(4).padStart(9)} ${(m.trainMs / 1000).toFixed(0).padStart(6)} s`;
  console.log(`\nLeffa benchmark: tiny dual-UNet from scratch, ${o.width}x${o.height}, batch ${o.batchSize}, lr ${o.lr}, ${o.pretrainSteps} diffusion steps then ${o.continueSteps} more per arm, λ = ${o.leffaWeight}${o.leffaSteps !== undefined && o.leffaSteps < o.continueSteps ? ` for the first ${o.leffaSteps} of them, then diffusion only` : ''}, VAE ${o.vae.channels.join(',')} × ${o.vae.steps} steps, seeds ${o.seeds.join(', ')}`);
  console.log(`  synthetic print detail ${o.detail}; held-out pairs ${o.heldOut}; flow read at t = ${o.evalTimesteps.join(', ')} (τ = 2, upsampled as the loss); samples: DDPM ${o.sampleSteps} steps, g = ${o.guidance}`);
  console.log(`  VAE reconstruction floor (masked): L1 ${r.vaeFloor.l1.toFixed(4)}, SSIM ${r.vaeFloor.ssim.toFixed(4)}`);
  console.log(`  ${'mean over seeds'.padEnd(26)} ${'flow EPE'.padStart(11)} ${'L1'.padStart(9)} ${'SSIM'.padStart(8)} ${'loss tail'.padStart(9)} ${'train'.padStart(8)}`);
  console.log(row(`after ${o.pretrainSteps} diffusion steps`, r.mean.pretrain));
  console.log(row('(a) + diffusion only', r.mean.a));
  console.log(row('(b) + diffusion + Leffa', r.mean.b));
  for (const s of r.seeds) console.log(`  seed ${s.seed}: flow EPE a ${s.a.flowEpe.toFixed(2)} / b ${s.b.flowEpe.toFixed(2)} px; L1 a ${s.a.l1.toFixed(4)} / b ${s.b.l1.toFixed(4)}; SSIM a ${s.a.ssim.toFixed(4)} / b ${s.b.ssim.toFixed(4)}`);
  console.log(`  per layer (b vs a): ${Object.keys(r.mean.a.flowEpePerLayer).map((l) => `${l.replace('.transformer_blocks.0.attn1', '')} ${r.mean.b.flowEpePerLayer[l]!.toFixed(2)}/${r.mean.a.flowEpePerLayer[l]!.toFixed(2)}`).join('; ')}`);
  console.log(`  reduction with the Leffa loss: flow EPE ${pct(r.reduction.flowEpe)} (target ≥ 30 %: ${r.pass.flow30 ? 'reached' : 'NOT reached'}), L1 ${pct(r.reduction.l1)}, 1−SSIM ${pct(r.reduction.ssimError)} (target ≥ 10 % on both: ${r.pass.texture10 ? 'reached' : 'NOT reached'})`);
  console.log(`  wall time ${(r.wallMs / 60000).toFixed(1)} min`);
}

await initBackend({ backend: (v.backend ?? 'wasm') as RequestedBackend, threads: v.threads ? Number(v.threads) : undefined, log });
try {
  if (v.quick) {
    const r = await quickBench({ fixtureBase, workDir, steps: num(v.pretrain, 12) });
    console.log(`quick: held-out diffusion loss ${r.before.toFixed(4)} → ${r.after.toFixed(4)} after ${num(v.pretrain, 12)} steps (${(r.wallMs / 1000).toFixed(1)} s)`);
    if (!(r.after < r.before)) { console.error('quick: training did not reduce the loss'); process.exitCode = 1; }
  } else {
    const r = await runLeffaBench({
      ...BENCH_DEFAULTS, fixtureBase, workDir, log,
      seeds: v.seeds ? v.seeds.split(',').map(Number) : BENCH_DEFAULTS.seeds,
      pretrainSteps: num(v.pretrain, BENCH_DEFAULTS.pretrainSteps), continueSteps: num(v.continue, BENCH_DEFAULTS.continueSteps),
      leffaWeight: num(v.lambda, BENCH_DEFAULTS.leffaWeight), ...(v['leffa-steps'] && { leffaSteps: Number(v['leffa-steps']) }), lr: num(v.lr, BENCH_DEFAULTS.lr),
      sampleSteps: num(v['sample-steps'], BENCH_DEFAULTS.sampleSteps),
      vae: { ...BENCH_DEFAULTS.vae, steps: num(v['vae-steps'], BENCH_DEFAULTS.vae.steps), channels: v['vae-channels'] ? v['vae-channels'].split(',').map(Number) : BENCH_DEFAULTS.vae.channels },
      ...(v.size && { width: Number(v.size.split('x')[0]), height: Number(v.size.split('x')[1]) }),
      detail: num(v.detail, BENCH_DEFAULTS.detail),
    });
    printReport(r);
    if (v.json) writeFileSync(v.json, `${JSON.stringify(r, null, 2)}\n`);
  }
} finally {
  shutdownBackend();
}
