// Virtual try-on and pose transfer as the app and the CLI run them: photos in, photos out.
// Person photo -> the reference's white canvas fit (spec §3.1); mask and DensePose placed the same way;
// Leffa sampling; optional repaint (spec §1.6 step 9); the result cropped back to the person's frame.
import * as tf from '../tf.ts';
import {
  computePlacement, denseposeToTensor, fitToCanvas, imageToTensor, loadImage, maskToTensor,
  pasteBack, repaint, rgbToGrey, tensorToImageUint8, batchItem,
  type CanvasPlacement, type DenseposeFormat, type GreyImage, type RgbImage,
} from '../image/index.ts';
import type { LoadedLeffa } from '../leffa/loaded.ts';
import { DDIMScheduler } from '../schedulers/ddim.ts';
import { DDPMScheduler } from '../schedulers/ddpm.ts';
import type { DiffusionScheduler } from '../schedulers/types.ts';
import { fitLabelImage } from './fit-inputs.ts';
import type { GuidanceRescale } from './guidance.ts';
import { leffaSample, type StepInfo } from './leffa-pipeline.ts';
import { seededNoise } from './noise.ts';

export type GarmentCategory = 'upper_body' | 'lower_body' | 'dresses';
export const CATEGORIES: readonly GarmentCategory[] = ['upper_body', 'lower_body', 'dresses'];
export type Sampler = 'ddpm' | 'ddim';

/** Every setting that changes the output; recorded with each result so it can be re-run exactly. */
export interface GenerationSettings {
  task: 'tryon' | 'pose';
  category?: GarmentCategory;
  steps: number;
  guidanceScale: number;
  guidanceRescale: GuidanceRescale;
  guidancePhi?: number;
  seed: number;
  refAcceleration: boolean;
  repaint: boolean;
  sampler: Sampler;
  width: number;
  height: number;
  denseposeFormat: DenseposeFormat;
}

export const DEFAULT_SETTINGS: Omit<GenerationSettings, 'task' | 'width' | 'height'> = {
  steps: 30, guidanceScale: 2.5, guidanceRescale: 'reference', seed: 42, refAcceleration: false, repaint: false, sampler: 'ddpm', denseposeFormat: 'image',
};

export type ImageInput = string | Uint8Array;

export interface TryOnRequest {
  person: ImageInput;
  garment: ImageInput;
  /** 1/white = region to repaint, at the person photo's size (or its aspect ratio). */
  mask: ImageInput;
  densepose: ImageInput;
  settings: Partial<GenerationSettings>;
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void;
}

export interface PoseRequest {
  /** The person whose appearance is transferred. */
  reference: ImageInput;
  /** A photo of someone in the target pose (defines the frame) and its DensePose image. */
  target: ImageInput;
  densepose: ImageInput;
  settings: Partial<GenerationSettings>;
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void;
}

export interface TryOnResult {
  /** The model-canvas result (e.g. 768x1024, white padding included). */
  canvas: RgbImage;
  /** The result in the person photo's frame and resolution (padding removed, resized back). */
  photo: RgbImage;
  settings: GenerationSettings;
  placement: CanvasPlacement;
  timings: { totalMs: number; stepsMs: number[] };
}

export function makeScheduler(m: LoadedLeffa, sampler: Sampler): DiffusionScheduler {
  if (sampler === 'ddim') return DDIMScheduler.fromConfig(m.model.configs.scheduler);
  if (sampler === 'ddpm') return DDPMScheduler.fromConfig(m.model.configs.scheduler);
  throw new RangeError(`sampler = ${JSON.stringify(sampler)}; expected "ddpm" or "ddim"`);
}

export function resolveSettings(task: 'tryon' | 'pose', s: Partial<GenerationSettings>, canvas: { width: number; height: number }): GenerationSettings {
  const out: GenerationSettings = { ...DEFAULT_SETTINGS, task, width: canvas.width, height: canvas.height, ...s } as GenerationSettings;
  const int = (k: keyof GenerationSettings, lo: number, hi: number) => {
    const v = out[k] as number;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${k} = ${JSON.stringify(v)}; expected an integer in [${lo}, ${hi}]`);
  };
  int('steps', 1, 1000);
  int('seed', -(2 ** 31), 2 ** 32 - 1);
  if (typeof out.guidanceScale !== 'number' || !(out.guidanceScale >= 0 && out.guidanceScale <= 30)) throw new RangeError(`guidanceScale = ${out.guidanceScale}; expected a number in [0, 30]`);
  if (task === 'tryon' && out.category !== undefined && !CATEGORIES.includes(out.category)) throw new RangeError(`category = ${JSON.stringify(out.category)}; expected one of ${CATEGORIES.join(', ')}`);
  if (task === 'pose' && out.repaint) throw new RangeError('repaint = true; repaint only applies to try-on (the reference never repaints pose transfer)');
  return out;
}

function canvasOf(m: LoadedLeffa, s: Partial<GenerationSettings>): { width: number; height: number } {
  // The SD1.5/SDXL models were trained at 768x1024; a model whose config says otherwise (the tiny fixtures:
  // sample_size 8 -> 48x64) gets its own default. Any multiple of 8·2^(levels-1) works.
  const tiny = m.model.configs.unet.block_out_channels[0]! < 128;
  return { width: s.width ?? (tiny ? 48 : 768), height: s.height ?? (tiny ? 64 : 1024) };
}

async function loadGrey(input: ImageInput, what: string): Promise<GreyImage> {
  return rgbToGrey(await loadImage(input, { what }), what);
}

/** The canvas images as the sampler's input tensors (owned by the caller: dispose them). */
export function canvasTensors(imgs: { src: RgbImage; ref: RgbImage; mask: GreyImage; densepose: RgbImage }, format: GenerationSettings['denseposeFormat']) {
  return tf.tidy(() => ({
    srcImage: imageToTensor(imgs.src), // [1,H,W,3] in [-1, 1]
    refImage: imageToTensor(imgs.ref),
    mask: maskToTensor(imgs.mask), // [1,H,W,1] in {0, 1}
    densepose: denseposeToTensor(imgs.densepose, format), // [1,H,W,3]
  }));
}

/** The sampler options a result's settings fix (steps, guidance, reference acceleration, seeded noise). */
export function samplingOptions(settings: GenerationSettings) {
  return {
    steps: settings.steps,
    guidanceScale: settings.guidanceScale,
    guidanceRescale: settings.guidanceRescale,
    guidancePhi: settings.guidancePhi,
    refAcceleration: settings.refAcceleration,
    noise: seededNoise(settings.seed),
  };
}

async function run(m: LoadedLeffa, settings: GenerationSettings, canvasImgs: { src: RgbImage; ref: RgbImage; mask: GreyImage; densepose: RgbImage }, req: { signal?: AbortSignal; onStep?: (i: StepInfo) => void }) {
  const steps: number[] = [];
  const inputs = canvasTensors(canvasImgs, settings.denseposeFormat);
  try {
    const res = await leffaSample(m, makeScheduler(m, settings.sampler), inputs, {
      ...samplingOptions(settings),
      signal: req.signal,
      onStep: (i) => { steps.push(i.stepMs); req.onStep?.(i); },
    });
    try {
      return { image: batchItem(tensorToImageUint8(res.decoded), 0), steps };
    } finally {
      tf.dispose([res.latent, res.decoded]);
    }
  } finally {
    tf.dispose(Object.values(inputs));
  }
}

export async function tryOn(m: LoadedLeffa, req: TryOnRequest): Promise<TryOnResult> {
  const t0 = performance.now();
  const canvas = canvasOf(m, req.settings);
  const settings = resolveSettings('tryon', req.settings, canvas);
  const person = await loadImage(req.person, { what: 'person image' });
  const garment = await loadImage(req.garment, { what: 'garment image' });
  const placement = computePlacement(person.width, person.height, canvas);
  const src = (await fitToCanvas(person, canvas)).image;
  const ref = (await fitToCanvas(garment, canvas)).image;
  const mask = fitLabelImage(await loadGrey(req.mask, 'mask'), 1, placement, 'mask');
  for (let i = 0; i < mask.data.length; i++) mask.data[i] = mask.data[i]! >= 128 ? 255 : 0; // binarise at 0.5 (spec §3.7)
  const densepose = fitLabelImage(await loadImage(req.densepose, { what: 'DensePose image' }), 3, placement, 'DensePose image');
  const out = await run(m, settings, { src, ref, mask, densepose }, req);
  const gen = settings.repaint ? repaint(src, out.image, mask) : out.image;
  const photo = await pasteBack(person, gen, placement, settings.repaint ? { mask } : {});
  return { canvas: gen, photo, settings, placement, timings: { totalMs: performance.now() - t0, stepsMs: out.steps } };
}

export async function poseTransfer(m: LoadedLeffa, req: PoseRequest): Promise<TryOnResult> {
  const t0 = performance.now();
  const canvas = canvasOf(m, req.settings);
  const settings = resolveSettings('pose', req.settings, canvas);
  const target = await loadImage(req.target, { what: 'target pose image' });
  const reference = await loadImage(req.reference, { what: 'reference person image' });
  const placement = computePlacement(target.width, target.height, canvas);
  const src = (await fitToCanvas(target, canvas)).image;
  const ref = (await fitToCanvas(reference, canvas)).image;
  // Pose transfer repaints everything: mask all ones, so the masked image is all zeros (spec §3.8).
  const mask: GreyImage = { data: new Uint8Array(canvas.width * canvas.height).fill(255), ...canvas };
  const densepose = fitLabelImage(await loadImage(req.densepose, { what: 'DensePose image' }), 3, placement, 'DensePose image');
  const out = await run(m, settings, { src, ref, mask, densepose }, req);
  const photo = await pasteBack(target, out.image, placement);
  return { canvas: out.image, photo, settings, placement, timings: { totalMs: performance.now() - t0, stepsMs: out.steps } };
}

