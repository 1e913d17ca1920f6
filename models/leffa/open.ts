// Opens a Leffa checkpoint for sampling: the weights file plus the diffusers base configs. The released
// `.pth` files carry no config, so the architecture is recognised from the state dict itself (SDXL's UNet
// has `add_embedding` weights, SD1.5's has none) and the shipped configs of models/configs are used;
// `base` overrides that (the tiny fixture models have configs of their own).
import { openCheckpoint } from '../io/index.ts';
import type { TensorSource } from '../io/types.ts';
import { baseConfigFolder } from '../hub/base-configs.ts';
import { loadLeffa, type LoadedLeffa } from './loaded.ts';
import type { LoadLeffaOptions } from './loaded.ts';
import type { LeffaArch } from './model.ts';

export function detectArch(src: TensorSource): LeffaArch {
  if (!src.has('unet.conv_in.weight') || !src.has('unet_encoder.conv_in.weight')) {
    throw new Error(`checkpoint ${src.path}: not a Leffa model (expected the keys unet.conv_in.weight and unet_encoder.conv_in.weight)`);
  }
  return src.has('unet.add_embedding.linear_1.weight') ? 'sdxl' : 'sd15';
}

export interface OpenedLeffa extends LoadedLeffa {
  weightsPath: string;
  baseFolder: string;
}

export function openLeffa(weightsPath: string, opts: { base?: string } & LoadLeffaOptions = {}): OpenedLeffa {
  const src = openCheckpoint(weightsPath);
  try {
    const baseFolder = opts.base ?? baseConfigFolder(detectArch(src));
    const loaded = loadLeffa(baseFolder, src, opts);
    return { ...loaded, weightsPath, baseFolder };
  } finally {
    src.close(); // every tensor has been read into the engine
  }
}
