// Training pairs: the in-house folder format (documented in models/train/README.md) and the seeded data
// order. A pair is a person photo wearing the garment, the garment photo, the agnostic (inpaint) mask, the
// DensePose image, the category and the Leffa loss mask `warped_mask` (spec §5.5: "the target region the
// reference should explain"; the producer was never published, so it defaults to the agnostic mask).
//
//   dataset/pairs.jsonl   one JSON object per line:
//     {"id": "0001", "person": "person/0001.jpg", "garment": "garment/0001.jpg", "mask": "mask/0001.png",
//      "densepose": "densepose/0001.png", "category": "upper_body",
//      "warped_mask": "warped_mask/0001.png", "split": "train"}      (last two optional)
//
// Images are placed on the stage's canvas exactly as inference places them (spec §3.1 white-padded fit for
// the photos; the person's placement, nearest sampling, for the label images), so a model trained here sees
// what the try-on pipeline feeds it.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import * as tf from '../tf.ts';
import {
  computePlacement, denseposeToTensor, fitToCanvas, imageToTensor, loadImage, maskToTensor, rgbToGrey,
  type GreyImage, type RgbImage,
} from '../image/index.ts';
import { fitLabelImage } from '../pipelines/fit-inputs.ts';
import { CATEGORIES, type GarmentCategory } from '../pipelines/tryon.ts';
import { KeyedRng } from './rng-state.ts';

/** One pair at a given canvas size, 8-bit. */
export interface PairImages {
  id: string;
  category: GarmentCategory;
  person: RgbImage;
  garment: RgbImage;
  /** Inpaint mask, 255 = generate. */
  mask: GreyImage;
  densepose: RgbImage;
  /** Leffa loss mask, 255 = region the garment should explain. */
  warpedMask: GreyImage;
  /** Synthetic pairs only: ground-truth flow [H·W·2], (x, y) in grid_sample coordinates, NaN outside the garment. */
  flow?: Float32Array;
}

/** Anything that hands out pairs by index: the folder dataset, the synthetic set. */
export interface PairSource {
  readonly trainSize: number;
  readonly heldOutSize: number;
  load(split: 'train' | 'heldout', index: number, size: { width: number; height: number }): Promise<PairImages>;
}

/** The image part of a training batch (names of objective.ts `TrainingBatch`), NHWC, as the model takes it. */
export interface PairTensors {
  /** Person wearing the garment (the target), [B,H,W,3] in [−1, 1]. */
  image: tf.Tensor4D;
  /** Garment (reference), [B,H,W,3] in [−1, 1]. */
  cloth: tf.Tensor4D;
  /** Agnostic mask, [B,H,W,1] ∈ {0, 1}, 1 = generate. */
  inpaintMask: tf.Tensor4D;
  /** DensePose, [B,H,W,3] in [−1, 1]. */
  densepose: tf.Tensor4D;
  /** Leffa loss mask, [B,H,W,1] ∈ {0, 1}. */
  warpedMask: tf.Tensor4D;
}

export function pairsToTensors(pairs: PairImages[]): PairTensors {
  return tf.tidy(() => ({
    image: imageToTensor(pairs.map((p) => p.person)),
    cloth: imageToTensor(pairs.map((p) => p.garment)),
    inpaintMask: maskToTensor(pairs.map((p) => p.mask)),
    densepose: denseposeToTensor(pairs.map((p) => p.densepose)),
    warpedMask: maskToTensor(pairs.map((p) => p.warpedMask)),
  })) as unknown as PairTensors;
}

export function disposePairTensors(b: PairTensors): void {
  tf.dispose([b.image, b.cloth, b.inpaintMask, b.densepose, b.warpedMask]);
}

// ---------------------------------------------------------------------------------------------------------
// Folder dataset

export interface PairRecord {
  id: string;
  line: number;
  category: GarmentCategory;
  split: 'train' | 'heldout';
  person: string;
  garment: string;
  mask: string;
  densepose: string;
  warpedMask?: string;
}

export class DatasetError extends Error {
  constructor(readonly problems: string[]) {
    super(`dataset is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''}`);
    this.name = 'DatasetError';
  }
}

const FILE_FIELDS = ['person', 'garment', 'mask', 'densepose', 'warped_mask'] as const;
const KNOWN = new Set(['id', 'category', 'split', ...FILE_FIELDS]);
const HELD_OUT_SPLITS = new Set(['val', 'validation', 'heldout', 'test']);

/**
 * Reads `pairs.jsonl` and checks every line and every file it names (existence, readable image header,
 * label images with the person photo's aspect ratio). All problems are collected, each naming the file
 * (and the line), then thrown as one DatasetError. `holdout`: when no line has a `split`, the last
 * `holdout` pairs are held out for samples.
 */
export async function validateDataset(dir: string, holdout = 0): Promise<PairRecord[]> {
  const root = resolve(dir);
  const listPath = join(root, 'pairs.jsonl');
  const problems: string[] = [];
  if (!existsSync(listPath)) throw new DatasetError([`${listPath}: not found; a dataset folder needs a pairs.jsonl (see models/train/README.md)`]);
  const lines = readFileSync(listPath, 'utf8').split(/\r?\n/);
  const records: PairRecord[] = [];
  const ids = new Map<string, number>();
  let anySplit = false;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (text === '' || text.startsWith('#')) continue;
    const at = `${listPath}:${i + 1}`;
    let o: Record<string, unknown>;
    try { o = JSON.parse(text) as Record<string, unknown>; } catch (e) { problems.push(`${at}: not valid JSON (${(e as Error).message})`); continue; }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) { problems.push(`${at}: expected a JSON object`); continue; }
    for (const k of Object.keys(o)) if (!KNOWN.has(k)) problems.push(`${at}: unknown field ${JSON.stringify(k)}; expected ${[...KNOWN].join(', ')}`);
    const id = o.id;
    if (typeof id !== 'string' || id === '') { problems.push(`${at}: id = ${JSON.stringify(id)}; expected a non-empty string`); continue; }
    if (ids.has(id)) problems.push(`${at}: id ${JSON.stringify(id)} is used again (first on line ${ids.get(id)})`);
    ids.set(id, i + 1);
    const category = o.category ?? 'upper_body';
    if (!CATEGORIES.includes(category as GarmentCategory)) problems.push(`${at}: category = ${JSON.stringify(category)}; expected one of ${CATEGORIES.join(', ')}`);
    let split: PairRecord['split'] = 'train';
    if (o.split !== undefined) {
      anySplit = true;
      if (o.split === 'train') split = 'train';
      else if (typeof o.split === 'string' && HELD_OUT_SPLITS.has(o.split)) split = 'heldout';
      else problems.push(`${at}: split = ${JSON.stringify(o.split)}; expected "train" or "val"`);
    }
    const files: Partial<Record<(typeof FILE_FIELDS)[number], string>> = {};
    let ok = true;
    for (const f of FILE_FIELDS) {
      const v = o[f];
      if (v === undefined && f === 'warped_mask') continue;
      if (typeof v !== 'string' || v === '') { problems.push(`${at}: ${f} = ${JSON.stringify(v)}; expected a path relative to ${root}`); ok = false; continue; }
      const p = resolve(root, v);
      const rel = relative(root, p);
      if (isAbsolute(v) || rel.startsWith('..')) { problems.push(`${at}: ${f} ${JSON.stringify(v)} points outside the dataset folder`); ok = false; continue; }
      if (!existsSync(p) || !statSync(p).isFile()) { problems.push(`${p}: not found (${f} of pair ${id}, ${at})`); ok = false; continue; }
      files[f] = p;
    }
    if (!ok) continue;
    records.push({ id, line: i + 1, category: category as GarmentCategory, split, person: files.person!, garment: files.garment!, mask: files.mask!, densepose: files.densepose!, ...(files.warped_mask ? { warpedMask: files.warped_mask } : {}) });
  }
  if (records.length === 0 && problems.length === 0) problems.push(`${listPath}: no pairs`);
  // Image headers: readable, and label images shaped like the person photo.
  await Promise.all(records.map(async (r) => {
    const size = async (p: string) => {
      try {
        const m = await sharp(p).metadata();
        if (!m.width || !m.height) throw new Error('zero size');
        return { w: m.width, h: m.height };
      } catch (e) { problems.push(`${p}: not a readable image (${(e as Error).message}); pair ${r.id}, ${listPath}:${r.line}`); return null; }
    };
    const person = await size(r.person);
    await size(r.garment);
    for (const [f, p] of [['mask', r.mask], ['densepose', r.densepose], ['warped_mask', r.warpedMask]] as const) {
      if (!p) continue;
      const s = await size(p);
      if (person && s && Math.abs(s.w / s.h - person.w / person.h) > 0.01 * (person.w / person.h)) {
        problems.push(`${p}: ${f} is ${s.w}×${s.h}, expected the person photo's size ${person.w}×${person.h} (or its aspect ratio); pair ${r.id}, ${listPath}:${r.line}`);
      }
    }
  }));
  if (!anySplit && holdout > 0) {
    if (holdout >= records.length) problems.push(`${listPath}: holdout = ${holdout} but there are only ${records.length} pairs; at least one must remain for training`);
    else for (const r of records.slice(records.length - holdout)) r.split = 'heldout';
  }
  if (records.length > 0 && !records.some((r) => r.split === 'train')) problems.push(`${listPath}: every pair is held out; none is left for training`);
  if (problems.length) throw new DatasetError(problems);
  return records;
}

/** Pairs read from a validated folder, placed on the requested canvas at load time. */
export class FolderDataset implements PairSource {
  private constructor(readonly root: string, readonly train: PairRecord[], readonly heldOut: PairRecord[]) {}

  static async open(dir: string, holdout = 0): Promise<FolderDataset> {
    const records = await validateDataset(dir, holdout);
    return new FolderDataset(resolve(dir), records.filter((r) => r.split === 'train'), records.filter((r) => r.split === 'heldout'));
  }

  get trainSize(): number { return this.train.length; }
  get heldOutSize(): number { return this.heldOut.length; }

  async load(split: 'train' | 'heldout', index: number, size: { width: number; height: number }): Promise<PairImages> {
    const list = split === 'train' ? this.train : this.heldOut;
    const r = list[index];
    if (!r) throw new RangeError(`dataset ${this.root}: ${split} pair ${index} does not exist (${list.length} pairs)`);
    const person = await loadImage(r.person, { what: `person photo of pair ${r.id}` });
    const garment = await loadImage(r.garment, { what: `garment photo of pair ${r.id}`, alpha: 'white' });
    const placement = computePlacement(person.width, person.height, size);
    const label = async (p: string, what: string): Promise<GreyImage> => {
      const g = fitLabelImage(rgbToGrey(await loadImage(p, { what: `${what} of pair ${r.id}` }), what), 1, placement, `${what} ${p}`);
      let on = 0;
      for (let i = 0; i < g.data.length; i++) { const v = g.data[i]! >= 128 ? 255 : 0; g.data[i] = v; on += v ? 1 : 0; } // binarise at 0.5 (spec §3.7)
      if (on === 0) throw new Error(`${p}: the ${what} of pair ${r.id} is empty (no pixel ≥ 128) at ${size.width}×${size.height}`);
      return g;
    };
    const mask = await label(r.mask, 'mask');
    return {
      id: r.id,
      category: r.category,
      person: (await fitToCanvas(person, size)).image,
      garment: (await fitToCanvas(garment, size)).image,
      mask,
      densepose: fitLabelImage(await loadImage(r.densepose, { what: `DensePose image of pair ${r.id}` }), 3, placement, `DensePose image ${r.densepose}`),
      warpedMask: r.warpedMask ? await label(r.warpedMask, 'warped_mask') : mask,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Seeded data order

/** Where the data order stands: epoch and position inside that epoch's permutation. Stored in checkpoints. */
export interface DataPosition { epoch: number; cursor: number }

/**
 * Shuffled epochs: epoch e visits the training pairs in the permutation drawn from (seed, "data/epoch/e").
 * A batch may straddle two epochs. The order is a pure function of (seed, position), so a resumed run
 * draws the same pairs as the uninterrupted one.
 */
export class DataOrder {
  private perm: number[] | null = null;
  private permEpoch = -1;
  constructor(readonly size: number, readonly seed: number, public position: DataPosition = { epoch: 0, cursor: 0 }) {
    if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`data order: size = ${size}; expected at least one training pair`);
  }
  private permutation(epoch: number): number[] {
    if (this.permEpoch !== epoch) { this.perm = new KeyedRng(this.seed).permutation(`data/epoch/${epoch}`, this.size); this.permEpoch = epoch; }
    return this.perm!;
  }
  /** The next n pair indices; advances the position. */
  take(n: number): number[] {
    const out: number[] = [];
    let { epoch, cursor } = this.position;
    while (out.length < n) {
      out.push(this.permutation(epoch)[cursor]!);
      cursor += 1;
      if (cursor === this.size) { epoch += 1; cursor = 0; }
    }
    this.position = { epoch, cursor };
    return out;
  }
}
