// ms per training step (models/train/objective.ts: VAE encodes + reference and generative UNet forward +
// Leffa loss + backward w.r.t. every UNet parameter; no optimizer), per backend, with gradient
// checkpointing on and off, and the step's peak tensor memory.
//
// Usage: node --import tsx scripts/bench-train-step.ts [--quick] [--runs 3]
//   models: `tiny` = the leffa-tiny fixture (SD1.5-shaped, 1.4 M parameters) at 64x48, batch 2
//           `mid`  = SD1.5 layout at 1/5 width (channels 64/128/256/256, 2 resnets per level, 8 heads,
//                    random weights, 37 M UNet parameters) at 256x128 (latent 32x16), batch 2. (At 256x192
//                    a step without checkpointing outgrows the 4 GiB wasm heap.)
//   backends: wasm 1 thread, wasm 2 threads (threaded build), cpu (mid: one checkpointed step only, it is
//   slow). Each case runs in its own process (one backend and thread count per process).
//   --profile <model> <backend> <threads>: one case in this process, with the 20 most expensive kernels.
// Memory: "peak" = the most bytes of distinct tensor buffers alive at once during the step, above the
// start (checkpointing.ts measurePeakBuffers; tf.memory() counts a shared buffer once per view); "heap" =
// the wasm heap's size after the step (it only grows: the high-water mark of the process so far).
// The step's timesteps are [100, 300], so the Leffa loss is computed (both samples below θ = 500).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';

const here = import.meta.dirname;
const root = join(here, '..');
const shared = join(root, '..', 'shared');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}
const RUNS = Number(arg('--runs', '3'));

interface CaseResult {
  backend: string;
  threads: number;
  params: number;
  trainable: number;
  ms: Record<string, number>; // best ms per step, by checkpoint mode
  peakMiB: Record<string, number>;
  heapMiB: Record<string, number>;
  firstMs: number;
}

// ------------------------------------------------------------------------------------------ one case

async function runCase(model: string, backend: string, threads: number, profile: boolean): Promise<CaseResult> {
  const tf = await import('../models/tf.ts');
  const { initBackend, shutdownBackend } = await import('../models/backend/index.ts');
  const { openCheckpoint } = await import('../models/io/index.ts');
  const { loadLeffa } = await import('../models/leffa/loaded.ts');
  const { LeffaModel } = await import('../models/leffa/model.ts');
  const { randomParams } = await import('../models/leffa/load-params.ts');
  const { parseUNetConfig } = await import('../models/config/unet-config.ts');
  const { parseVAEConfig } = await import('../models/config/vae-config.ts');
  const { VariableParamStore, trainingGradients, disposeGradients, trainUNets } = await import('../models/train/objective.ts');
  const { registerTrainingKernels } = await import('../models/train/kernels/register.ts');
  const { measurePeakBuffers } = await import('../models/train/checkpointing.ts');
  const { memoryReport } = await import('../models/backend/index.ts');
  type Tensor4D = import('../models/tf.ts').Tensor4D;

  const info = await initBackend({ backend: backend as 'wasm' | 'cpu', threads, log: () => {} });
  registerTrainingKernels();
  let H: number, W: number;
  let lm: { model: InstanceType<typeof LeffaModel>; params: import('../models/nn/params.ts').ParamStore & { dispose(): void } };
  if (model === 'tiny') {
    const dir = join(shared, 'fixtures', 'leffa-tiny');
    const man = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8'));
    lm = loadLeffa(join(dir, man.config.base_folder), openCheckpoint(join(dir, 'weights.safetensors')));
    [H, W] = [64, 48];
  } else {
    const man = JSON.parse(readFileSync(join(shared, 'fixtures', 'sd15-manifest.json'), 'utf8'));
    const unet = parseUNetConfig({ ...man.configs.unet, block_out_channels: [64, 128, 256, 256] });
    const vae = parseVAEConfig({ ...man.configs.vae, block_out_channels: [32, 64, 64, 64] });
    const m = new LeffaModel({ arch: 'sd15', unet, vae, scheduler: man.configs.scheduler });
    lm = { model: m, params: randomParams(m.params().filter(LeffaModel.isUsed), 7) };
    [H, W] = [256, 128];
  }
  const store = VariableParamStore.fromLoaded(lm);
  const count = (pred: (n: string) => boolean) => lm.model.params().filter((s) => pred(s.name)).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const B = 2;
  const r = (s: number[], seed: number) => tf.tidy(() => tf.randomNormal(s as [number, number, number, number], 0, 1, 'float32', seed)) as Tensor4D;
  const batch = tf.tidy(() => ({
    image: tf.tanh(r([B, H, W, 3], 1)) as Tensor4D,
    cloth: tf.tanh(r([B, H, W, 3], 2)) as Tensor4D,
    inpaintMask: tf.cast(tf.greater(r([B, H, W, 1], 3), 0), 'float32') as Tensor4D,
    densepose: tf.tanh(r([B, H, W, 3], 4)) as Tensor4D,
    warpedMask: tf.cast(tf.greater(r([B, H, W, 1], 5), 0), 'float32') as Tensor4D,
    noise: { vaeImage: r([B, H / 8, W / 8, 4], 6), vaeMasked: r([B, H / 8, W / 8, 4], 7), vaeCloth: r([B, H / 8, W / 8, 4], 8), diffusion: r([B, H / 8, W / 8, 4], 9) },
  }));
  const full = { ...batch, timesteps: [100, 300] };
  const step = (checkpoint: boolean) => {
    const g = trainingGradients(lm.model, store, lm.params, full, store.variables, { checkpoint });
    g.outputs.lossTotal.dataSync(); // also waits for the gradients: everything ran synchronously before
    disposeGradients(g);
  };
  const out: CaseResult = { backend: info.name, threads: info.threads ?? 1, params: count(() => true), trainable: count(trainUNets), ms: {}, peakMiB: {}, heapMiB: {}, firstMs: 0 };
  const slow = backend === 'cpu' && model !== 'tiny';
  const MiB = 2 ** 20;
  // Checkpointed first: the heap only grows, so its size after each mode is that mode's high-water mark.
  for (const ck of slow ? [true] : [true, false]) {
    const key = ck ? 'checkpoint' : 'plain';
    let best = Infinity;
    for (let i = 0; i < (slow ? 1 : 1 + (model === 'tiny' ? RUNS : Math.min(RUNS, 2))); i++) {
      const t0 = performance.now();
      const { peakBytes } = measurePeakBuffers(() => step(ck));
      const ms = performance.now() - t0;
      if (i === 0 && ck) out.firstMs = ms; // includes kernel set-up (XNNPACK operators)
      if (i > 0 || slow) best = Math.min(best, ms);
      out.peakMiB[key] = Math.max(out.peakMiB[key] ?? 0, peakBytes / MiB);
    }
    out.ms[key] = best;
    out.heapMiB[key] = (memoryReport().wasmHeapBytes ?? 0) / MiB;
    if (profile) {
      const prof = await tf.profile(() => step(ck));
      const byKernel = new Map<string, { ms: number; n: number }>();
      for (const k of prof.kernels) {
        const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
        e.ms += Number(k.kernelTimeMs) || 0;
        e.n++;
        byKernel.set(k.name, e);
      }
      const top = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20);
      console.log(`# kernels, checkpoint=${ck} (one profiled step; a kernel's time includes the kernels it runs)`);
      for (const [name, e] of top) console.log(`#   ${name.padEnd(32)} ${e.ms.toFixed(1).padStart(9)} ms  ${String(e.n).padStart(6)} calls`);
    }
  }
  store.dispose();
  lm.params.dispose();
  tf.dispose([batch.image, batch.cloth, batch.inpaintMask, batch.densepose, batch.warpedMask, ...Object.values(batch.noise)]);
  shutdownBackend();
  return out;
}

// ------------------------------------------------------------------------------------------- driver

if (process.argv.includes('--case') || process.argv.includes('--profile')) {
  const i = Math.max(process.argv.indexOf('--case'), process.argv.indexOf('--profile'));
  const [model, backend, threads] = process.argv.slice(i + 1, i + 4);
  const res = await runCase(model!, backend!, Number(threads), process.argv.includes('--profile'));
  console.log(JSON.stringify(res));
} else {
  const quick = process.argv.includes('--quick');
  const backends: [string, number][] = [['wasm', 1], ['wasm', 2], ['cpu', 1]];
  const models = quick ? ['tiny'] : ['tiny', 'mid'];
  console.log(`training step (forward + backward w.r.t. all UNet parameters, batch 2), best of ${RUNS}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('model'.padEnd(16) + 'backend'.padEnd(9) + 'params'.padStart(9) + '| checkpointed: ms/step'.padStart(23) + 'peak MiB'.padStart(9) + 'heap MiB'.padStart(9) + ' | plain: ms/step'.padStart(16) + 'peak MiB'.padStart(9) + 'heap MiB'.padStart(9) + ' | first step ms'.padStart(16));
  for (const model of models) {
    for (const [b, t] of backends) {
      const res = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--case', model, b, String(t), '--runs', String(RUNS)], { encoding: 'utf8', timeout: 1800_000, maxBuffer: 1 << 24, cwd: root });
      const line = res.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      const label = model === 'tiny' ? 'tiny (64x48)' : 'mid (256x128)';
      if (res.status !== 0 || !line) {
        console.log(`${label.padEnd(16)}${`${b}x${t}`.padEnd(9)} failed (${res.status ?? res.signal}): ${res.stderr.split('\n').filter((l) => /Error/.test(l)).slice(0, 2).join(' ').slice(0, 300)}`);
        continue;
      }
      const r = JSON.parse(line) as CaseResult;
      const f = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(0));
      console.log(label.padEnd(16) + `${r.backend}x${r.threads}`.padEnd(9) + `${(r.params / 1e6).toFixed(1)} M`.padStart(9)
        + f(r.ms.checkpoint).padStart(23) + f(r.peakMiB.checkpoint).padStart(9) + (r.backend === 'wasm' ? f(r.heapMiB.checkpoint) : '-').padStart(9)
        + f(r.ms.plain).padStart(16) + f(r.peakMiB.plain).padStart(9) + (r.backend === 'wasm' ? f(r.heapMiB.plain) : '-').padStart(9)
        + f(r.firstMs).padStart(16));
    }
  }
}
