// Where the diffusers base configs live. LeffaModel builds its VAE and UNets from config only (spec §1.2):
// no base weights are needed, so instead of downloading the two base model repos we ship their three small
// JSON files in models/configs/<folder>/{unet,vae,scheduler}. The folder name is what selects the
// architecture in the engine (models/leffa/model.ts `archFromFolderName`), so it must stay as is.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { ModelArch } from './catalogue.ts';

export const BASE_CONFIG_FOLDER_NAMES: Readonly<Record<ModelArch, string>> = {
  sd15: 'stable-diffusion-inpainting',
  sdxl: 'stable-diffusion-xl-1.0-inpainting-0.1',
};

/**
 * models/configs, resolved from this file rather than the working directory so it works from tests, the CLI
 * and the app. An esbuild bundle rewrites import.meta.url to the bundle's own file (scripts/build-main.mjs),
 * so a packaged app copies the folder beside it or points LEFFA_MODEL_CONFIGS at it.
 */
export function defaultConfigsDir(): string {
  return process.env.LEFFA_MODEL_CONFIGS ?? resolve(fileURLToPath(new URL('.', import.meta.url)), '..', 'configs');
}

/** Absolute path of the diffusers base config folder for an architecture. */
export function baseConfigFolder(arch: ModelArch, configsDir: string = defaultConfigsDir()): string {
  const name = BASE_CONFIG_FOLDER_NAMES[arch];
  if (!name) {
    throw new TypeError(`baseConfigFolder: arch must be 'sd15' or 'sdxl', got ${JSON.stringify(arch)}`);
  }
  return resolve(configsDir, name);
}
