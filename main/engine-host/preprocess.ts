// Preprocessing in the engine worker (models/preprocess): automatic agnostic masks and approximated
// DensePose from the local pose models, and garment clean-up. The pose models (TF.js graph models) are
// loaded once per worker on first use and freed by `unload`; person analyses are kept for the last few
// photos (blob paths are content-addressed, so a path always means the same pixels). Results travel back
// as PNG bytes at the photo's size, labelled with what made them (PNG text), so main only stores them.
import sharp from 'sharp';
import { encodePng, insertPngText, loadImage } from '../../models/image/index.ts';
import {
  POSE_MODELS_MANIFEST,
  agnosticMask,
  analysePerson,
  approximateDensepose,
  cleanGarmentFile,
  denseposePngText,
  loadPoseModels,
  renderDensepose,
  resizeDensepose,
  resizeMask,
  type DenseposeLayout,
  type GarmentCategory,
  type PersonFound,
  type PoseModels,
} from '../../models/preprocess/index.ts';

/** What made an auto mask or an approximated DensePose map (stored with it). */
export const PREPROCESS_GENERATOR = `leffa-studio preprocess 1 (MoveNet Lightning + BlazePose Full, ${POSE_MODELS_MANIFEST.package}@${POSE_MODELS_MANIFEST.version})`;

/** The store's DensePose formats and the layout each is drawn in (models/preprocess/densepose_map.ts). */
export const DENSEPOSE_LAYOUT_OF = { 'HD-parula': 'vitonhd', 'DC-I-map': 'dresscode', UVI: 'pose' } as const satisfies Record<string, DenseposeLayout>;
export type PreprocessDenseposeFormat = keyof typeof DENSEPOSE_LAYOUT_OF;

export interface PreprocessPersonParams {
  /** The person photo (a blob path). */
  photo: string;
  categories: GarmentCategory[];
  protectHands: boolean;
  protectFace: boolean;
  /** The photo's size as the store knows it; masks come back at exactly this size. */
  width: number;
  height: number;
}

export interface AutoMaskOut {
  category: GarmentCategory;
  /** Greyscale PNG, 255 = regenerate, with a `leffa:mask` text entry naming the options. */
  png: Uint8Array;
  coverage: number;
  warnings: string[];
}

export type PreprocessPersonResult =
  | { found: true; width: number; height: number; masks: AutoMaskOut[]; generator: string; ms: number }
  | { found: false; width: number; height: number; reason: string; ms: number };

export interface PreprocessDenseposeParams {
  photo: string;
  format: PreprocessDenseposeFormat;
  width: number;
  height: number;
}

export type PreprocessDenseposeResult =
  | { found: true; png: Uint8Array; width: number; height: number; layout: DenseposeLayout; provenance: string; generator: string; ms: number }
  | { found: false; width: number; height: number; reason: string; ms: number };

export interface PreprocessGarmentParams {
  photo: string;
}

export interface PreprocessGarmentResult {
  /** 768×1024 RGB on white. */
  png: Uint8Array;
  width: number;
  height: number;
  source: 'alpha' | 'background';
  warnings: { code: string; message: string }[];
  ms: number;
}

const ANALYSES_KEPT = 4;

export class Preprocessor {
  #models: Promise<PoseModels> | null = null;
  readonly #analyses = new Map<string, Promise<PersonFound | { found: false; reason: string }>>();

  constructor(private readonly loadModels: () => Promise<PoseModels> = () => loadPoseModels()) {}

  /** Frees the pose models and forgets analyses; returns how many models were freed. */
  async unload(): Promise<number> {
    const models = this.#models;
    this.#models = null;
    this.#analyses.clear();
    if (!models) return 0;
    try {
      (await models).dispose();
      return 2;
    } catch {
      return 0; // loading had failed: nothing to free
    }
  }

  #poseModels(): Promise<PoseModels> {
    if (!this.#models) {
      const p = this.loadModels();
      this.#models = p;
      // A failed load is not cached: the next call tries again (e.g. after the files were fetched).
      p.catch(() => {
        if (this.#models === p) this.#models = null;
      });
    }
    return this.#models;
  }

  async #analyse(photo: string, signal: AbortSignal): Promise<PersonFound | { found: false; reason: string }> {
    let a = this.#analyses.get(photo);
    if (!a) {
      a = (async () => {
        const models = await this.#poseModels();
        signal.throwIfAborted();
        const image = await loadImage(photo, { what: 'person image' });
        const r = await analysePerson(models, image);
        return r.found ? r : { found: false as const, reason: r.reason };
      })();
      this.#analyses.set(photo, a);
      a.catch(() => this.#analyses.delete(photo));
      while (this.#analyses.size > ANALYSES_KEPT) this.#analyses.delete(this.#analyses.keys().next().value!);
    }
    return a;
  }

  async person(p: PreprocessPersonParams, signal: AbortSignal): Promise<PreprocessPersonResult> {
    const t0 = performance.now();
    const a = await this.#analyse(p.photo, signal);
    if (!a.found) return { found: false, width: p.width, height: p.height, reason: a.reason, ms: performance.now() - t0 };
    const masks: AutoMaskOut[] = [];
    for (const category of p.categories) {
      signal.throwIfAborted();
      const r = await agnosticMask(a, category, { protectHands: p.protectHands, protectFace: p.protectFace });
      let mask = r.mask;
      if (mask.width !== p.width || mask.height !== p.height) mask = await resizeMask(mask, p.width, p.height);
      const raw = await sharp(mask.data, { raw: { width: mask.width, height: mask.height, channels: 1 } }).png({ compressionLevel: 6 }).toBuffer();
      const label = `auto; category=${category}; protectHands=${p.protectHands}; protectFace=${p.protectFace}; ${PREPROCESS_GENERATOR}`;
      const png = insertPngText(raw, { 'leffa:mask': label });
      masks.push({ category, png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), coverage: r.coverage, warnings: r.warnings });
    }
    return { found: true, width: p.width, height: p.height, masks, generator: PREPROCESS_GENERATOR, ms: performance.now() - t0 };
  }

  async densepose(p: PreprocessDenseposeParams, signal: AbortSignal): Promise<PreprocessDenseposeResult> {
    const t0 = performance.now();
    const layout = DENSEPOSE_LAYOUT_OF[p.format];
    if (!layout) throw new RangeError(`preprocess.densepose: format must be one of ${Object.keys(DENSEPOSE_LAYOUT_OF).join(', ')}, got ${String(p.format)}`);
    const a = await this.#analyse(p.photo, signal);
    if (!a.found) return { found: false, width: p.width, height: p.height, reason: a.reason, ms: performance.now() - t0 };
    signal.throwIfAborted();
    const map = resizeDensepose(await approximateDensepose(a), p.width, p.height);
    const rgb = renderDensepose(map, layout);
    const png = await encodePng(rgb.data, rgb.width, rgb.height, { text: denseposePngText(map, layout) });
    return {
      found: true, png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width: rgb.width, height: rgb.height, layout,
      provenance: map.provenance, generator: PREPROCESS_GENERATOR, ms: performance.now() - t0,
    };
  }

  async garment(p: PreprocessGarmentParams): Promise<PreprocessGarmentResult> {
    const t0 = performance.now();
    const g = await cleanGarmentFile(p.photo);
    const png = await encodePng(g.image.data, g.image.width, g.image.height, { text: { 'leffa:garment': `cleaned; source=${g.source}` } });
    return {
      png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width: g.image.width, height: g.image.height, source: g.source,
      warnings: g.warnings.map((w) => ({ code: w.code, message: w.message })), ms: performance.now() - t0,
    };
  }
}
