// LeffaModel (spec §1.1–1.4): VAE + reference UNet (`unet_encoder.`, 4 input channels) + generative UNet
// (`unet.`, 12 input channels: noisy latent 4 | mask 1 | masked-image latent 4 | DensePose 3).
// The reference UNet captures every transformer block's LayerNorm1 output; the generative UNet attends over
// [its own tokens ‖ the matching reference tokens] in every self-attention (a processor keyed by layer name).
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '../tf.ts';
import { parseUNetConfig, type UNetConfig } from '../config/unet-config.ts';
import { parseVAEConfig, type VAEConfig } from '../config/vae-config.ts';
import type { ParamSpec, ParamStore } from '../nn/params.ts';
import { UNet2DConditionModel, type UNetForwardOptions } from '../unet/unet-2d-condition.ts';
import { captureProcessor, referenceFusionProcessor } from '../unet/attention.ts';
import { AutoencoderKL } from '../vae/autoencoder-kl.ts';

export type LeffaArch = 'sd15' | 'sdxl';

export interface LeffaConfigs {
  arch: LeffaArch;
  unet: UNetConfig;
  vae: VAEConfig;
  /** Raw diffusers scheduler config (DDPM reads what it needs); zero-SNR rescale is on for sdxl. */
  scheduler: Record<string, unknown>;
}

/** The architecture from the base folder's name, as LeffaModel decides it (spec §1.1). */
export function archFromFolderName(name: string): LeffaArch {
  if (name.includes('stable-diffusion-xl-1.0-inpainting-0.1')) return 'sdxl';
  if (name.includes('stable-diffusion-inpainting')) return 'sd15';
  throw new Error(`base folder ${JSON.stringify(name)}: expected a name containing "stable-diffusion-inpainting" (sd15) or "stable-diffusion-xl-1.0-inpainting-0.1" (sdxl)`);
}

function readJson(path: string): Record<string, unknown> {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new Error(`config ${path}: cannot be read (${(e as Error).message})`, { cause: e }); }
  try { return JSON.parse(text) as Record<string, unknown>; } catch (e) { throw new Error(`config ${path}: not valid JSON (${(e as Error).message})`, { cause: e }); }
}

/** Reads `unet/config.json`, `vae/config.json`, `scheduler/scheduler_config.json` of a diffusers base folder. */
export function readBaseFolder(dir: string): LeffaConfigs {
  const arch = archFromFolderName(basename(dir.replace(/[\\/]+$/, '')));
  return {
    arch,
    unet: parseUNetConfig(readJson(join(dir, 'unet', 'config.json')), join(dir, 'unet', 'config.json')),
    vae: parseVAEConfig(readJson(join(dir, 'vae', 'config.json')), join(dir, 'vae', 'config.json')),
    scheduler: { ...readJson(join(dir, 'scheduler', 'scheduler_config.json')), rescale_betas_zero_snr: arch === 'sdxl' },
  };
}

export class LeffaModel {
  readonly vae: AutoencoderKL;
  readonly unetEncoder: UNet2DConditionModel; // reference UNet
  readonly unet: UNet2DConditionModel; // generative UNet

  constructor(readonly configs: LeffaConfigs) {
    this.vae = new AutoencoderKL('vae', configs.vae);
    this.unetEncoder = new UNet2DConditionModel('unet_encoder', configs.unet, 4);
    this.unet = new UNet2DConditionModel('unet', configs.unet, 12);
    this.unetEncoder.setAllProcessors(captureProcessor);
    this.unet.setAllProcessors(referenceFusionProcessor);
  }

  get arch(): LeffaArch { return this.configs.arch; }

  /** Every parameter of the state dict, in its order (vae, unet_encoder, unet). No allocation. */
  params(): ParamSpec[] {
    return [...this.vae.params(), ...this.unetEncoder.params(), ...this.unet.params()];
  }

  /** Whether inference (and training) ever reads a parameter; the rest is checked on load but not kept. */
  static isUsed(spec: ParamSpec): boolean {
    const n = spec.name;
    if (n.includes('.attn2.')) return false; // SkipAttnProcessor: cross-attention weights are dead
    if (n.startsWith('unet_encoder.conv_norm_out.') || n.startsWith('unet_encoder.conv_out.')) return false;
    if (n.includes('.add_embedding.')) return false; // addition_embed_type forced to None
    return true;
  }

  /**
   * Reference UNet: clean reference latent [B,h,w,4] at timesteps -> LayerNorm1 features by layer name.
   * The forward stops after the last feature (everything after it is dead computation for Leffa).
   * The features are owned by the caller even when called inside tf.tidy (they are tf.keep'd): dispose them.
   */
  referenceFeatures(p: ParamStore, refLatent: tf.Tensor4D, timesteps: ArrayLike<number>, maxScoreElements?: number): Record<string, tf.Tensor3D> {
    return this.unetEncoder.forward(p, refLatent, timesteps, { capture: true, until: 'features', maxScoreElements }).features!;
  }

  /**
   * Generative UNet: input [B,h,w,12] -> noise prediction [B,h,w,4]. `onQueryKey` observes each fusion
   * layer's generative queries and reference keys (the Leffa loss and the explain view); off by default.
   */
  predictNoise(
    p: ParamStore, input: tf.Tensor4D, timesteps: ArrayLike<number>, reference: Record<string, tf.Tensor3D>,
    opts: { maxScoreElements?: number; onQueryKey?: UNetForwardOptions['onQueryKey']; refKV?: UNetForwardOptions['refKV'] } = {},
  ): tf.Tensor4D {
    return this.unet.forward(p, input, timesteps, { reference, ...opts }).sample!;
  }
}
