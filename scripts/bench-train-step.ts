// ms per training step (models/train/objective.ts: VAE encodes + reference and generative UNet forward +
// Leffa loss + backward w.r.t. every UNet parameter; no optimizer), per backend, with gradient
// checkpointing on and off, and the step's peak tensor memory.
//
// Usage: node --import tsx scripts/bench-train-step.ts [--quick] [--runs 3] [--models tiny,mid]
//          [--backends wasm:1,wasm:8,cpu:1,webgpu:0,tensorflow:0] [--modes checkpoint,plain]
//          [--webgpu-software] [--json FILE] [--case-timeout SECONDS]
//   models: `tiny` = the leffa-tiny fixture (SD1.5-shaped, 1.4 M parameters) at 64x48, batch 2
//           `mid`  = SD1.5 layout at 1/5 width (channels 64/128/256/256, 2 resnets per level, 8 heads,
//                    random weights, 37 M UNet parameters) at 256x128 (latent 32x16), batch 2. (At 256x192
//                    a step without checkpointing outgrows the 4 GiB wasm heap.)
//           `full` = the released SD1.5 Leffa configuration (1.80 B parameters, random weights, resident) at
//                    512x384, batch 2: a GPU backend only (weights, variables and gradients need ~20 GB).
//   backends (backend:threads; threads only matter for wasm, which clamps them to 8): default wasm 1
//   thread, wasm min(cores, 8) threads (threaded build), cpu (mid: one checkpointed step only, it is
//   slow), webgpu (a real GPU adapter only; with --webgpu-software also a software adapter such as
//   SwiftShader, labelled as such), tensorflow (@tensorflow/tfjs-node-gpu or tfjs-node, when one loads).
//   A backend that cannot start is reported as skipped, with the reason. Each case runs in its own
//   process (one backend and thread count per process), killed after --case-timeout seconds (default 1800).
//   --json FILE: every case's result (rewritten after each case, so a run cut short keeps what finished).
//   At the end: per model, the fastest backend and how many times slower each other one is.
//   --profile <model> <backend> <threads>: one case in this process, with the 20 most expensive kernels.
// Memory: "peak" = the most bytes of distinct tensor buffers alive at once during the step, above the
// start (checkpointing.ts measurePeakBuffers; tf.memory() counts a shared buffer once per view); "heap" =
// the wasm heap's size after the step (it only grows: the high-water mark of the process so far), or for
// webgpu the GPU buffers allocated (including tfjs's reuse pool).
// The step's timesteps are [100, 300], so the Leffa loss is computed (both samples below θ = 500).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

const here = import.meta.dirname;
const root = join(here, '..');
const shared = join(root, '..', 'shared');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}
const RUNS = Number(arg('--runs', '3'));
const MODES = arg('--modes', 'checkpoint,plain').split(',').map((m) => m.trim()).filter(Boolean);
const ALLOW_SOFTWARE = process.argv.includes('--webgpu-software');

interface CaseResult {
  backend: string;
  threads: number;
  /** webgpu: the adapter's name, and whether it is a software one (SwiftShader & co). */
  adapter?: string;
  software?: boolean;
  /** tensorflow: the package that provides it. */
  package?: string;
  params: number;
  trainable: number;
  ms: Record<string, number>; // best ms per step, by checkpoint mode
  peakMiB: Record<string, number>;
  heapMiB: Record<string, number>;
  firstMs: number;
  /** The first step's total loss and the sum of its last gradient: equal inputs on every backend, so these
   *  should agree across backends (a wrong kernel shows here). */
  loss?: number;
  lastGradSum?: number;
}

// ------------------------------------------------------------------------------------------ one case

/** A case that did not run: its backend could not start here (or, webgpu, only on a software adapter). */
interface Skipped {
  skipped: string;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

async function runCase(model: string, backend: string, threads: number, profile: boolean): Promise<CaseResult | Skipped> {
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

  const { currentRuntime } = await import('../models/backend/webgpu-device.ts');
  type Requested = import('../models/backend/index.ts').RequestedBackend;

  let info: import('../models/backend/index.ts').BackendInfo;
  try {
    info = await initBackend({ backend: backend as Requested, threads, log: () => {} });
  } catch (err) {
    return { skipped: firstLine(err) };
  }
  // Forced webgpu (backend 'webgpu') takes a software adapter, and sets up SwiftShader when there is no
  // adapter at all: measure that only when asked to (it is ~100x slower than wasm, not a GPU timing).
  const rt = info.name === 'webgpu' ? currentRuntime() : undefined;
  if (rt?.summary.software && !ALLOW_SOFTWARE) {
    shutdownBackend();
    return { skipped: `only a software adapter, ${rt.summary.name}; --webgpu-software measures it` };
  }
  registerTrainingKernels();
  let H: number, W: number;
  let lm: { model: InstanceType<typeof LeffaModel>; params: import('../models/nn/params.ts').ParamStore & { dispose(): void } };
  if (model === 'tiny') {
    const dir = join(shared, 'fixtures', 'leffa-tiny');
    const man = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8'));
    lm = loadLeffa(join(dir, man.config.base_folder), openCheckpoint(join(dir, 'weights.safetensors')));
    [H, W] = [64, 48];
  } else if (model === 'full') {
    // the released SD1.5 Leffa configuration (1.80 B parameters), seeded random weights, resident: GPU only
    const man = JSON.parse(readFileSync(join(shared, 'fixtures', 'sd15-manifest.json'), 'utf8'));
    const m = new LeffaModel({ arch: 'sd15', unet: parseUNetConfig(man.configs.unet), vae: parseVAEConfig(man.configs.vae), scheduler: man.configs.scheduler });
    lm = { model: m, params: randomParams(m.params().filter(LeffaModel.isUsed), 7) };
    [H, W] = [512, 384];
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
  const sumOf = (t: import('../models/tf.ts').Tensor) => Array.from(t.dataSync() as Float32Array).reduce((a, b) => a + b, 0);
  const step = (checkpoint: boolean) => {
    const g = trainingGradients(lm.model, store, lm.params, full, store.variables, { checkpoint });
    const loss = g.outputs.lossTotal.dataSync()[0]; // wasm/cpu: also waits for the gradients, everything ran synchronously before
    // webgpu (and tensorflow) queue work: also read the last gradient computed (a small one), so the
    // whole backward pass is inside the timing.
    const last = [...g.grads.values()].pop();
    const lastSum = last && info.name !== 'wasm' && info.name !== 'cpu' ? sumOf(last) : undefined;
    if (out.loss === undefined) {
      out.loss = loss;
      out.lastGradSum = lastSum ?? (last ? sumOf(last) : undefined);
    }
    disposeGradients(g);
  };
  const out: CaseResult = {
    backend: info.name,
    threads: info.threads ?? 1,
    ...(rt && { adapter: rt.summary.name, software: rt.summary.software }),
    ...(info.name === 'tensorflow' && { package: info.package }),
    params: count(() => true),
    trainable: count(trainUNets),
    ms: {},
    peakMiB: {},
    heapMiB: {},
    firstMs: 0,
  };
  const slow = backend === 'cpu' && model !== 'tiny';
  const MiB = 2 ** 20;
  // Checkpointed first: the heap only grows, so its size after each mode is that mode's high-water mark.
  const modes = (slow ? [true] : [true, false]).filter((ck) => MODES.includes(ck ? 'checkpoint' : 'plain'));
  for (const ck of modes) {
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
    if (Number.isFinite(best)) out.ms[key] = best; // --runs 0: the first step only (firstMs)
    const mem = memoryReport();
    out.heapMiB[key] = (mem.wasmHeapBytes ?? mem.webgpu?.gpuBytesAllocated ?? 0) / MiB;
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

interface CaseRecord {
  model: string;
  /** As asked for: `wasm:8`, `webgpu:0`, ... */
  spec: string;
  result?: CaseResult;
  skipped?: string;
  failed?: string;
  wallMs: number;
}

/** `wasm:8` → ['wasm', 8]; a backend without threads gets 1 (wasm: min(cores, 8)). */
function parseSpec(spec: string): [string, number] {
  const [b, t] = spec.trim().split(':');
  const threads = t === undefined || t === '' ? (b === 'wasm' ? Math.min(availableParallelism(), 8) : 1) : Number(t);
  if (!b || !Number.isInteger(threads) || threads < 0) throw new Error(`--backends: '${spec}' is not backend:threads`);
  return [b, Math.max(1, threads)];
}

function label(model: string): string {
  return model === 'tiny' ? 'tiny (64x48)' : model === 'mid' ? 'mid (256x128)' : model === 'full' ? 'SD1.5 (512x384)' : model;
}

function backendLabel(r: CaseResult): string {
  if (r.backend === 'webgpu') return `webgpu${r.software ? ' (SOFTWARE)' : ''}`;
  return r.backend === 'wasm' ? `wasmx${r.threads}` : r.backend;
}

if (process.argv.includes('--case') || process.argv.includes('--profile')) {
  const i = Math.max(process.argv.indexOf('--case'), process.argv.indexOf('--profile'));
  const [model, backend, threads] = process.argv.slice(i + 1, i + 4);
  const res = await runCase(model!, backend!, Number(threads), process.argv.includes('--profile'));
  console.log(JSON.stringify(res));
  // Dawn (webgpu) and native TensorFlow can keep the process alive after the backend is shut down.
  process.exit(0);
} else {
  const quick = process.argv.includes('--quick');
  const defaultBackends = ['wasm:1', `wasm:${Math.min(availableParallelism(), 8)}`, 'cpu:1', 'webgpu:0', 'tensorflow:0'];
  const backends = arg('--backends', [...new Set(defaultBackends)].join(',')).split(',').filter((x) => x.trim()).map(parseSpec);
  const models = arg('--models', quick ? 'tiny' : 'tiny,mid').split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of models) if (!['tiny', 'mid', 'full'].includes(m)) throw new Error(`--models: unknown model '${m}' (tiny | mid | full)`);
  const jsonFile = arg('--json', '');
  const caseTimeoutMs = Number(arg('--case-timeout', '1800')) * 1000;
  const records: CaseRecord[] = [];
  const save = () => {
    if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ runs: RUNS, modes: MODES, cores: availableParallelism(), cases: records }, null, 2) + '\n');
  };
  console.log(`training step (forward + backward w.r.t. all UNet parameters, batch 2), best of ${RUNS}; ${availableParallelism()} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('model'.padEnd(16) + 'backend'.padEnd(18) + 'params'.padStart(9) + '| checkpointed: ms/step'.padStart(23) + 'peak MiB'.padStart(9) + 'heap MiB'.padStart(9) + ' | plain: ms/step'.padStart(16) + 'peak MiB'.padStart(9) + 'heap MiB'.padStart(9) + ' | first step ms'.padStart(16) + '  wall s' + '  loss (first step)');
  for (const model of models) {
    for (const [b, t] of backends) {
      const spec = `${b}:${t}`;
      const t0 = performance.now();
      const childArgs = ['--import', 'tsx', import.meta.filename, '--case', model, b, String(t), '--runs', String(RUNS), '--modes', MODES.join(',')];
      if (ALLOW_SOFTWARE) childArgs.push('--webgpu-software');
      const res = spawnSync(process.execPath, childArgs, { encoding: 'utf8', timeout: caseTimeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 24, cwd: root });
      const wallMs = performance.now() - t0;
      const wall = `${(wallMs / 1000).toFixed(0)}`.padStart(8);
      const line = (res.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
      const parsed = line ? (JSON.parse(line) as CaseResult | Skipped) : undefined;
      if (parsed && 'skipped' in parsed) {
        console.log(`${label(model).padEnd(16)}${b}: ${b === 'webgpu' && !ALLOW_SOFTWARE && /software|adapter/.test(parsed.skipped) ? 'no hardware adapter, ' : ''}skipped (${parsed.skipped})`);
        records.push({ model, spec, skipped: parsed.skipped, wallMs });
      } else if (res.status !== 0 || !parsed) {
        const why = res.error && /ETIMEDOUT/.test(String(res.error))
          ? `timed out after ${caseTimeoutMs / 1000} s`
          : (res.stderr ?? '').split('\n').filter((l) => /Error|error:/.test(l)).slice(0, 3).join(' ').slice(0, 400);
        console.log(`${label(model).padEnd(16)}${spec.padEnd(18)} failed (${res.status ?? res.signal}): ${why}`);
        records.push({ model, spec, failed: `${res.status ?? res.signal}: ${why}`, wallMs });
      } else {
        const r = parsed;
        const f = (v: number | null | undefined) => (v == null || !Number.isFinite(v) ? '-' : v.toFixed(0));
        const heap = (v: number | null | undefined) => (r.backend === 'wasm' || r.backend === 'webgpu' ? f(v) : '-');
        console.log(label(model).padEnd(16) + backendLabel(r).padEnd(18) + `${(r.params / 1e6).toFixed(1)} M`.padStart(9)
          + f(r.ms.checkpoint).padStart(23) + f(r.peakMiB.checkpoint).padStart(9) + heap(r.heapMiB.checkpoint).padStart(9)
          + f(r.ms.plain).padStart(16) + f(r.peakMiB.plain).padStart(9) + heap(r.heapMiB.plain).padStart(9)
          + f(r.firstMs).padStart(16) + wall + `  ${r.loss?.toPrecision(7) ?? '-'}`);
        if (r.adapter) console.log(`${''.padEnd(16)}  adapter: ${r.adapter}${r.software ? ' (SOFTWARE adapter: CPU emulation, not a GPU timing)' : ''}`);
        records.push({ model, spec, result: r, wallMs });
      }
      save();
    }
  }

  // Per model and checkpoint mode: the fastest backend, and every other one as a multiple of it.
  console.log('\nfastest backend per model (ms/step; xN = N times slower than the fastest):');
  for (const model of models) {
    for (const mode of MODES) {
      const done = records.filter((r) => r.model === model && r.result?.ms[mode] !== undefined && Number.isFinite(r.result.ms[mode]));
      if (done.length === 0) continue;
      done.sort((a, b) => a.result!.ms[mode]! - b.result!.ms[mode]!);
      const best = done[0]!.result!.ms[mode]!;
      const rest = done.slice(1).map((r) => `${backendLabel(r.result!)} ${r.result!.ms[mode]!.toFixed(0)} ms x${(r.result!.ms[mode]! / best).toFixed(2)}`);
      console.log(`  ${label(model).padEnd(14)} ${mode.padEnd(10)} fastest: ${backendLabel(done[0]!.result!)} ${best.toFixed(0)} ms${rest.length ? `; ${rest.join(', ')}` : ''}`);
    }
  }
  // Same inputs and weights on every backend: the first step's loss should agree (float32 rounding aside).
  for (const model of models) {
    const done = records.filter((r) => r.model === model && r.result?.loss !== undefined);
    if (done.length < 2) continue;
    const ref = done[0]!.result!;
    const diffs = done.slice(1).map((r) => `${backendLabel(r.result!)} ${(Math.abs(r.result!.loss! - ref.loss!) / Math.max(1e-12, Math.abs(ref.loss!))).toExponential(1)}`);
    console.log(`  ${label(model).padEnd(14)} loss vs ${backendLabel(ref)} (relative difference): ${diffs.join(', ')}`);
  }
  if (jsonFile) console.log(`results: ${jsonFile}`);
}
