// Parity handler for the `scheduler` record (fixtures README §4.4): the DDPM tables, timesteps, step
// cases and add_noise, recomputed from the record's inputs and params with the engine's DDPMScheduler.
// Pure maths (no model). Scheduler ops are elementwise, so tensors stay in the stored NCHW layout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../../tf.ts';
import { DDPMScheduler } from '../../schedulers/ddpm.ts';
import type { RawSchedulerConfig } from '../../schedulers/config.ts';
import type { FixtureRecord, ParityContext, ProducedTensor, RecordHandler } from '../types.ts';

/** Schedule names used in the record → the `rescale_betas_zero_snr` override they stand for. */
const SCHEDULES: Record<string, boolean> = { sd15: false, zero_snr: true };

interface StepCase {
  index: number;
  schedule: string;
  num_inference_steps: number;
  timestep: number;
  prev_timestep: number;
}

/** The diffusers scheduler config of the set's base folder (LeffaModel re-reads it as a DDPMScheduler). */
export function readBaseSchedulerConfig(baseFolder: string): RawSchedulerConfig {
  const path = join(baseFolder, 'scheduler', 'scheduler_config.json');
  return JSON.parse(readFileSync(path, 'utf8')) as RawSchedulerConfig;
}

function stepCases(record: FixtureRecord): StepCase[] {
  const cases = record.params?.step_cases;
  if (!Array.isArray(cases)) throw new Error(`${record.id}: params.step_cases is missing (expected an array of step cases)`);
  return cases as StepCase[];
}

/** A float input of the record as a tensor in its stored layout. */
function input(ctx: ParityContext, name: string): tf.Tensor {
  return tf.tensor(ctx.float(name), ctx.manifest.tensors[name]?.shape ?? ctx.tensor(name).shape, 'float32');
}

/** Reads a tensor back as a produced output and disposes it. */
function produced(t: tf.Tensor): ProducedTensor {
  try {
    return { shape: t.shape.slice(), data: t.dataSync() as Float32Array };
  } finally {
    t.dispose();
  }
}

const int64 = (values: ArrayLike<number>): ProducedTensor => ({
  shape: [values.length],
  data: BigInt64Array.from(Array.from(values), (v) => BigInt(v)),
});

export const schedulerHandler: RecordHandler = {
  ids: ['scheduler'],
  needsModel: false,
  async run(record, ctx) {
    const base = readBaseSchedulerConfig(ctx.baseFolder);
    const cache = new Map<string, DDPMScheduler>();
    const scheduler = (schedule: string): DDPMScheduler => {
      if (!(schedule in SCHEDULES)) throw new Error(`${record.id}: unknown schedule ${JSON.stringify(schedule)}; expected one of ${Object.keys(SCHEDULES).join(', ')}`);
      let s = cache.get(schedule);
      if (!s) cache.set(schedule, (s = DDPMScheduler.fromConfig(base, { rescale_betas_zero_snr: SCHEDULES[schedule]! })));
      return s;
    };
    const out = new Map<string, ProducedTensor>();

    // One DDPM step per case; writes both of its outputs.
    const runStep = (i: number): void => {
      const c = stepCases(record).find((x) => x.index === i);
      if (!c) throw new Error(`${record.id}: no step case with index ${i} in params.step_cases`);
      const s = scheduler(c.schedule);
      s.setTimesteps(c.num_inference_steps);
      const prev = s.previousTimestep(c.timestep);
      if (prev !== c.prev_timestep) throw new Error(`${record.id}: step case ${i}: previous timestep of ${c.timestep} is ${prev}, the record says ${c.prev_timestep}`);
      const p = `scheduler/step/${i}`;
      const [eps, x, z] = [input(ctx, `${p}/model_output`), input(ctx, `${p}/sample`), input(ctx, `${p}/variance_noise`)];
      try {
        const r = s.step(eps, c.timestep, x, { varianceNoise: z });
        out.set(`${p}/prev_sample`, produced(r.prevSample));
        out.set(`${p}/pred_original_sample`, produced(r.predOriginalSample));
      } finally {
        tf.dispose([eps, x, z]);
      }
    };

    for (const name of record.outputs) {
      if (out.has(name)) continue;
      let m: RegExpMatchArray | null;
      if ((m = name.match(/^scheduler\/(\w+)\/(betas|alphas_cumprod)$/))) {
        const s = scheduler(m[1]!);
        const table = m[2] === 'betas' ? s.betas : s.alphasCumprod;
        out.set(name, { shape: [table.length], data: table.slice() });
      } else if ((m = name.match(/^scheduler\/timesteps_(\d+)$/))) {
        const s = new DDPMScheduler(base); // spacing does not depend on the betas
        s.setTimesteps(Number(m[1]));
        out.set(name, int64(s.timesteps));
      } else if ((m = name.match(/^scheduler\/step\/(\d+)\/(prev_sample|pred_original_sample)$/))) {
        runStep(Number(m[1]));
      } else if ((m = name.match(/^scheduler\/add_noise\/(\w+)\/noisy$/))) {
        const s = scheduler(m[1]!);
        const ts = Array.from(ctx.tensor('scheduler/add_noise/timesteps').data as ArrayLike<number | bigint>, Number);
        const [x0, noise] = [input(ctx, 'scheduler/add_noise/original'), input(ctx, 'scheduler/add_noise/noise')];
        try {
          out.set(name, produced(s.addNoise(x0, noise, ts)));
        } finally {
          tf.dispose([x0, noise]);
        }
      } else {
        throw new Error(`${record.id}: output ${name} is not one this handler knows how to compute`);
      }
    }
    return out;
  },
};
