// The UNet2DConditionModel configuration, read from a diffusers `unet/config.json` and normalised:
// every per-level setting becomes a list as long as `down_block_types`, with the diffusers quirks kept
// (an `attention_head_dim` without `num_attention_heads` means the number of heads).
import { ConfigError } from './errors.ts';

export type DownBlockType = 'CrossAttnDownBlock2D' | 'DownBlock2D';
export type UpBlockType = 'CrossAttnUpBlock2D' | 'UpBlock2D';

export interface UNetConfig {
  in_channels: number;
  out_channels: number;
  block_out_channels: number[];
  down_block_types: DownBlockType[];
  up_block_types: UpBlockType[];
  mid_block_type: 'UNetMidBlock2DCrossAttn';
  layers_per_block: number[];
  transformer_layers_per_block: number[];
  num_attention_heads: number[];
  cross_attention_dim: number[];
  norm_num_groups: number;
  norm_eps: number;
  flip_sin_to_cos: boolean;
  freq_shift: number;
  downsample_padding: number;
  use_linear_projection: boolean;
  /** 'text_time' (SDXL) keeps the `add_embedding` weights; Leffa never runs them (spec §1.2 step 3). */
  addition_embed_type: 'text_time' | null;
  projection_class_embeddings_input_dim: number | null;
  time_embed_dim: number;
}

const DOWN: DownBlockType[] = ['CrossAttnDownBlock2D', 'DownBlock2D'];
const UP: UpBlockType[] = ['CrossAttnUpBlock2D', 'UpBlock2D'];

function perLevel(src: string, key: string, v: unknown, n: number, fallback?: unknown): number[] {
  const val = v ?? fallback;
  if (typeof val === 'number' && Number.isInteger(val) && val > 0) return Array<number>(n).fill(val);
  if (Array.isArray(val) && val.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0)) {
    if (val.length !== n) throw new ConfigError(src, key, val, `a positive integer or a list of ${n} (one per entry of down_block_types)`);
    return val as number[];
  }
  throw new ConfigError(src, key, val, `a positive integer or a list of ${n} positive integers`);
}

function posInt(src: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ConfigError(src, key, v, 'a positive integer');
  return v;
}

/** Parses a diffusers UNet config object. `src` names the file for error messages. */
export function parseUNetConfig(raw: Record<string, unknown>, src = 'unet config'): UNetConfig {
  const down = raw.down_block_types;
  if (!Array.isArray(down) || down.length === 0 || !down.every((t) => DOWN.includes(t as DownBlockType))) {
    throw new ConfigError(src, 'down_block_types', down, `a non-empty list of ${DOWN.join(' | ')}`);
  }
  const n = down.length;
  const up = raw.up_block_types;
  if (!Array.isArray(up) || up.length !== n || !up.every((t) => UP.includes(t as UpBlockType))) {
    throw new ConfigError(src, 'up_block_types', up, `a list of ${n} entries (as many as down_block_types) of ${UP.join(' | ')}`);
  }
  const boc = raw.block_out_channels;
  if (!Array.isArray(boc) || boc.length !== n || !boc.every((c) => Number.isInteger(c) && c > 0)) {
    throw new ConfigError(src, 'block_out_channels', boc, `a list of ${n} positive integers (as many as down_block_types)`);
  }
  const mid = raw.mid_block_type ?? 'UNetMidBlock2DCrossAttn';
  if (mid !== 'UNetMidBlock2DCrossAttn') throw new ConfigError(src, 'mid_block_type', mid, '"UNetMidBlock2DCrossAttn"');
  const groups = posInt(src, 'norm_num_groups', raw.norm_num_groups ?? 32);
  for (const c of boc as number[]) {
    if (c % groups !== 0) throw new ConfigError(src, 'norm_num_groups', groups, `a divisor of every block_out_channels entry (${c} is not divisible)`);
  }
  // diffusers: `num_attention_heads = num_attention_heads or attention_head_dim` (a naming mistake kept
  // for backwards compatibility; in SD1.5 "attention_head_dim": 8 means 8 heads).
  const heads = perLevel(src, raw.num_attention_heads != null ? 'num_attention_heads' : 'attention_head_dim', raw.num_attention_heads ?? raw.attention_head_dim, n, 8);
  (boc as number[]).forEach((c, i) => {
    if (c % heads[i]! !== 0) throw new ConfigError(src, 'attention_head_dim', heads, `head counts dividing block_out_channels (${c} channels, ${heads[i]} heads)`);
  });
  const addType = raw.addition_embed_type ?? null;
  if (addType !== null && addType !== 'text_time') throw new ConfigError(src, 'addition_embed_type', addType, 'null or "text_time"');
  const projDim = raw.projection_class_embeddings_input_dim ?? null;
  if (addType === 'text_time') posInt(src, 'projection_class_embeddings_input_dim', projDim);
  for (const k of ['class_embed_type', 'encoder_hid_dim', 'time_cond_proj_dim', 'time_embedding_dim', 'num_class_embeds']) {
    if (raw[k] != null) throw new ConfigError(src, k, raw[k], 'null (not used by the Leffa architectures)');
  }
  if ((raw.time_embedding_type ?? 'positional') !== 'positional') throw new ConfigError(src, 'time_embedding_type', raw.time_embedding_type, '"positional"');
  if ((raw.resnet_time_scale_shift ?? 'default') !== 'default') throw new ConfigError(src, 'resnet_time_scale_shift', raw.resnet_time_scale_shift, '"default"');
  if ((raw.act_fn ?? 'silu') !== 'silu') throw new ConfigError(src, 'act_fn', raw.act_fn, '"silu"');
  if ((raw.conv_in_kernel ?? 3) !== 3 || (raw.conv_out_kernel ?? 3) !== 3) throw new ConfigError(src, 'conv_in_kernel/conv_out_kernel', [raw.conv_in_kernel, raw.conv_out_kernel], '3');
  return {
    in_channels: posInt(src, 'in_channels', raw.in_channels ?? 4),
    out_channels: posInt(src, 'out_channels', raw.out_channels ?? 4),
    block_out_channels: boc as number[],
    down_block_types: down as DownBlockType[],
    up_block_types: up as UpBlockType[],
    mid_block_type: 'UNetMidBlock2DCrossAttn',
    layers_per_block: perLevel(src, 'layers_per_block', raw.layers_per_block, n, 2),
    transformer_layers_per_block: perLevel(src, 'transformer_layers_per_block', raw.transformer_layers_per_block, n, 1),
    num_attention_heads: heads,
    cross_attention_dim: perLevel(src, 'cross_attention_dim', raw.cross_attention_dim, n, 1280),
    norm_num_groups: groups,
    norm_eps: typeof raw.norm_eps === 'number' ? raw.norm_eps : 1e-5,
    flip_sin_to_cos: raw.flip_sin_to_cos === undefined ? true : Boolean(raw.flip_sin_to_cos),
    freq_shift: typeof raw.freq_shift === 'number' ? raw.freq_shift : 0,
    downsample_padding: typeof raw.downsample_padding === 'number' ? raw.downsample_padding : 1,
    use_linear_projection: Boolean(raw.use_linear_projection),
    addition_embed_type: addType as 'text_time' | null,
    projection_class_embeddings_input_dim: projDim as number | null,
    time_embed_dim: (boc as number[])[0]! * 4,
  };
}
