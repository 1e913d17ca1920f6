// One case of `npm run bench:sample`, in its own process. Prints one JSON line.
//   sample-case.ts <backend> <threads> tiny <fixture-set> <steps> <accel 0|1>
//   sample-case.ts <backend> <threads> sd15 <H> <W> <steps> <accel 0|1>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../../models/tf.ts';
import { initBackend, memoryReport, shutdownBackend, type RequestedBackend } from '../../models/backend/index.ts';
import { openLeffa } from '../../models/leffa/open.ts';
import { LeffaModel } from '../../models/leffa/model.ts';
import type { LoadedLeffa } from '../../models/leffa/loaded.ts';
import { parseUNetConfig } from '../../models/config/unet-config.ts';
import { parseVAEConfig } from '../../models/config/vae-config.ts';
import { randomHostParams } from '../../models/nn/host-params.ts';
import { leffaSample } from '../../models/pipelines/leffa-pipeline.ts';
import { seededNoise } from '../../models/pipelines/noise.ts';
import { makeScheduler } from '../../models/pipelines/tryon.ts';

const [backend, threads, kind, ...rest] = process.argv.slice(2);
const shared = process.env.LEFFA_SHARED ?? join(import.meta.dirname, '..', '..', '..', 'shared');
const info = await initBackend({ backend: backend as RequestedBackend, threads: Number(threads), log: () => {} });
let m: LoadedLeffa;
let H: number, W: number, steps: number, accel: boolean;
const out: Record<string, unknown> = { backend: info.name, threads: info.threads ?? null, kind };
if (kind === 'tiny') {
  const dir = join(shared, 'fixtures', rest[0]!);
  const man = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8'));
  m = openLeffa(join(dir, 'weights.safetensors'), { base: join(dir, man.config.base_folder) });
  [H, W] = [64, 48];
  steps = Number(rest[1]); accel = rest[2] === '1';
  out.set = rest[0];
} else {
  [H, W] = [Number(rest[0]), Number(rest[1])];
  steps = Number(rest[2]); accel = rest[3] === '1';
  const man = JSON.parse(readFileSync(join(shared, 'fixtures', 'sd15-manifest.json'), 'utf8'));
  const model = new LeffaModel({ arch: 'sd15', unet: parseUNetConfig(man.configs.unet), vae: parseVAEConfig(man.configs.vae), scheduler: man.configs.scheduler });
  const t0 = performance.now();
  const params = randomHostParams(model.params().filter(LeffaModel.isUsed), 3);
  out.initMs = performance.now() - t0;
  m = { model, params, placement: 'host', precision: 'fp32', dispose: () => params.dispose() };
}
out.size = `${W}x${H}`; out.steps = steps; out.refAcceleration = accel;
const x = tf.tidy(() => ({
  srcImage: tf.randomUniform([1, H, W, 3], -1, 1, 'float32', 1) as tf.Tensor4D,
  refImage: tf.randomUniform([1, H, W, 3], -1, 1, 'float32', 2) as tf.Tensor4D,
  mask: tf.ones([1, H, W, 1]) as tf.Tensor4D,
  densepose: tf.randomUniform([1, H, W, 3], -1, 1, 'float32', 4) as tf.Tensor4D,
}));
let peakHeap = 0;
const stepMs: number[] = [];
const t0 = performance.now();
const r = await leffaSample(m, makeScheduler(m, 'ddpm'), x, {
  steps, refAcceleration: accel, noise: seededNoise(1),
  onStep: (i) => { stepMs.push(i.stepMs); peakHeap = Math.max(peakHeap, memoryReport().wasmHeapBytes ?? 0); },
});
r.decoded.dataSync();
out.totalMs = performance.now() - t0;
out.stepMs = stepMs;
out.meanStepMs = stepMs.reduce((a, b) => a + b, 0) / stepMs.length;
tf.dispose([r.latent, r.decoded, ...Object.values(x)]);
const mem = memoryReport();
out.rssBytes = mem.rssBytes; out.wasmHeapBytes = mem.wasmHeapBytes ?? null; out.peakHeapAtSteps = peakHeap || null;
m.dispose();
console.log(JSON.stringify(out));
await shutdownBackend();
