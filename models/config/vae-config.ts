// AutoencoderKL configuration from a diffusers `vae/config.json`.
import { ConfigError } from './errors.ts';

export interface VAEConfig {
  in_channels: number;
  out_channels: number;
  latent_channels: number;
  block_out_channels: number[];
  layers_per_block: number;
  norm_num_groups: number;
  /** 0.18215 for SD1.5 (diffusers' default when the config omits it), 0.13025 for SDXL. */
  scaling_factor: number;
  mid_block_add_attention: boolean;
}

export function parseVAEConfig(raw: Record<string, unknown>, src = 'vae config'): VAEConfig {
  const boc = raw.block_out_channels;
  if (!Array.isArray(boc) || boc.length === 0 || !boc.every((c) => Number.isInteger(c) && c > 0)) {
    throw new ConfigError(src, 'block_out_channels', boc, 'a non-empty list of positive integers');
  }
  const n = boc.length;
  for (const [key, want] of [['down_block_types', 'DownEncoderBlock2D'], ['up_block_types', 'UpDecoderBlock2D']] as const) {
    const v = raw[key] ?? Array(n).fill(want);
    if (!Array.isArray(v) || v.length !== n || !v.every((t) => t === want)) {
      throw new ConfigError(src, key, v, `a list of ${n} (as many as block_out_channels) "${want}"`);
    }
  }
  const groups = raw.norm_num_groups ?? 32;
  if (!Number.isInteger(groups) || (groups as number) <= 0) throw new ConfigError(src, 'norm_num_groups', groups, 'a positive integer');
  for (const c of boc as number[]) {
    if (c % (groups as number) !== 0) throw new ConfigError(src, 'norm_num_groups', groups, `a divisor of every block_out_channels entry (${c} is not divisible)`);
  }
  const lpb = raw.layers_per_block ?? 1;
  if (!Number.isInteger(lpb) || (lpb as number) <= 0) throw new ConfigError(src, 'layers_per_block', lpb, 'a positive integer');
  if ((raw.act_fn ?? 'silu') !== 'silu') throw new ConfigError(src, 'act_fn', raw.act_fn, '"silu"');
  const sf = raw.scaling_factor ?? 0.18215;
  if (typeof sf !== 'number' || !(sf > 0)) throw new ConfigError(src, 'scaling_factor', sf, 'a positive number');
  return {
    in_channels: (raw.in_channels as number) ?? 3,
    out_channels: (raw.out_channels as number) ?? 3,
    latent_channels: (raw.latent_channels as number) ?? 4,
    block_out_channels: boc as number[],
    layers_per_block: lpb as number,
    norm_num_groups: groups as number,
    scaling_factor: sf,
    mid_block_add_attention: raw.mid_block_add_attention === undefined ? true : Boolean(raw.mid_block_add_attention),
  };
}
