// Shared by the tests that run the real pose models: loads them once per test file and caches the
// photos and their analyses. The models are not in the repository: `node scripts/fetch-pose-models.mjs`
// puts them in node_modules/.cache (or $LEFFA_POSE_MODELS_DIR); without them these tests fail with
// that instruction rather than skip, so CI cannot silently stop testing the models.
import { join } from 'node:path';
import { loadImage, type LoadedImage } from '../../../models/image/index.ts';
import { analysePerson, loadPoseModels, type PersonFound, type PoseModels } from '../../../models/preprocess/index.ts';
import { assetsDir } from '../../helpers/fixtures.ts';

export const PHOTOS = ['astronaut.png', 'camera.png', 'grace_hopper.jpg'] as const;
export type PhotoName = (typeof PHOTOS)[number];

let models: Promise<PoseModels> | undefined;
const photos = new Map<string, Promise<LoadedImage>>();
const analyses = new Map<string, Promise<PersonFound>>();

export function poseModels(): Promise<PoseModels> {
  models ??= loadPoseModels();
  return models;
}

export function photo(name: PhotoName): Promise<LoadedImage> {
  if (!photos.has(name)) photos.set(name, loadImage(join(assetsDir, 'people', name), { what: 'person image' }));
  return photos.get(name)!;
}

export function analysis(name: PhotoName): Promise<PersonFound> {
  if (!analyses.has(name)) {
    analyses.set(
      name,
      (async () => {
        const a = await analysePerson(await poseModels(), await photo(name));
        if (!a.found) throw new Error(`${name}: expected a person, got: ${a.reason}`);
        return a;
      })(),
    );
  }
  return analyses.get(name)!;
}

/** Frees the model weights (call from after()). */
export async function disposePoseModels(): Promise<void> {
  if (models) (await models).dispose();
  models = undefined;
}

/** Bilinear-free lookup of a grey image at a photo point. */
export function valueAt(img: { data: Uint8Array; width: number; height: number }, x: number, y: number): number {
  const xi = Math.max(0, Math.min(img.width - 1, Math.floor(x)));
  const yi = Math.max(0, Math.min(img.height - 1, Math.floor(y)));
  return img.data[yi * img.width + xi];
}
