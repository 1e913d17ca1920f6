// The project the team tests run: 3 garments (flat-lays rendered from the shared SVG assets) × 2 model
// photos (shared photos, small), each photo with a simple upper-body mask and a DensePose-like image
// made with sharp, and the tiny Leffa checkpoint. Built the same way every time, so two projects made
// by it have the same blobs and settings hashes: the local and the team run can be compared cell by cell.
import { join } from 'node:path';
import sharp from 'sharp';
import type { Project } from '../../../main/store/index.ts';
import { assetsDir, fixturesDir } from '../../helpers/fixtures.ts';

export const TINY_WEIGHTS = join(fixturesDir, 'leffa-tiny', 'weights.safetensors');
export const TINY_BASE = join(fixturesDir, 'leffa-tiny', 'base', 'tiny-stable-diffusion-inpainting');

const W = 48;
const H = 64;
const GARMENTS = ['t-shirt_01.svg', 't-shirt_02.svg', 't-shirt_03.svg'];
const PEOPLE = ['astronaut.png', 'grace_hopper.jpg'];

/** A white box over the torso: the region the try-on repaints. */
function maskPng(): Promise<Buffer> {
  const data = Buffer.alloc(W * H);
  for (let y = Math.round(H * 0.25); y < Math.round(H * 0.75); y++) data.fill(255, y * W + Math.round(W * 0.2), y * W + Math.round(W * 0.8));
  return sharp(data, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer();
}

/** Smooth colour ramps standing in for a DensePose rendering (the engine only needs an RGB image). */
function denseposePng(variant: number): Promise<Buffer> {
  const data = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      data[i] = (x * 5 + variant * 40) & 255;
      data[i + 1] = (y * 4) & 255;
      data[i + 2] = 128;
    }
  }
  return sharp(data, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
}

export interface TeamFixture {
  checkpointId: number;
  garmentIds: number[];
  modelPhotoIds: number[];
}

export async function addTeamFixture(project: Project): Promise<TeamFixture> {
  const garmentIds: number[] = [];
  for (const [i, file] of GARMENTS.entries()) {
    const g = project.garments.add({ sku: `TEE-${i + 1}`, name: file, category: 'upper_body', tags: ['team-test'] });
    const png = await sharp(join(assetsDir, 'garments', file)).resize(W, H, { fit: 'contain', background: '#ffffff' }).flatten({ background: '#ffffff' }).png().toBuffer();
    await project.garments.addPhoto({ garmentId: g.id, file: png, type: 'flat-lay' });
    garmentIds.push(g.id);
  }
  const mask = await maskPng();
  const modelPhotoIds: number[] = [];
  for (const [i, file] of PEOPLE.entries()) {
    const png = await sharp(join(assetsDir, 'people', file)).resize(W, H, { fit: 'cover' }).removeAlpha().png().toBuffer();
    const p = await project.modelPhotos.add({ name: file, file: png });
    await project.modelPhotos.addMask({ modelPhotoId: p.id, category: 'upper_body', file: mask });
    await project.modelPhotos.addDensePose({ modelPhotoId: p.id, file: await denseposePng(i), format: 'HD-parula', origin: 'imported', approximated: false });
    modelPhotoIds.push(p.id);
  }
  const ckpt = await project.checkpoints.import({ file: TINY_WEIGHTS, name: 'Leffa tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true });
  return { checkpointId: ckpt.id, garmentIds, modelPhotoIds };
}

/** 3 garments × 2 model photos × 2 seeds, 2 denoising steps: 12 cells, quick on the tiny model. */
export function batchOf(fx: TeamFixture) {
  return { name: 'team test', checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [7, 8], settings: [{ steps: 2 }] };
}
