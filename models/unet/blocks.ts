// UNet down / mid / up blocks (diffusers unet_2d_blocks.py), parameter order = PyTorch registration
// order (attentions, resnets, then down/upsamplers), so the spec list matches the state dict key order.
import * as tf from '../tf.ts';
import type { ParamSpec } from '../nn/params.ts';
import { SpecList } from '../nn/params.ts';
import { conv2d, upsampleNearest2x } from '../nn/layers.ts';
import { ResnetBlock2D } from './resnet.ts';
import { Transformer2DModel, type TransformerRunContext } from './transformer.ts';

export interface BlockOptions {
  numLayers: number;
  transformerLayers: number;
  inChannels: number;
  outChannels: number;
  prevOutputChannels?: number;
  tembChannels: number;
  groups: number;
  eps: number;
  heads: number;
  crossDim: number;
  linearProjection: boolean;
  downsamplePadding?: number;
  hasAttention: boolean;
  addSampler: boolean;
}

/** Path of a sub-module both as full path (for weights) and as the layer name inside the UNet. */
interface Names { path: string; layer: string }

/** `resnets.i` of a block: inC -> outC channels. */
function resnet(n: Names, o: BlockOptions, i: number, inC: number, outC: number): ResnetBlock2D {
  return new ResnetBlock2D(`${n.path}.resnets.${i}`, { inChannels: inC, outChannels: outC, tembChannels: o.tembChannels, groups: o.groups, eps: o.eps });
}

/** `attentions.i` of a block, on `channels` channels. */
function attention(n: Names, o: BlockOptions, i: number, channels: number): Transformer2DModel {
  return new Transformer2DModel(`${n.path}.attentions.${i}`, `${n.layer}.attentions.${i}`, channels, o.heads, o.transformerLayers, o.crossDim, o.groups, o.linearProjection);
}

/** Parameters of a down or up block: attentions, resnets, then the sampler's conv (`downsamplers.0` / `upsamplers.0`). */
function blockParams(b: { attentions: Transformer2DModel[]; resnets: ResnetBlock2D[]; n: Names; o: BlockOptions }, sampler: string): ParamSpec[] {
  const out: ParamSpec[] = [];
  for (const a of b.attentions) out.push(...a.params());
  for (const r of b.resnets) out.push(...r.params());
  if (b.o.addSampler) new SpecList(`${b.n.path}.${sampler}.0`, out).conv('conv', b.o.outChannels, b.o.outChannels, 3);
  return out;
}

export class DownBlock {
  readonly resnets: ResnetBlock2D[] = [];
  readonly attentions: Transformer2DModel[] = [];
  constructor(readonly n: Names, readonly o: BlockOptions) {
    for (let i = 0; i < o.numLayers; i++) {
      this.resnets.push(resnet(n, o, i, i === 0 ? o.inChannels : o.outChannels, o.outChannels));
      if (o.hasAttention) this.attentions.push(attention(n, o, i, o.outChannels));
    }
  }
  params(): ParamSpec[] {
    return blockParams(this, 'downsamplers');
  }
  /** Returns the block output and the skip states it adds (after each resnet/attention pair, and after the downsampler). */
  forward(x: tf.Tensor4D, temb: tf.Tensor2D, ctx: TransformerRunContext): { h: tf.Tensor4D; skips: tf.Tensor4D[] } {
    return tf.tidy(() => {
      const skips: tf.Tensor4D[] = [];
      let h = x;
      for (let i = 0; i < this.resnets.length; i++) {
        h = this.resnets[i]!.forward(ctx.p, h, temb); // [B,H,W,Cout]
        if (this.attentions[i]) h = this.attentions[i]!.forward(h, ctx);
        if (ctx.stopped) return { h, skips };
        skips.push(h);
      }
      if (this.o.addSampler) {
        // Downsample2D: 3x3 conv, stride 2, symmetric padding `downsample_padding` (1). [B,H,W,C] -> [B,H/2,W/2,C]
        h = conv2d(ctx.p, `${this.n.path}.downsamplers.0.conv`, h, { stride: 2, pad: this.o.downsamplePadding ?? 1 });
        skips.push(h);
      }
      return { h, skips };
    });
  }
}

export class MidBlock {
  readonly resnets: ResnetBlock2D[];
  readonly attentions: Transformer2DModel[];
  constructor(readonly n: Names, readonly o: BlockOptions) {
    const c = o.inChannels;
    this.resnets = [resnet(n, o, 0, c, c), resnet(n, o, 1, c, c)];
    this.attentions = [attention(n, o, 0, c)];
  }
  params(): ParamSpec[] {
    return [...this.attentions[0]!.params(), ...this.resnets[0]!.params(), ...this.resnets[1]!.params()];
  }
  forward(x: tf.Tensor4D, temb: tf.Tensor2D, ctx: TransformerRunContext): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.resnets[0]!.forward(ctx.p, x, temb);
      h = this.attentions[0]!.forward(h, ctx);
      if (ctx.stopped) return h;
      return this.resnets[1]!.forward(ctx.p, h, temb);
    });
  }
}

export class UpBlock {
  readonly resnets: ResnetBlock2D[] = [];
  readonly attentions: Transformer2DModel[] = [];
  constructor(readonly n: Names, readonly o: BlockOptions) {
    for (let i = 0; i < o.numLayers; i++) {
      const skipC = i === o.numLayers - 1 ? o.inChannels : o.outChannels;
      const resIn = i === 0 ? o.prevOutputChannels! : o.outChannels;
      this.resnets.push(resnet(n, o, i, resIn + skipC, o.outChannels));
      if (o.hasAttention) this.attentions.push(attention(n, o, i, o.outChannels));
    }
  }
  params(): ParamSpec[] {
    return blockParams(this, 'upsamplers');
  }
  /** skips: this block's skip states, consumed from the last one backwards. */
  forward(x: tf.Tensor4D, skips: tf.Tensor4D[], temb: tf.Tensor2D, ctx: TransformerRunContext): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      for (let i = 0; i < this.resnets.length; i++) {
        const skip = skips[skips.length - 1 - i]!;
        h = tf.concat([h, skip], 3) as tf.Tensor4D; // [B,H,W,C+Cskip], hidden first as torch.cat([h, res], dim=1)
        h = this.resnets[i]!.forward(ctx.p, h, temb);
        if (this.attentions[i]) h = this.attentions[i]!.forward(h, ctx);
        if (ctx.stopped) return h;
      }
      if (this.o.addSampler) {
        // Upsample2D: nearest x2 then 3x3 conv, padding 1. [B,H,W,C] -> [B,2H,2W,C]
        h = conv2d(ctx.p, `${this.n.path}.upsamplers.0.conv`, upsampleNearest2x(h));
      }
      return h;
    });
  }
}
