// diffusers Transformer2DModel (continuous input) and BasicTransformerBlock as Leffa uses them (spec §1.4):
// attn1 through the layer's processor; the "skipped" cross-attention leaves h = h + LayerNorm2(h)
// (SkipAttnProcessor returns its input, which the block adds to the residual); GEGLU feed-forward.
import * as tf from '../tf.ts';
import { SpecList, type ParamSpec } from '../nn/params.ts';
import { conv2d, geluExact, groupNorm, layerNorm, linear } from '../nn/layers.ts';
import { Attention, type AttnProcessor, type AttnRunContext } from './attention.ts';

export interface TransformerRunContext extends AttnRunContext {
  processorFor(layer: string): AttnProcessor;
  /** Layer name after whose LayerNorm1 the forward stops (reference UNet pruning). */
  stopAfter?: string;
  stopped?: boolean;
}

export class BasicTransformerBlock {
  readonly attn1: Attention;
  readonly attn2: Attention; // weights present in checkpoints, never used (SkipAttnProcessor)
  constructor(readonly path: string, readonly layer: string, readonly dim: number, heads: number, crossDim: number) {
    this.attn1 = new Attention(`${path}.attn1`, `${layer}.attn1`, dim, heads, dim / heads);
    this.attn2 = new Attention(`${path}.attn2`, `${layer}.attn2`, dim, heads, dim / heads, crossDim);
  }
  params(): ParamSpec[] {
    const s = new SpecList(this.path);
    s.norm('norm1', this.dim);
    s.specs.push(...this.attn1.params());
    s.norm('norm2', this.dim);
    s.specs.push(...this.attn2.params());
    s.norm('norm3', this.dim);
    s.linear('ff.net.0.proj', this.dim * 8, this.dim); // GEGLU: [value | gate], each 4*dim
    s.linear('ff.net.2', this.dim, this.dim * 4);
    return s.specs;
  }
  /** h [B, N, C] -> [B, N, C]. */
  forward(h: tf.Tensor3D, ctx: TransformerRunContext): tf.Tensor3D {
    return tf.tidy(() => {
      const { p } = ctx;
      const n1 = layerNorm(p, `${this.path}.norm1`, h) as tf.Tensor3D; // [B,N,C]
      const proc = ctx.processorFor(this.attn1.layer);
      if (ctx.stopAfter === this.attn1.layer) {
        // Reference UNet: this is the last feature Leffa needs; everything after it is dead computation.
        if (ctx.captured) ctx.captured[this.attn1.layer] = tf.keep(n1.clone());
        ctx.stopped = true;
        return h;
      }
      let x = h.add(proc.run(this.attn1, n1, ctx)); // [B,N,C]
      x = x.add(layerNorm(p, `${this.path}.norm2`, x)); // the skipped cross-attention: h + LN2(h)
      const n3 = layerNorm(p, `${this.path}.norm3`, x);
      const proj = linear(p, `${this.path}.ff.net.0.proj`, n3); // [B,N,8C]
      const [value, gate] = tf.split(proj, 2, -1); // each [B,N,4C]
      const ff = linear(p, `${this.path}.ff.net.2`, value!.mul(geluExact(gate!))); // [B,N,C]
      return x.add(ff) as tf.Tensor3D;
    });
  }
}

export class Transformer2DModel {
  readonly blocks: BasicTransformerBlock[];
  constructor(
    readonly path: string,
    readonly layer: string,
    readonly channels: number,
    heads: number,
    numLayers: number,
    crossDim: number,
    readonly groups: number,
    readonly linearProjection: boolean,
  ) {
    this.blocks = Array.from({ length: numLayers }, (_, i) =>
      new BasicTransformerBlock(`${path}.transformer_blocks.${i}`, `${layer}.transformer_blocks.${i}`, channels, heads, crossDim));
  }
  params(): ParamSpec[] {
    const s = new SpecList(this.path);
    const c = this.channels;
    s.norm('norm', c);
    if (this.linearProjection) s.linear('proj_in', c, c); else s.conv('proj_in', c, c, 1);
    for (const b of this.blocks) s.specs.push(...b.params());
    if (this.linearProjection) s.linear('proj_out', c, c); else s.conv('proj_out', c, c, 1);
    return s.specs;
  }
  /** x [B,H,W,C] -> [B,H,W,C]. */
  forward(x: tf.Tensor4D, ctx: TransformerRunContext): tf.Tensor4D {
    return tf.tidy(() => {
      const { p } = ctx;
      const [B, H, W, C] = x.shape;
      const normed = groupNorm(p, `${this.path}.norm`, x, this.groups, 1e-6); // [B,H,W,C]
      // proj_in: 1x1 conv (SD1.5) or Linear (SDXL); in NHWC both are a per-token matMul.
      let h = (this.linearProjection
        ? linear(p, `${this.path}.proj_in`, normed.reshape([B, H * W, C]))
        : conv2d(p, `${this.path}.proj_in`, normed).reshape([B, H * W, C])) as tf.Tensor3D; // [B, HW, C] tokens, index y*W+x
      for (const block of this.blocks) {
        h = block.forward(h, ctx);
        if (ctx.stopped) return x;
      }
      const out = this.linearProjection
        ? linear(p, `${this.path}.proj_out`, h).reshape([B, H, W, C])
        : conv2d(p, `${this.path}.proj_out`, h.reshape([B, H, W, C]) as tf.Tensor4D); // [B,H,W,C]
      return out.add(x) as tf.Tensor4D;
    });
  }
}
