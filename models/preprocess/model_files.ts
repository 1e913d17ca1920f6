// Where the pinned pose models live on disk and how they are checked before use. The files are not
// in the repository (MoveNet is 4.6 MB, BlazePose 6.3 MB); scripts/fetch-pose-models.mjs puts them in
// node_modules/.cache/leffa-pose-models/<folder> (or $LEFFA_POSE_MODELS_DIR), and the packaged app
// passes its own resources folder. Each file is checked against the sha256 pinned in pose-models.json
// so a truncated download or a swapped file fails loudly instead of producing nonsense keypoints.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import manifest from './pose-models.json' with { type: 'json' };

export interface PinnedFile {
  name: string;
  tarPath: string;
  bytes: number;
  sha256: string;
}

export const POSE_MODELS_MANIFEST = manifest as { package: string; version: string; folder: string; files: PinnedFile[] };

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The folder holding the model files: explicit argument, else $LEFFA_POSE_MODELS_DIR, else the npm cache folder. */
export function poseModelsDir(dir?: string): string {
  if (dir) return resolve(dir);
  const root = process.env.LEFFA_POSE_MODELS_DIR ?? join(repoRoot, 'node_modules', '.cache', 'leffa-pose-models');
  return join(resolve(root), POSE_MODELS_MANIFEST.folder);
}

/** Error for missing or corrupt model files; the message says how to fix it. */
export class PoseModelFileError extends Error {
  constructor(message: string) {
    super(`${message}; run 'node scripts/fetch-pose-models.mjs' (or pass modelDir / set LEFFA_POSE_MODELS_DIR)`);
    this.name = 'PoseModelFileError';
    Object.setPrototypeOf(this, PoseModelFileError.prototype);
  }
}

/** Reads one pinned file and verifies its size and sha256. */
export async function readPinnedFile(dir: string, name: string): Promise<Buffer> {
  const pin = POSE_MODELS_MANIFEST.files.find((f) => f.name === name);
  if (!pin) throw new RangeError(`readPinnedFile: ${name} is not listed in pose-models.json`);
  const path = join(dir, name);
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (e) {
    throw new PoseModelFileError(`pose model file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (data.length !== pin.bytes) {
    throw new PoseModelFileError(`pose model file ${path} has ${data.length} bytes, expected ${pin.bytes}`);
  }
  const got = createHash('sha256').update(data).digest('hex');
  if (got !== pin.sha256) throw new PoseModelFileError(`pose model file ${path} has sha256 ${got}, expected ${pin.sha256}`);
  return data;
}
