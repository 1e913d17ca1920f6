// Parity handlers for the model records: `vae`, `ref_unet`, `gen_unet` (fixtures README §4.1–4.3).
import * as tf from '../../tf.ts';
import type { LoadedLeffa } from '../../leffa/loaded.ts';
import { asIs, fromNCHW, toNCHW } from '../layout.ts';
import type { FixtureRecord, ParityContext, ProducedTensor, RecordHandler } from '../types.ts';

const ints = (ctx: ParityContext, name: string): number[] => Array.from(ctx.tensor(name).data as ArrayLike<number | bigint>, Number);
const nhwc = (ctx: ParityContext, name: string) => fromNCHW(ctx.float(name), ctx.tensor(name).shape);

export const vaeHandler: RecordHandler = {
  ids: ['vae'],
  needsModel: true,
  async run(record: FixtureRecord, ctx: ParityContext) {
    const m = (await ctx.model()) as LoadedLeffa;
    const out = new Map<string, ProducedTensor>();
    const sf = Number(record.params?.scaling_factor ?? m.model.vae.scalingFactor);
    if (Math.abs(sf - m.model.vae.scalingFactor) > 1e-12) throw new Error(`vae: record scaling_factor ${sf} differs from the config's ${m.model.vae.scalingFactor}`);
    const keep: tf.Tensor[] = [];
    try {
      const image = nhwc(ctx, 'vae/encode/image'); keep.push(image);
      const post = m.model.vae.encode(m.params, image); keep.push(post.mean, post.logvar, post.std);
      const eps = nhwc(ctx, 'vae/encode/eps'); keep.push(eps);
      const sample = m.model.vae.sample(post, eps, false); keep.push(sample);
      const scaled = m.model.vae.sample(post, eps, true); keep.push(scaled);
      const z = nhwc(ctx, 'vae/decode/latent'); keep.push(z);
      const dec = m.model.vae.decode(m.params, z); keep.push(dec);
      out.set('vae/encode/mean', toNCHW(post.mean));
      out.set('vae/encode/logvar', toNCHW(post.logvar));
      out.set('vae/encode/std', toNCHW(post.std));
      out.set('vae/encode/sample', toNCHW(sample));
      out.set('vae/encode/latent_scaled', toNCHW(scaled));
      out.set('vae/decode/sample', toNCHW(dec));
    } finally { tf.dispose(keep); }
    return out;
  },
};

export const refUnetHandler: RecordHandler = {
  ids: ['ref_unet'],
  needsModel: true,
  async run(_record, ctx) {
    const m = (await ctx.model()) as LoadedLeffa;
    const out = new Map<string, ProducedTensor>();
    const latent = nhwc(ctx, 'ref_unet/latent');
    const r = m.model.unetEncoder.forward(m.params, latent, ints(ctx, 'ref_unet/timestep'), { capture: true, until: 'last_up_block', intermediates: true });
    try {
      m.model.unetEncoder.attentionLayers().forEach((layer, i) => {
        out.set(`ref_unet/feature/${String(i).padStart(2, '0')}`, asIs(r.features![layer]!));
      });
      out.set('ref_unet/time_embedding', asIs(r.intermediates!.time_embedding!));
      out.set('ref_unet/sample_out', toNCHW(r.sample!));
    } finally {
      tf.dispose([latent, r.sample!, ...Object.values(r.features ?? {}), ...Object.values(r.intermediates ?? {})]);
    }
    return out;
  },
};

export const genUnetHandler: RecordHandler = {
  ids: ['gen_unet'],
  needsModel: true,
  async run(record, ctx) {
    const m = (await ctx.model()) as LoadedLeffa;
    const out = new Map<string, ProducedTensor>();
    const layers = m.model.unet.attentionLayers();
    const featNames = record.inputs.filter((n) => n.startsWith('ref_unet/feature/')).sort();
    if (featNames.length !== layers.length) throw new Error(`gen_unet: record has ${featNames.length} reference features, the model has ${layers.length} attention layers`);
    const reference: Record<string, tf.Tensor3D> = {};
    featNames.forEach((n, i) => { const t = ctx.tensor(n); reference[layers[i]!] = tf.tensor3d(ctx.float(n), t.shape as [number, number, number]); });
    const input = nhwc(ctx, 'gen_unet/input');
    const r = m.model.unet.forward(m.params, input, ints(ctx, 'gen_unet/timestep'), { reference, intermediates: true });
    try {
      out.set('gen_unet/noise_pred', toNCHW(r.sample!));
      for (const [k, t] of Object.entries(r.intermediates!)) out.set(`gen_unet/intermediate/${k}`, t.rank === 4 ? toNCHW(t) : asIs(t));
    } finally {
      tf.dispose([input, r.sample!, ...Object.values(reference), ...Object.values(r.intermediates ?? {})]);
    }
    return out;
  },
};
