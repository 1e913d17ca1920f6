// Model photos (the people garments are tried on): the list with which masks and DensePose maps each
// has, the photo open in the detail view, and how its overlays show (which category's mask, opacity,
// DensePose on or off). Mask versions are never overwritten: saving adds a version.
import type { Category, DenseposeFormat, FileRef, Mask, ModelPhotoDetail, ModelPhotoListItem } from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';

export type ModelPhotosApi = Pick<Api, 'call' | 'fileRefs' | 'openFiles'>;

export class ModelPhotosState {
  items = $state.raw<ModelPhotoListItem[]>([]);
  loaded = $state(false);
  busy = $state(false);
  error = $state<string | null>(null);
  detail = $state.raw<ModelPhotoDetail | null>(null);
  /** Which category's mask the detail view overlays. */
  category = $state<Category>('upper_body');
  /** Mask version shown (null: the latest). */
  maskId = $state<number | null>(null);
  maskOpacity = $state(0.5);
  showMask = $state(true);
  showDensepose = $state(false);
  denseposeOpacity = $state(0.6);
  /** Which automatic step is running ('mask:<category>' | 'mask:all' | 'densepose'), or null. */
  generating = $state<string | null>(null);
  /** What the last automatic mask or DensePose run had to say (empty mask, region outside the photo...). */
  notes = $state.raw<string[]>([]);
  /** The protection options the next automatic mask uses (the mask editor's toggles). */
  protectHands = $state(true);
  protectFace = $state(true);

  readonly #api: ModelPhotosApi;

  constructor(api: ModelPhotosApi) {
    this.#api = api;
  }

  /** Versions of the current category's mask, oldest first. */
  readonly versions = $derived(this.detail ? this.detail.masks.filter((m) => m.category === this.category).sort((a, b) => a.version - b.version) : []);

  /** The mask overlaid now: the chosen version, else the latest of the category. */
  readonly mask = $derived<Mask | null>(this.versions.find((m) => m.id === this.maskId) ?? this.versions.at(-1) ?? null);

  readonly densepose = $derived(this.detail?.densepose.at(-1) ?? null);

  /** Whether the current category has an automatic mask (the protect toggles regenerate it). */
  readonly hasAutoMask = $derived(this.versions.some((m) => m.origin === 'auto'));

  async load(): Promise<void> {
    try {
      this.items = (await this.#api.call('models:list', {})).items;
      this.error = null;
    } catch (err) {
      this.error = readableError(err, 'load model photos');
    } finally {
      this.loaded = true;
    }
  }

  async open(id: number): Promise<void> {
    try {
      const detail = await this.#api.call('models:get', { id });
      if (detail.photo.id !== this.detail?.photo.id) this.notes = [];
      this.detail = detail;
      this.maskId = null;
    } catch (err) {
      this.error = readableError(err, 'open the model photo');
    }
  }

  closeDetail(): void {
    this.detail = null;
  }

  selectCategory(category: Category): void {
    this.category = category;
    this.maskId = null;
  }

  async addFiles(files: readonly File[]): Promise<boolean> {
    const images = files.filter((f) => /^image\//.test(f.type) || /\.(png|jpe?g|webp|tiff?)$/i.test(f.name));
    if (images.length === 0) {
      this.error = 'Those files are not images (PNG, JPEG, WebP or TIFF).';
      return false;
    }
    return this.#import(() => this.#api.fileRefs(images));
  }

  /** Electron: the native dialog; false in serve mode (use an <input type=file>). */
  async pick(): Promise<boolean> {
    let refs: FileRef[] | null = null;
    try {
      refs = await this.#api.openFiles({ purpose: 'images', multiple: true, title: 'Import model photos' });
    } catch (err) {
      this.error = readableError(err, 'show the open dialog');
      return true;
    }
    if (refs === null) return false;
    if (refs.length) await this.#import(async () => refs);
    return true;
  }

  async #import(refs: () => Promise<FileRef[]>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      const files = (await refs()).filter((f) => f.kind === 'file');
      const items = files.map((f) => ({ file: f.id, name: f.name.replace(/\.[a-z0-9]+$/i, '') }));
      if (items.length) await this.#api.call('models:import', { items });
      await this.load();
      return true;
    } catch (err) {
      this.error = readableError(err, 'import the model photos');
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** After the mask editor saved a version: show it, and refresh the list's coverage badges. */
  async maskSaved(mask: Mask): Promise<void> {
    this.category = mask.category;
    await this.open(mask.modelPhotoId);
    this.maskId = mask.id;
    await this.load();
  }

  /**
   * Makes automatic masks (one category, or all three) from the pose models, saved as new versions with
   * origin 'auto', with the current protect options. Shows the new version of the current category.
   */
  async autoMask(categories?: Category[]): Promise<Mask | null> {
    const detail = this.detail;
    if (!detail || this.generating) return null;
    this.generating = categories?.length === 1 ? `mask:${categories[0]}` : 'mask:all';
    this.error = null;
    try {
      const r = await this.#api.call('masks:auto', {
        modelPhotoId: detail.photo.id, ...(categories ? { categories } : {}), protectHands: this.protectHands, protectFace: this.protectFace,
      });
      this.notes = r.warnings;
      const shown = r.masks.find((m) => m.category === this.category) ?? r.masks[0] ?? null;
      if (shown) this.category = shown.category;
      await this.open(detail.photo.id);
      if (shown) this.maskId = shown.id;
      this.showMask = true;
      await this.load();
      return shown;
    } catch (err) {
      this.error = readableError(err, 'make the automatic mask');
      return null;
    } finally {
      this.generating = null;
    }
  }

  /** Regenerates the current category's automatic mask with other protect options (a new version). */
  async setProtection(options: { protectHands?: boolean; protectFace?: boolean }): Promise<Mask | null> {
    if (options.protectHands !== undefined) this.protectHands = options.protectHands;
    if (options.protectFace !== undefined) this.protectFace = options.protectFace;
    return this.autoMask([this.category]);
  }

  /** An approximated DensePose map (from the pose keypoints) in `format`, saved and shown as the overlay. */
  async generateDensepose(format: DenseposeFormat): Promise<boolean> {
    const detail = this.detail;
    if (!detail || this.generating) return false;
    this.generating = 'densepose';
    this.error = null;
    try {
      await this.#api.call('densepose:generate', { modelPhotoId: detail.photo.id, format });
      this.notes = [];
      await this.open(detail.photo.id);
      this.showDensepose = true;
      await this.load();
      return true;
    } catch (err) {
      this.error = readableError(err, 'generate the DensePose approximation');
      return false;
    } finally {
      this.generating = null;
    }
  }

  async importDensepose(file: File | FileRef, format: DenseposeFormat): Promise<boolean> {
    const detail = this.detail;
    if (!detail) return false;
    this.busy = true;
    this.error = null;
    try {
      const ref = 'id' in file && typeof file.id === 'string' ? (file as FileRef) : (await this.#api.fileRefs([file as File]))[0];
      await this.#api.call('densepose:import', { modelPhotoId: detail.photo.id, file: ref.id, format });
      await this.open(detail.photo.id);
      this.showDensepose = true;
      await this.load();
      return true;
    } catch (err) {
      this.error = readableError(err, 'import the DensePose image');
      return false;
    } finally {
      this.busy = false;
    }
  }
}
