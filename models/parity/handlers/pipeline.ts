// Parity handler for the `pipeline_<case>` records (fixtures README §4.6): the full LeffaPipeline call with
// the reference's recorded random draws replayed, every per-step tensor compared.
import * as tf from '../../tf.ts';
import type { LoadedLeffa } from '../../leffa/loaded.ts';
import { DDPMScheduler } from '../../schedulers/ddpm.ts';
import { givenNoise } from '../../pipelines/noise.ts';
import { decodedToUnit, leffaSample } from '../../pipelines/leffa-pipeline.ts';
import { floatsToUint8 } from '../../image/to_uint8.ts';
import { fromNCHW, toNCHW } from '../layout.ts';
import type { ParityContext, ProducedTensor, RecordHandler } from '../types.ts';

/** Stacks NCHW copies of per-step tensors: S x [N,C,h,w] -> [S,N,C,h,w]. */
function stack(items: ProducedTensor[]): ProducedTensor {
  const per = items[0]!.data.length;
  const data = new Float32Array(per * items.length);
  items.forEach((it, i) => data.set(it.data as Float32Array, i * per));
  return { shape: [items.length, ...items[0]!.shape], data };
}

export const pipelineHandler: RecordHandler = {
  ids: ['pipeline_*'],
  needsModel: true,
  async run(record, ctx: ParityContext) {
    const m = (await ctx.model()) as LoadedLeffa;
    const pre = `pipeline/${record.id.slice('pipeline_'.length)}`;
    const prm = record.params ?? {};
    const nhwc = (n: string) => fromNCHW(ctx.float(`${pre}/${n}`), ctx.tensor(`${pre}/${n}`).shape);
    const inputs = { srcImage: nhwc('src_image'), refImage: nhwc('ref_image'), mask: nhwc('mask'), densepose: nhwc('densepose') };
    const stepRaw = ctx.tensor(`${pre}/noise/step`); // [S,B,4,h,w]
    const [S, ...one] = stepRaw.shape;
    const per = one.reduce((a, b) => a * b, 1);
    const stepData = ctx.float(`${pre}/noise/step`);
    const steps = Array.from({ length: S! }, (_, i) => fromNCHW(stepData.subarray(i * per, (i + 1) * per), one));
    const noise = { vaeMasked: nhwc('noise/vae_masked'), vaeRef: nhwc('noise/vae_ref'), init: nhwc('noise/init'), steps };
    const traces = new Map<string, ProducedTensor[]>();
    const out = new Map<string, ProducedTensor>();
    const scheduler = DDPMScheduler.fromConfig(m.model.configs.scheduler);
    try {
      const res = await leffaSample(m, scheduler, inputs, {
        steps: Number(prm.num_inference_steps ?? S),
        guidanceScale: Number(prm.guidance_scale ?? 2.5),
        refAcceleration: Boolean(prm.ref_acceleration),
        noise: givenNoise(noise),
        trace: (name, t) => { const a = traces.get(name) ?? []; a.push(toNCHW(t)); traces.set(name, a); },
      });
      try {
        for (const n of ['masked_image_latent', 'ref_image_latent', 'mask_latent', 'densepose_latent']) out.set(`${pre}/${n}`, traces.get(n)![0]!);
        for (const n of ['unet_input', 'ref_unet_input', 'noise_pred_raw', 'noise_pred_guided', 'latent_in', 'latent_out']) out.set(`${pre}/steps/${n}`, stack(traces.get(n)!));
        out.set(`${pre}/timesteps`, { shape: [res.timesteps.length], data: res.timesteps });
        out.set(`${pre}/ref_unet_timesteps`, { shape: [res.refTimesteps.length], data: res.refTimesteps });
        out.set(`${pre}/final_latent`, toNCHW(res.latent));
        out.set(`${pre}/decoded_raw`, toNCHW(res.decoded));
        const unit = decodedToUnit(res.decoded);
        out.set(`${pre}/image_float`, { shape: unit.shape.slice(), data: unit.dataSync() as Float32Array });
        unit.dispose();
        out.set(`${pre}/image_uint8`, { shape: res.decoded.shape.slice(), data: floatsToUint8(res.decoded.dataSync()) });
      } finally {
        tf.dispose([res.latent, res.decoded]);
      }
    } finally {
      tf.dispose([...Object.values(inputs), noise.vaeMasked, noise.vaeRef, noise.init, ...steps]);
    }
    return out;
  },
};
