// diffusers model folders (`unet/`, `vae/` of a pipeline, or a `save_pretrained` output): the weights are
// `diffusion_pytorch_model[.fp16].safetensors`, its sharded index, or the older `.bin` pickle (zip) form.
// The order below is diffusers' own preference: safetensors first, full precision before fp16.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TensorSource } from './types.ts';
import { CheckpointError } from './errors.ts';
import { openSafetensors } from './safetensors.ts';
import { openSharded } from './sharded.ts';
import { openPth } from './pth.ts';

const STEM = 'diffusion_pytorch_model';

export const DIFFUSERS_WEIGHT_FILES: readonly { file: string; open: (p: string) => TensorSource }[] = [
  { file: `${STEM}.safetensors`, open: openSafetensors },
  { file: `${STEM}.safetensors.index.json`, open: (p) => openSharded(p, openSafetensors) },
  { file: `${STEM}.bin`, open: (p) => openPth(p) },
  { file: `${STEM}.bin.index.json`, open: (p) => openSharded(p, (s) => openPth(s)) },
  { file: `${STEM}.fp16.safetensors`, open: openSafetensors },
  { file: `${STEM}.safetensors.index.fp16.json`, open: (p) => openSharded(p, openSafetensors) },
  { file: `${STEM}.fp16.bin`, open: (p) => openPth(p) },
];

export function openDiffusersFolder(dir: string): TensorSource {
  let isDir: boolean;
  try { isDir = statSync(dir).isDirectory(); } catch (e) {
    throw new CheckpointError(dir, `diffusers folder ${dir}: cannot open (${(e as Error).message})`);
  }
  if (!isDir) throw new CheckpointError(dir, `diffusers folder ${dir}: is not a directory`);
  for (const { file, open } of DIFFUSERS_WEIGHT_FILES) {
    const p = join(dir, file);
    if (existsSync(p)) return open(p);
  }
  throw new CheckpointError(dir,
    `diffusers folder ${dir}: no weights found, expected one of ${DIFFUSERS_WEIGHT_FILES.map((w) => w.file).join(', ')}`);
}
