// One benchmark case of `npm run bench:engine`, in its own process (a process can initialise only one
// wasm build and thread count). Prints one JSON line on stdout.
//   engine-case.ts <backend> <threads> tiny <fixture-set>
//   engine-case.ts <backend> <threads> sd15-width <H> <W>
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
import { randomParams } from '../../models/leffa/load-params.ts';
import type { ParamStore } from '../../models/nn/params.ts';
import { multiHeadAttention } from '../../models/nn/attention.ts';
import { readFileSync } from 'node:fs';

const [backend, threads, kind, ...rest] = process.argv.slice(2);
const shared = process.env.LEFFA_SHARED ?? join(import.meta.dirname, '..', '..', '..', 'shared');
const info = await initBackend({ backend: backend as RequestedBackend, threads: Number(threads), log: () => {} });

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
} else if (kind === 'sd15-width') {
  const [H, W] = [Number(rest[0]), Number(rest[1])];
  const man = JSON.parse(readFileSync(join(shared, 'fixtures', 'sd15-manifest.json'), 'utf8'));
  const model = new LeffaModel({ arch: 'sd15', unet: parseUNetConfig(man.configs.unet), vae: parseVAEConfig(man.configs.vae), scheduler: man.configs.scheduler });
  // The two UNets have identical shapes except conv_in, so for speed figures the reference UNet reads
  // the generative UNet's tensors: one UNet's weights (3.44 GB) fit the 4 GiB wasm heap, two do not.
  const gen = model.unet.params().filter(LeffaModel.isUsed);
  const refConv = model.unetEncoder.params().filter((s) => s.name.startsWith('unet_encoder.conv_in.'));
  const t0 = performance.now();
  const store = randomParams([...gen, ...refConv], 7);
  out.initMs = performance.now() - t0;
  const p: ParamStore = { get: (n) => store.get(n.startsWith('unet_encoder.') && !n.startsWith('unet_encoder.conv_in.') ? `unet.${n.slice('unet_encoder.'.length)}` : n) };
  out.params = model.params().reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  out.size = `${H}x${W}`;
  Object.assign(out, await unetPair(model, p, H / 8, W / 8, 1));
  store.dispose();
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
