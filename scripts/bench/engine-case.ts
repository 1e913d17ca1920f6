// One benchmark case of `npm run bench:engine`, in its own process (a process can initialise only one
// wasm build and thread count). Prints one JSON line on stdout.
//   engine-case.ts <backend> <threads> tiny <fixture-set>
//   engine-case.ts <backend> <threads> sd15-full <H> <W> [resident] [hardware-only]   (default: host-placed weights;
//                  hardware-only: a software WebGPU adapter prints {skipped} instead)
//   engine-case.ts <backend> <threads> attention <Nq> <Nk> <heads> <d> <maxScoreElements|all>
import { join } from 'node:path';
import * as tf from '../../models/tf.ts';
import { initBackend, memoryReport, shutdownBackend } from '../../models/backend/index.ts';
import type { RequestedBackend } from '../../models/backend/index.ts';
import { openCheckpoint } from '../../models/io/index.ts';
import { loadLeffa } from '../../models/leffa/loaded.ts';
import { LeffaModel } from '../../models/leffa/model.ts';
import { parseUNetConfig } from '../../models/config/unet-config.ts';
import { parseVAEConfig } from '../../models/config/vae-config.ts';
import { multiHeadAttention } from '../../models/nn/attention.ts';
import type { ParamStore } from '../../models/nn/params.ts';
import { randomHostParams } from '../../models/nn/host-params.ts';
import { MapParamStore } from '../../models/nn/params.ts';
import { leffaSample } from '../../models/pipelines/leffa-pipeline.ts';
import { seededNoise } from '../../models/pipelines/noise.ts';
import { makeScheduler } from '../../models/pipelines/tryon.ts';
import { readFileSync } from 'node:fs';
import { currentRuntime } from '../../models/backend/webgpu-device.ts';

const [backend, threads, kind, ...rest] = process.argv.slice(2);
const shared = process.env.LEFFA_SHARED ?? join(import.meta.dirname, '..', '..', '..', 'shared');
const info = await initBackend({ backend: backend as RequestedBackend, threads: Number(threads), log: () => {} });
if (info.name === 'webgpu' && currentRuntime()?.summary.software && rest.includes('hardware-only')) {
  console.log(JSON.stringify({ skipped: `software adapter (${currentRuntime()!.summary.name})` }));
  process.exit(0);
}

async function unetPair(model: LeffaModel, p: ParamStore, h: number, w: number, reps: number) {
  const ref = tf.randomNormal([2, h, w, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
  const x = tf.randomNormal([2, h, w, 12], 0, 1, 'float32', 2) as tf.Tensor4D;
  const run = () => {
    const feats = model.referenceFeatures(p, ref, [500]);
    const eps = model.predictNoise(p, x, [500], feats);
    eps.dataSync();
    tf.dispose([eps, ...Object.values(feats)]);
  };
  run(); // warm-up
  const prof = await tf.profile(() => { run(); });
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) run();
  const ms = (performance.now() - t0) / reps;
  tf.dispose([ref, x]);
  return { ms, peakBytes: prof.peakBytes };
}

const out: Record<string, unknown> = { backend: info.name, threads: info.threads ?? null, kind };
if (kind === 'tiny') {
  const dir = join(shared, 'fixtures', rest[0]!);
  const m = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8'));
  const loaded = loadLeffa(join(dir, m.config.base_folder), openCheckpoint(join(dir, 'weights.safetensors')));
  out.set = rest[0];
  out.params = loaded.model.params().reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  Object.assign(out, await unetPair(loaded.model, loaded.params, 8, 6, 20));
  loaded.dispose();
} else if (kind === 'sd15-full') {
  // The real SD1.5 Leffa configuration (1.80 B parameters) with seeded random weights kept in JS memory and
  // uploaded per layer (the plan wasm needs beyond its 4 GiB heap; models/README.md).
  const [H, W] = [Number(rest[0]), Number(rest[1])];
  const man = JSON.parse(readFileSync(join(shared, 'fixtures', 'sd15-manifest.json'), 'utf8'));
  const model = new LeffaModel({ arch: 'sd15', unet: parseUNetConfig(man.configs.unet), vae: parseVAEConfig(man.configs.vae), scheduler: man.configs.scheduler });
  const t0 = performance.now();
  const host = randomHostParams(model.params().filter(LeffaModel.isUsed), 7);
  // resident: every weight uploaded once, as the app does on WebGPU and tfjs-node (models/README.md)
  const resident = rest.includes('resident');
  const params: ParamStore & { dispose(): void } = resident
    ? (() => { const m = new MapParamStore(new Map([...host.data.keys()].map((k) => [k, host.get(k)])), 'sd15 resident'); host.dispose(); return m; })()
    : host;
  out.placement = resident ? 'resident' : 'host';
  out.initMs = performance.now() - t0;
  out.params = model.params().reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  out.size = `${W}x${H}`;
  let peakHeap = 0, peakRss = 0;
  const sampleMem = () => { const m = memoryReport(); peakHeap = Math.max(peakHeap, m.wasmHeapBytes ?? 0); peakRss = Math.max(peakRss, m.rssBytes); };
  const pairOnce = () => tf.tidy(() => {
    const ref = tf.randomNormal([2, H / 8, W / 8, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const x = tf.randomNormal([2, H / 8, W / 8, 12], 0, 1, 'float32', 2) as tf.Tensor4D;
    const f = model.referenceFeatures(params, ref, [500]);
    model.predictNoise(params, x, [500], f).dataSync();
    tf.dispose(Object.values(f));
  });
  const timed = (f: () => void) => { const a = performance.now(); f(); sampleMem(); return performance.now() - a; };
  out.pairMsFirst = timed(pairOnce);
  out.ms = timed(pairOnce);
  const img = tf.randomUniform([1, H, W, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
  out.vaeEncodeMs = timed(() => { const post = model.vae.encode(params, img); post.mean.dataSync(); tf.dispose([post.mean, post.logvar, post.std]); });
  const z = tf.randomNormal([1, H / 8, W / 8, 4], 0, 1, 'float32', 4) as tf.Tensor4D;
  out.vaeDecodeMs = timed(() => { const d = model.vae.decode(params, z); d.dataSync(); d.dispose(); });
  const m = { model, params, placement: resident ? 'resident' as const : 'host' as const, precision: 'fp32' as const, dispose: () => params.dispose() };
  const x = tf.tidy(() => ({ srcImage: img.clone(), refImage: img.clone(), mask: tf.ones([1, H, W, 1]) as tf.Tensor4D, densepose: img.clone() }));
  const stepMs: number[] = [];
  const s0 = performance.now();
  const r = await leffaSample(m, makeScheduler(m, 'ddpm'), x, { steps: 2, noise: seededNoise(1), onStep: (i) => { stepMs.push(i.stepMs); sampleMem(); } });
  r.decoded.dataSync();
  out.pipeline2Ms = performance.now() - s0;
  out.stepMs = stepMs.reduce((a, b) => a + b, 0) / stepMs.length;
  out.peakBytes = 0;
  out.peakHeapBytes = peakHeap; out.peakRssBytes = peakRss;
  tf.dispose([img, z, r.latent, r.decoded, ...Object.values(x)]);
  params.dispose();
} else if (kind === 'attention') {
  const [Nq, Nk, h, d] = rest.slice(0, 4).map(Number) as [number, number, number, number];
  const budget = rest[4] === 'all' ? Infinity : Number(rest[4]);
  const q = tf.randomNormal([1, Nq, h * d]) as tf.Tensor3D;
  const k = tf.randomNormal([1, Nk, h * d]) as tf.Tensor3D;
  const v = tf.randomNormal([1, Nk, h * d]) as tf.Tensor3D;
  const t0 = performance.now();
  const prof = await tf.profile(() => { const o = multiHeadAttention(q, k, v, { heads: h, maxScoreElements: budget }); o.dataSync(); o.dispose(); });
  out.ms = performance.now() - t0;
  out.peakBytes = prof.peakBytes;
  out.gflops = (4 * Nq * Nk * h * d) / 1e9;
  tf.dispose([q, k, v]);
}
const mem = memoryReport();
out.rssBytes = mem.rssBytes;
out.wasmHeapBytes = mem.wasmHeapBytes ?? null;
console.log(JSON.stringify(out));
await shutdownBackend();
