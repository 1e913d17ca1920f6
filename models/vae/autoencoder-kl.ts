// diffusers AutoencoderKL (spec §1.5): Encoder -> quant_conv -> diagonal Gaussian posterior;
// post_quant_conv -> Decoder. NHWC throughout.
import * as tf from '../tf.ts';
import { SpecList, type ParamSpec, type ParamStore } from '../nn/params.ts';
import { conv2d, groupNorm, silu, upsampleNearest2x } from '../nn/layers.ts';
import { multiHeadAttention } from '../nn/attention.ts';
import { linear } from '../nn/layers.ts';
import type { VAEConfig } from '../config/vae-config.ts';
import { ResnetBlock2D } from '../unet/resnet.ts';

const VAE_EPS = 1e-6;

/** The VAE mid-block attention: GroupNorm, single head over all pixels, residual (diffusers Attention with group_norm). */
class VAEAttention {
  constructor(readonly path: string, readonly channels: number, readonly groups: number) {}
  params(): ParamSpec[] {
    const s = new SpecList(this.path);
    s.norm('group_norm', this.channels);
    for (const n of ['to_q', 'to_k', 'to_v', 'to_out.0']) s.linear(n, this.channels, this.channels);
    return s.specs;
  }
  forward(p: ParamStore, x: tf.Tensor4D, maxScoreElements?: number): tf.Tensor4D {
    return tf.tidy(() => {
      const [B, H, W, C] = x.shape;
      const t = groupNorm(p, `${this.path}.group_norm`, x, this.groups, VAE_EPS).reshape([B, H * W, C]) as tf.Tensor3D; // [B, HW, C]
      const q = linear(p, `${this.path}.to_q`, t) as tf.Tensor3D;
      const k = linear(p, `${this.path}.to_k`, t) as tf.Tensor3D;
      const v = linear(p, `${this.path}.to_v`, t) as tf.Tensor3D;
      const o = linear(p, `${this.path}.to_out.0`, multiHeadAttention(q, k, v, { heads: 1, maxScoreElements })); // [B, HW, C]
      return o.reshape([B, H, W, C]).add(x) as tf.Tensor4D;
    });
  }
}

/** UNetMidBlock2D without time embedding: resnet, (attention, resnet). */
class VAEMidBlock {
  readonly resnets: ResnetBlock2D[];
  readonly attention: VAEAttention | null;
  constructor(readonly path: string, c: number, groups: number, addAttention: boolean) {
    const r = (i: number) => new ResnetBlock2D(`${path}.resnets.${i}`, { inChannels: c, outChannels: c, tembChannels: null, groups, eps: VAE_EPS });
    this.resnets = [r(0), r(1)];
    this.attention = addAttention ? new VAEAttention(`${path}.attentions.0`, c, groups) : null;
  }
  params(): ParamSpec[] {
    return [...(this.attention?.params() ?? []), ...this.resnets[0]!.params(), ...this.resnets[1]!.params()];
  }
  forward(p: ParamStore, x: tf.Tensor4D, maxScoreElements?: number): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.resnets[0]!.forward(p, x, null);
      if (this.attention) h = this.attention.forward(p, h, maxScoreElements);
      return this.resnets[1]!.forward(p, h, null);
    });
  }
}

export interface Posterior {
  mean: tf.Tensor4D;
  /** Clamped to [-30, 20] as diffusers' DiagonalGaussianDistribution. */
  logvar: tf.Tensor4D;
  std: tf.Tensor4D;
}

export class AutoencoderKL {
  private readonly enc: { resnets: ResnetBlock2D[]; down: boolean; c: number }[] = [];
  private readonly dec: { resnets: ResnetBlock2D[]; up: boolean; c: number }[] = [];
  private readonly encMid: VAEMidBlock;
  private readonly decMid: VAEMidBlock;

  constructor(readonly prefix: string, readonly config: VAEConfig) {
    const { block_out_channels: boc, layers_per_block: lpb, norm_num_groups: g } = config;
    const res = (path: string, i: number, o: number) => new ResnetBlock2D(path, { inChannels: i, outChannels: o, tembChannels: null, groups: g, eps: VAE_EPS });
    let out = boc[0]!;
    boc.forEach((c, i) => {
      const inC = out;
      out = c;
      this.enc.push({ c, down: i < boc.length - 1, resnets: Array.from({ length: lpb }, (_, j) => res(`${prefix}.encoder.down_blocks.${i}.resnets.${j}`, j === 0 ? inC : c, c)) });
    });
    const top = boc[boc.length - 1]!;
    this.encMid = new VAEMidBlock(`${prefix}.encoder.mid_block`, top, g, config.mid_block_add_attention);
    this.decMid = new VAEMidBlock(`${prefix}.decoder.mid_block`, top, g, config.mid_block_add_attention);
    const rev = boc.slice().reverse();
    out = rev[0]!;
    rev.forEach((c, i) => {
      const prev = out;
      out = c;
      this.dec.push({ c, up: i < boc.length - 1, resnets: Array.from({ length: lpb + 1 }, (_, j) => res(`${prefix}.decoder.up_blocks.${i}.resnets.${j}`, j === 0 ? prev : c, c)) });
    });
  }

  get scalingFactor(): number { return this.config.scaling_factor; }
  /** Pixels per latent pixel along each side: 2^(levels − 1), diffusers' `vae_scale_factor` (8 for SD). */
  get scaleFactor(): number { return 2 ** (this.config.block_out_channels.length - 1); }

  /** Every parameter, in PyTorch state-dict order. */
  params(): ParamSpec[] {
    const { block_out_channels: boc, latent_channels: lc, in_channels: ic, out_channels: oc } = this.config;
    const top = boc[boc.length - 1]!;
    const s = new SpecList(this.prefix);
    const e = s.child('encoder');
    e.conv('conv_in', boc[0]!, ic, 3);
    this.enc.forEach((b, i) => {
      for (const r of b.resnets) s.specs.push(...r.params());
      if (b.down) e.child(`down_blocks.${i}.downsamplers.0`).conv('conv', b.c, b.c, 3);
    });
    s.specs.push(...this.encMid.params());
    e.norm('conv_norm_out', top);
    e.conv('conv_out', 2 * lc, top, 3);
    const d = s.child('decoder');
    d.conv('conv_in', top, lc, 3);
    this.dec.forEach((b, i) => {
      for (const r of b.resnets) s.specs.push(...r.params());
      if (b.up) d.child(`up_blocks.${i}.upsamplers.0`).conv('conv', b.c, b.c, 3);
    });
    s.specs.push(...this.decMid.params());
    d.norm('conv_norm_out', boc[0]!);
    d.conv('conv_out', oc, boc[0]!, 3);
    s.conv('quant_conv', 2 * lc, 2 * lc, 1);
    s.conv('post_quant_conv', lc, lc, 1);
    return s.specs;
  }

  /** image [B,H,W,3] in [-1,1] -> posterior over latents [B,H/f,W/f,4], f = scaleFactor (8 for SD; H, W multiples of f). */
  encode(p: ParamStore, image: tf.Tensor4D, maxScoreElements?: number): Posterior {
    const f = 2 ** (this.config.block_out_channels.length - 1);
    if (image.shape[1] % f !== 0 || image.shape[2] % f !== 0) {
      throw new Error(`${this.prefix}.encode: image size ${image.shape[1]}x${image.shape[2]} must be divisible by ${f}`);
    }
    if (image.shape[3] !== this.config.in_channels) throw new Error(`${this.prefix}.encode: image has ${image.shape[3]} channels, expected ${this.config.in_channels}`);
    const [mean, logvar, std] = tf.tidy(() => {
      const n = `${this.prefix}.encoder`;
      const g = this.config.norm_num_groups;
      let h = conv2d(p, `${n}.conv_in`, image); // [B,H,W,C0]
      this.enc.forEach((b, i) => {
        for (const r of b.resnets) h = r.forward(p, h, null);
        if (b.down) {
          // Encoder Downsample2D (padding=0): pad right and bottom by one, then a 3x3 stride-2 conv without
          // padding — unlike the UNet's symmetric padding. [B,H,W,C] -> [B,H/2,W/2,C]
          h = conv2d(p, `${n}.down_blocks.${i}.downsamplers.0.conv`, tf.pad(h, [[0, 0], [0, 1], [0, 1], [0, 0]]), { stride: 2, pad: 0 });
        }
      });
      h = this.encMid.forward(p, h, maxScoreElements);
      h = conv2d(p, `${n}.conv_out`, silu(groupNorm(p, `${n}.conv_norm_out`, h, g, VAE_EPS)) as tf.Tensor4D); // [B,h,w,2*lc]
      const moments = conv2d(p, `${this.prefix}.quant_conv`, h); // [B,h,w,2*lc]
      const [m, lv] = tf.split(moments, 2, 3) as [tf.Tensor4D, tf.Tensor4D]; // torch.chunk(2, dim=1)
      const lvc = tf.clipByValue(lv, -30, 20);
      return [m, lvc, tf.exp(lvc.mul(0.5))] as tf.Tensor4D[];
    });
    return { mean: mean!, logvar: logvar!, std: std! };
  }

  /** Posterior sample mean + std * eps, times the scaling factor when `scaled`. */
  sample(post: Posterior, eps: tf.Tensor4D, scaled: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      const s = post.mean.add(post.std.mul(eps)) as tf.Tensor4D;
      return scaled ? s.mul(this.scalingFactor) : s;
    });
  }

  /** z [B,h,w,4] (unscaled) -> raw decoder output [B,H,W,3]. */
  decode(p: ParamStore, z: tf.Tensor4D, maxScoreElements?: number): tf.Tensor4D {
    if (z.shape[3] !== this.config.latent_channels) throw new Error(`${this.prefix}.decode: latent has ${z.shape[3]} channels, expected ${this.config.latent_channels}`);
    return tf.tidy(() => {
      const n = `${this.prefix}.decoder`;
      const g = this.config.norm_num_groups;
      let h = conv2d(p, `${n}.conv_in`, conv2d(p, `${this.prefix}.post_quant_conv`, z)); // [B,h,w,Ctop]
      h = this.decMid.forward(p, h, maxScoreElements);
      this.dec.forEach((b, i) => {
        for (const r of b.resnets) h = r.forward(p, h, null);
        if (b.up) h = conv2d(p, `${n}.up_blocks.${i}.upsamplers.0.conv`, upsampleNearest2x(h)); // [B,2h,2w,C]
      });
      return conv2d(p, `${n}.conv_out`, silu(groupNorm(p, `${n}.conv_norm_out`, h, g, VAE_EPS)) as tf.Tensor4D); // [B,H,W,3]
    });
  }
}
