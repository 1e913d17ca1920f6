// The project the team tests run: 3 garments (flat-lays rendered from the shared SVG assets) × 2 model
// photos (shared photos, small), each photo with a simple upper-body mask and a DensePose-like image
// made with sharp, and the tiny Leffa checkpoint. Built the same way every time, so two projects made
// by it have the same blobs and settings hashes: the local and the team run can be compared cell by cell.
import { join } from 'node:path';
import sharp from 'sharp';
import type { Project } from '../../../main/store/index.ts';
import { writeSafetensors } from '../../../models/io/index.ts';
import { LeffaModel, readBaseFolder } from '../../../models/leffa/model.ts';
import { loraMetadata, loraModules } from '../../../models/train/lora.ts';
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

/**
 * A LoRA adapter for the tiny model: rank 2, alpha 4, on every attn1 projection of both UNets, with A and
 * B both non-zero (a fresh adapter's B is zero and changes nothing), from a fixed seed: the same bytes on
 * every call, so a local and a team project hold the same adapter blob.
 */
export function writeTinyLora(file: string): void {
  const opts = { rank: 2, alpha: 4 };
  const modules = loraModules(new LeffaModel(readBaseFolder(TINY_BASE)).params(), opts);
  let state = 0x2545f491;
  const next = () => {
    // xorshift32: uniform in [-1, 1)
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 31 - 1;
  };
  const tensor = (spec: { name: string; shape: number[] }, scale: number) => {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = next() * scale;
    return { name: spec.name, dtype: 'F32' as const, shape: spec.shape, data };
  };
  const tensors = modules.flatMap((m) => [tensor(m.a, 1 / Math.sqrt(m.a.shape[1]!)), tensor(m.b, 0.5)]);
  writeSafetensors(file, tensors, loraMetadata(opts));
}

/** The tiny LoRA (writeTinyLora) as a LoRA checkpoint of `fx`'s checkpoint, with a licence of its own. */
export async function addTeamLora(project: Project, fx: TeamFixture): Promise<{ checkpointId: number; name: string; licence: string }> {
  const file = join(project.dir, 'incoming-lora.safetensors');
  writeTinyLora(file);
  const name = 'Tees LoRA';
  const licence = 'CC-BY-4.0';
  const c = await project.checkpoints.import({ file, name, kind: 'LoRA', architecture: 'sd15', licence, commercialUse: true, parentId: fx.checkpointId });
  return { checkpointId: c.id, name, licence };
}

/** 1 garment × 2 model photos × 1 seed on a LoRA checkpoint, 2 steps. */
export function loraBatchOf(fx: TeamFixture, checkpointId: number) {
  return { name: 'team LoRA test', checkpointId, garmentIds: [fx.garmentIds[0]!], modelPhotoIds: fx.modelPhotoIds, seeds: [7], settings: [{ steps: 2 }] };
}
