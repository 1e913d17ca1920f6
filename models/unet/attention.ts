// diffusers `Attention` (weights only: to_q/to_k/to_v without bias, to_out.0 with bias) and the
// attention processors that decide how it is computed. Leffa's reference-feature fusion is a processor
// keyed by layer name (spec §1.4), so no feature lists are threaded through the blocks.
import * as tf from '../tf.ts';
import { SpecList, type ParamSpec, type ParamStore } from '../nn/params.ts';
import { linear } from '../nn/layers.ts';
import { multiHeadAttention } from '../nn/attention.ts';

export class Attention {
  /**
   * @param path  full module path (e.g. `unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1`)
   * @param layer the layer's name inside its UNet (same in both UNets), the key of processors and features
   */
  constructor(
    readonly path: string,
    readonly layer: string,
    readonly queryDim: number,
    readonly heads: number,
    readonly dimHead: number,
    readonly crossAttentionDim: number | null = null,
  ) {}
  get innerDim(): number { return this.heads * this.dimHead; }
  params(): ParamSpec[] {
    const s = new SpecList(this.path);
    const kv = this.crossAttentionDim ?? this.queryDim;
    s.linear('to_q', this.innerDim, this.queryDim, false);
    s.linear('to_k', this.innerDim, kv, false);
    s.linear('to_v', this.innerDim, kv, false);
    s.linear('to_out.0', this.queryDim, this.innerDim);
    return s.specs;
  }
  q(p: ParamStore, x: tf.Tensor3D): tf.Tensor3D { return linear(p, `${this.path}.to_q`, x, { bias: false }) as tf.Tensor3D; }
  k(p: ParamStore, x: tf.Tensor3D): tf.Tensor3D { return linear(p, `${this.path}.to_k`, x, { bias: false }) as tf.Tensor3D; }
  v(p: ParamStore, x: tf.Tensor3D): tf.Tensor3D { return linear(p, `${this.path}.to_v`, x, { bias: false }) as tf.Tensor3D; }
  out(p: ParamStore, x: tf.Tensor3D): tf.Tensor3D { return linear(p, `${this.path}.to_out.0`, x) as tf.Tensor3D; }
}

/** What a processor may read and write during one UNet forward. */
export interface AttnRunContext {
  p: ParamStore;
  maxScoreElements?: number;
  /** Reference features by layer name (generative UNet input). */
  reference?: Record<string, tf.Tensor3D>;
  /** Captured LayerNorm1 outputs by layer name (reference UNet output). */
  captured?: Record<string, tf.Tensor3D>;
  /**
   * Reference-side K/V per layer, reused while the reference features do not change (ref acceleration):
   * to_k/to_v act per token, so K(concat[x, ref]) = concat[K(x), K(ref)] and the cached halves are exact.
   * The owner disposes the cached tensors.
   */
  refKV?: Map<string, { k: tf.Tensor3D; v: tf.Tensor3D }>;
  /** Optional observer of the fusion attention's generative queries and reference keys (Leffa loss, explain). */
  onQueryKey?: (layer: string, queryGen: tf.Tensor3D, keyRef: tf.Tensor3D, heads: number) => void;
}

/** Computes attn(x) where x is the block's LayerNorm1 output [B, N, C]. */
export interface AttnProcessor {
  readonly kind: string;
  run(attn: Attention, x: tf.Tensor3D, ctx: AttnRunContext): tf.Tensor3D;
}

/** Plain self-attention (diffusers AttnProcessor2_0 without mask): scale 1/sqrt(head_dim). */
export const selfAttentionProcessor: AttnProcessor = {
  kind: 'self',
  run(attn, x, ctx) {
    return tf.tidy(() => {
      const o = multiHeadAttention(attn.q(ctx.p, x), attn.k(ctx.p, x), attn.v(ctx.p, x), { heads: attn.heads, maxScoreElements: ctx.maxScoreElements }); // [B,N,inner]
      return attn.out(ctx.p, o); // [B,N,C]
    });
  },
};

/** Reference UNet (attention_ref.py): records the LayerNorm1 output, then ordinary self-attention. */
export const captureProcessor: AttnProcessor = {
  kind: 'capture',
  run(attn, x, ctx) {
    if (!ctx.captured) throw new Error(`${attn.path}: the capture processor needs ctx.captured`);
    // A copy that the surrounding tidy will return to the caller (the block's own x may be disposed).
    ctx.captured[attn.layer] = tf.keep(x.clone());
    return selfAttentionProcessor.run(attn, x, ctx);
  },
};

/**
 * Generative UNet (attention_gen.py): self-attention over [own tokens ‖ reference tokens], keeping the first
 * N outputs. Only the N generative queries are computed: softmax rows are independent and to_out is per
 * token, so this equals the reference's 2N-query computation followed by a slice, at half the cost.
 */
export const referenceFusionProcessor: AttnProcessor = {
  kind: 'reference-fusion',
  run(attn, x, ctx) {
    const ref = ctx.reference?.[attn.layer];
    if (!ref) throw new Error(`${attn.path}: no reference feature for layer ${attn.layer}`);
    if (ref.shape[0] !== x.shape[0] || ref.shape[2] !== x.shape[2]) {
      throw new Error(`${attn.path}: reference feature ${JSON.stringify(ref.shape)} does not match hidden states ${JSON.stringify(x.shape)} (batch and channels must agree)`);
    }
    return tf.tidy(() => {
      const q = attn.q(ctx.p, x); // [B, N, inner]
      let refK: tf.Tensor3D, refV: tf.Tensor3D;
      const cached = ctx.refKV?.get(attn.layer);
      if (cached) {
        ({ k: refK, v: refV } = cached);
      } else {
        refK = attn.k(ctx.p, ref); // [B, Nref, inner]
        refV = attn.v(ctx.p, ref);
        if (ctx.refKV) ctx.refKV.set(attn.layer, { k: tf.keep(refK), v: tf.keep(refV) });
      }
      const k = tf.concat([attn.k(ctx.p, x), refK], 1) as tf.Tensor3D; // [B, N + Nref, inner], own tokens first
      const v = tf.concat([attn.v(ctx.p, x), refV], 1) as tf.Tensor3D;
      if (ctx.onQueryKey) ctx.onQueryKey(attn.layer, q, refK, attn.heads);
      const o = multiHeadAttention(q, k, v, { heads: attn.heads, maxScoreElements: ctx.maxScoreElements }); // [B, N, inner]
      return attn.out(ctx.p, o); // [B, N, C]
    });
  },
};
