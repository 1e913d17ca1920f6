// Periodic sample images on held-out pairs: the model as it stands (EMA weights by default) runs the real
// try-on sampler (leffaSample, seeded, CFG) on pairs it never trains on, and a grid is written per step:
// one row per pair, columns [person (ground truth) | garment | masked input | generated].
import * as tf from '../tf.ts';
import { batchItem, denseposeToTensor, imageToTensor, maskToTensor, tensorToImageUint8, writePng, type RgbImage } from '../image/index.ts';
import type { LoadedLeffa } from '../leffa/loaded.ts';
import { leffaSample } from '../pipelines/leffa-pipeline.ts';
import { seededNoise } from '../pipelines/noise.ts';
import { DDPMScheduler } from '../schedulers/ddpm.ts';
import type { PairImages, PairSource } from './dataset.ts';

export interface SampleSettings {
  count: number;
  steps: number;
  guidance: number;
  seed: number;
  width: number;
  height: number;
  signal?: AbortSignal;
}

/** Generates try-ons for the first `count` held-out pairs (batch 1 each, same seed). */
export async function generateHeldOut(m: LoadedLeffa, source: PairSource, s: SampleSettings): Promise<{ pairs: PairImages[]; outputs: RgbImage[] }> {
  const n = Math.min(s.count, source.heldOutSize);
  const pairs: PairImages[] = [];
  const outputs: RgbImage[] = [];
  for (let i = 0; i < n; i++) {
    const pair = await source.load('heldout', i, s);
    const inputs = tf.tidy(() => ({
      srcImage: imageToTensor(pair.person), refImage: imageToTensor(pair.garment),
      mask: maskToTensor(pair.mask), densepose: denseposeToTensor(pair.densepose),
    }));
    try {
      const res = await leffaSample(m, DDPMScheduler.fromConfig(m.model.configs.scheduler), inputs, {
        steps: s.steps, guidanceScale: s.guidance, noise: seededNoise(s.seed), signal: s.signal,
      });
      try { outputs.push(batchItem(tensorToImageUint8(res.decoded), 0)); } finally { tf.dispose([res.latent, res.decoded]); }
    } finally {
      tf.dispose(Object.values(inputs));
    }
    pairs.push(pair);
  }
  return { pairs, outputs };
}

/** Person with the masked region greyed, as the generative UNet's masked-image input shows it. */
function maskedPerson(p: PairImages): Uint8Array {
  const out = Uint8Array.from(p.person.data);
  for (let i = 0; i < p.mask.data.length; i++) if (p.mask.data[i]! >= 128) out.fill(128, i * 3, i * 3 + 3);
  return out;
}

/** The grid image: one row per pair. */
export function sampleGrid(pairs: PairImages[], outputs: RgbImage[]): RgbImage {
  const { width: W, height: H } = pairs[0]!.person;
  const cols = 4;
  const data = new Uint8Array(W * cols * H * pairs.length * 3);
  pairs.forEach((p, r) => {
    const tiles = [p.person.data, p.garment.data, maskedPerson(p), outputs[r]!.data];
    for (let y = 0; y < H; y++) {
      tiles.forEach((t, c) => data.set(t.subarray(y * W * 3, (y + 1) * W * 3), ((r * H + y) * W * cols + c * W) * 3));
    }
  });
  return { data, width: W * cols, height: H * pairs.length };
}

export async function writeSampleGrid(path: string, pairs: PairImages[], outputs: RgbImage[], text: Record<string, string> = {}): Promise<void> {
  const g = sampleGrid(pairs, outputs);
  await writePng(path, g.data, g.width, g.height, { text });
}
