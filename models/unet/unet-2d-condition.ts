// diffusers UNet2DConditionModel, as both Leffa UNets use it (no text conditioning: cross-attention is
// replaced by h + LN2(h); SDXL's add_embedding weights exist but are never run, spec §1.2 step 3).
// Forward follows diffusers' numbered story: 1. time, 2. pre-process, 3. down, 4. mid, 5. up, 6. post-process.
import * as tf from '../tf.ts';
import { SpecList, type ParamSpec, type ParamStore } from '../nn/params.ts';
import { conv2d, groupNorm, silu } from '../nn/layers.ts';
import type { UNetConfig } from '../config/unet-config.ts';
import { TimestepEmbedding, timestepSinusoid } from './embeddings.ts';
import { DownBlock, MidBlock, UpBlock } from './blocks.ts';
import { selfAttentionProcessor, type AttnProcessor } from './attention.ts';
import type { TransformerRunContext } from './transformer.ts';

export interface UNetForwardOptions {
  /** Reference features by layer name (generative UNet). */
  reference?: Record<string, tf.Tensor3D>;
  /** Capture LayerNorm1 outputs (reference UNet); `until: 'features'` stops after the last one. */
  capture?: boolean;
  until?: 'features' | 'last_up_block' | 'output';
  maxScoreElements?: number;
  /** Debug intermediates, named as the fixtures (`conv_in`, `down_0_out`, ...). */
  intermediates?: boolean;
  onQueryKey?: TransformerRunContext['onQueryKey'];
  /** Cache of reference-side K/V per layer (see AttnRunContext.refKV). */
  refKV?: TransformerRunContext['refKV'];
}

export interface UNetOutput {
  /** Noise prediction [B,h,w,out] (until 'output'), or the last up block's output (until 'last_up_block'). */
  sample?: tf.Tensor4D;
  /** LayerNorm1 outputs by layer name, in forward order (capture). */
  features?: Record<string, tf.Tensor3D>;
  intermediates?: Record<string, tf.Tensor>;
}

export class UNet2DConditionModel {
  readonly timeEmbedding: TimestepEmbedding;
  readonly addEmbedding: TimestepEmbedding | null;
  readonly downBlocks: DownBlock[] = [];
  readonly upBlocks: UpBlock[] = [];
  readonly midBlock: MidBlock;
  private readonly processors = new Map<string, AttnProcessor>();

  /** @param prefix state-dict prefix (`unet` or `unet_encoder`); `inChannels` overrides the config (Leffa: 12 / 4). */
  constructor(readonly prefix: string, readonly config: UNetConfig, readonly inChannels = config.in_channels) {
    const c = config;
    const boc = c.block_out_channels;
    const temb = c.time_embed_dim;
    const common = { tembChannels: temb, groups: c.norm_num_groups, eps: c.norm_eps, linearProjection: c.use_linear_projection };
    this.timeEmbedding = new TimestepEmbedding(`${prefix}.time_embedding`, boc[0]!, temb);
    this.addEmbedding = c.addition_embed_type === 'text_time'
      ? new TimestepEmbedding(`${prefix}.add_embedding`, c.projection_class_embeddings_input_dim!, temb)
      : null;
    let out = boc[0]!;
    c.down_block_types.forEach((type, i) => {
      const inC = out;
      out = boc[i]!;
      this.downBlocks.push(new DownBlock({ path: `${prefix}.down_blocks.${i}`, layer: `down_blocks.${i}` }, {
        ...common, numLayers: c.layers_per_block[i]!, transformerLayers: c.transformer_layers_per_block[i]!,
        inChannels: inC, outChannels: out, heads: c.num_attention_heads[i]!, crossDim: c.cross_attention_dim[i]!,
        downsamplePadding: c.downsample_padding, hasAttention: type === 'CrossAttnDownBlock2D', addSampler: i < boc.length - 1,
      }));
    });
    const last = boc.length - 1;
    this.midBlock = new MidBlock({ path: `${prefix}.mid_block`, layer: 'mid_block' }, {
      ...common, numLayers: 1, transformerLayers: c.transformer_layers_per_block[last]!, inChannels: boc[last]!, outChannels: boc[last]!,
      heads: c.num_attention_heads[last]!, crossDim: c.cross_attention_dim[last]!, hasAttention: true, addSampler: false,
    });
    const rev = <T>(a: T[]) => a.slice().reverse();
    const rBoc = rev(boc), rHeads = rev(c.num_attention_heads), rLayers = rev(c.layers_per_block);
    const rTl = rev(c.transformer_layers_per_block), rCross = rev(c.cross_attention_dim);
    out = rBoc[0]!;
    c.up_block_types.forEach((type, i) => {
      const prev = out;
      out = rBoc[i]!;
      const inC = rBoc[Math.min(i + 1, boc.length - 1)]!;
      this.upBlocks.push(new UpBlock({ path: `${prefix}.up_blocks.${i}`, layer: `up_blocks.${i}` }, {
        ...common, numLayers: rLayers[i]! + 1, transformerLayers: rTl[i]!, inChannels: inC, outChannels: out, prevOutputChannels: prev,
        heads: rHeads[i]!, crossDim: rCross[i]!, hasAttention: type === 'CrossAttnUpBlock2D', addSampler: i < boc.length - 1,
      }));
    });
  }

  /** Every parameter, in PyTorch state-dict order (down_blocks and up_blocks are registered before mid_block). */
  params(): ParamSpec[] {
    const c = this.config;
    const s = new SpecList(this.prefix);
    s.conv('conv_in', c.block_out_channels[0]!, this.inChannels, 3);
    s.specs.push(...this.timeEmbedding.params());
    if (this.addEmbedding) s.specs.push(...this.addEmbedding.params());
    for (const b of this.downBlocks) s.specs.push(...b.params());
    for (const b of this.upBlocks) s.specs.push(...b.params());
    s.specs.push(...this.midBlock.params());
    s.norm('conv_norm_out', c.block_out_channels[0]!);
    s.conv('conv_out', c.out_channels, c.block_out_channels[0]!, 3);
    return s.specs;
  }

  /** Self-attention layer names (`...transformer_blocks.N.attn1`), in forward order: the Leffa feature order. */
  attentionLayers(): string[] {
    const names: string[] = [];
    const add = (ts: { blocks: { attn1: { layer: string } }[] }[]) => { for (const t of ts) for (const b of t.blocks) names.push(b.attn1.layer); };
    for (const b of this.downBlocks) add(b.attentions);
    add(this.midBlock.attentions);
    for (const b of this.upBlocks) add(b.attentions);
    return names;
  }

  /** Sets the attention processor of one attn1 layer (default: plain self-attention). */
  setProcessor(layer: string, proc: AttnProcessor): void {
    if (!this.attentionLayers().includes(layer)) throw new Error(`${this.prefix}: no attention layer named ${layer}`);
    this.processors.set(layer, proc);
  }
  setAllProcessors(proc: AttnProcessor): void {
    for (const l of this.attentionLayers()) this.processors.set(l, proc);
  }

  /**
   * sample [B,h,w,inChannels] NHWC, timesteps: one per sample (or one for all).
   * Tensors in the returned record are owned by the caller.
   */
  forward(p: ParamStore, sample: tf.Tensor4D, timesteps: ArrayLike<number>, opts: UNetForwardOptions = {}): UNetOutput {
    const [B, , , Cin] = sample.shape;
    if (Cin !== this.inChannels) throw new Error(`${this.prefix}: sample has ${Cin} channels, expected ${this.inChannels}`);
    const ts = timesteps.length === 1 && B > 1 ? Array<number>(B).fill(timesteps[0]!) : Array.from(timesteps);
    if (ts.length !== B) throw new Error(`${this.prefix}: got ${ts.length} timesteps for a batch of ${B}`);
    const levels = this.downBlocks.length - 1;
    const [h0, w0] = [sample.shape[1], sample.shape[2]];
    if (h0 % 2 ** levels !== 0 || w0 % 2 ** levels !== 0) {
      throw new Error(`${this.prefix}: latent size ${h0}x${w0} must be divisible by ${2 ** levels} (${levels} downsamplers)`);
    }
    const until = opts.until ?? 'output';
    const layers = this.attentionLayers();
    const captured: Record<string, tf.Tensor3D> = {};
    const ctx: TransformerRunContext = {
      p,
      maxScoreElements: opts.maxScoreElements,
      reference: opts.reference,
      captured: opts.capture ? captured : undefined,
      stopAfter: until === 'features' ? layers[layers.length - 1] : undefined,
      processorFor: (l) => this.processors.get(l) ?? selfAttentionProcessor,
      onQueryKey: opts.onQueryKey,
      refKV: opts.refKV,
    };
    try {
      const res = tf.tidy(() => {
        const inter: Record<string, tf.Tensor> = {};
        // 1. time
        const temb = this.timeEmbedding.forward(p, timestepSinusoid(ts, this.config.block_out_channels[0]!, this.config.flip_sin_to_cos, this.config.freq_shift)); // [B, 4*C0]
        // 2. pre-process
        let h = conv2d(p, `${this.prefix}.conv_in`, sample); // [B,h,w,C0]
        if (opts.intermediates) { inter.time_embedding = temb; inter.conv_in = h; } // the time embedding before the resnets' SiLU
        // 3. down
        const skips: tf.Tensor4D[] = [h];
        for (let i = 0; i < this.downBlocks.length && !ctx.stopped; i++) {
          const r = this.downBlocks[i]!.forward(h, temb, ctx);
          h = r.h;
          skips.push(...r.skips);
          if (opts.intermediates) inter[`down_${i}_out`] = h;
        }
        // 4. mid
        if (!ctx.stopped) {
          h = this.midBlock.forward(h, temb, ctx);
          if (opts.intermediates) inter.mid_out = h;
        }
        // 5. up
        for (let i = 0; i < this.upBlocks.length && !ctx.stopped; i++) {
          const n = this.upBlocks[i]!.resnets.length;
          const mine = skips.splice(skips.length - n, n);
          h = this.upBlocks[i]!.forward(h, mine, temb, ctx);
          if (opts.intermediates) inter[`up_${i}_out`] = h;
        }
        if (until !== 'output') return { sample: ctx.stopped ? undefined : h, intermediates: inter };
        // 6. post-process
        const outp = conv2d(p, `${this.prefix}.conv_out`, silu(groupNorm(p, `${this.prefix}.conv_norm_out`, h, this.config.norm_num_groups, this.config.norm_eps)) as tf.Tensor4D); // [B,h,w,out]
        return { sample: outp, intermediates: inter };
      });
      return {
        sample: res.sample as tf.Tensor4D | undefined,
        intermediates: opts.intermediates ? res.intermediates : (tf.dispose(Object.values(res.intermediates)), undefined),
        features: opts.capture ? captured : undefined,
      };
    } catch (e) {
      tf.dispose(Object.values(captured));
      throw e;
    }
  }
}
