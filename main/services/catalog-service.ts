// The catalogue over the API: garments, collections, model photos with their masks and DensePose maps,
// checkpoints and results of the open project. Inputs arrive as FileRef ids (see files.ts), resolved
// here to the files the user gave. Multi-item imports check every item first (files resolve, images
// pass the store's image check, SKUs are free), so one bad item writes nothing. No Electron imports.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import type {
  Channel, Checkpoint, CheckpointListItem, Collection, DensePose, Garment, GarmentDetail, GarmentListItem, GarmentPhoto, Mask, ModelPhoto,
  ModelPhotoDetail, ModelPhotoListItem, Page, RequestOf, ResultDetail, ResultItem,
} from '../../preload/contract.ts';
import { ConflictError, NotFoundError, ValidationError } from '../api/errors.ts';
import { MAX_MASK_BYTES } from '../api/schemas.ts';
import { inspectImage, type Project } from '../store/index.ts';
import { CHECKPOINT_TASKS, taskOfKind, type CheckpointTask, type HubModelSource } from '../store/checkpoints.ts';
import type { Checkpoint as StoredCheckpoint } from '../store/types.ts';
import type { FileRegistry } from './files.ts';
import type { ProjectService } from './project-service.ts';
import { DEFAULT_MAX_BASE_ZIP_BYTES, unpackBaseZip } from '../hub/base-upload.ts';

export interface CatalogServiceOptions {
  projects: ProjectService;
  files: FileRegistry;
  /** Told about checkpoint copy progress (bytes so far of totalBytes) for a FileRef id. */
  onImportProgress?: (progress: { file: string; bytes: number; totalBytes: number }) => void;
}

/** Folder the base configs of imported checkpoints are copied to, inside the project. */
export const BASES_DIR = 'bases';
/** The three files of a diffusers base config folder that the engine reads (models/leffa/model.ts). */
const BASE_FILES = ['unet/config.json', 'vae/config.json', 'scheduler/scheduler_config.json'] as const;

type Req<C extends Channel> = RequestOf<C>;

export class CatalogService {
  readonly #projects: ProjectService;
  readonly #files: FileRegistry;
  readonly #onImportProgress: NonNullable<CatalogServiceOptions['onImportProgress']>;

  constructor(opts: CatalogServiceOptions) {
    this.#projects = opts.projects;
    this.#files = opts.files;
    this.#onImportProgress = opts.onImportProgress ?? (() => {});
  }

  get #p(): Project {
    return this.#projects.require();
  }

  // ---- collections ------------------------------------------------------------------------------

  collections(): Collection[] {
    return this.#p.collections.list();
  }

  createCollection(input: { name: string; season?: string }): Collection {
    return this.#p.collections.add(input);
  }

  // ---- garments ---------------------------------------------------------------------------------

  listGarments(filter: Req<'garments:list'>): Page<GarmentListItem> & { total: number } {
    const p = this.#p;
    const page = p.search.garments(filter);
    const { beforeId: _b, limit: _l, ...countFilter } = filter;
    const cover = p.db.prepare(/* sql */ `
      SELECT blob_hash FROM garment_photos WHERE garment_id = ?
      ORDER BY (photo_type = 'flat-lay') DESC, (view = 'front') DESC, id LIMIT 1`).pluck();
    const photoCount = p.db.prepare(/* sql */ `SELECT count(*) FROM garment_photos WHERE garment_id = ?`).pluck();
    return {
      items: page.items.map((g) => ({ ...g, coverHash: (cover.get(g.id) as string | undefined) ?? null, photoCount: photoCount.get(g.id) as number })),
      nextBeforeId: page.nextBeforeId,
      total: p.search.countGarments(countFilter),
    };
  }

  garment(id: number): GarmentDetail {
    const p = this.#p;
    const garment = p.garments.get(id);
    if (!garment) throw new NotFoundError(`garment ${id} does not exist`);
    return { garment, photos: p.garments.photos(id) };
  }

  async importGarments({ items }: Req<'garments:import'>): Promise<{ garments: GarmentDetail[] }> {
    const p = this.#p;
    // 1. Check everything before writing anything.
    const skus = new Map<string, number>();
    const bySku = p.db.prepare(/* sql */ `SELECT id FROM garments WHERE sku = ?`).pluck();
    const photoPaths: string[][] = [];
    for (const [i, item] of items.entries()) {
      const where = `items[${i}] (SKU ${JSON.stringify(item.sku)})`;
      const seen = skus.get(item.sku);
      if (seen !== undefined) throw new ConflictError(`${where}: the same SKU as items[${seen}]`);
      skus.set(item.sku, i);
      const clash = bySku.get(item.sku) as number | undefined;
      if (clash !== undefined) throw new ConflictError(`${where}: garment ${clash} already has this SKU`);
      if (item.collectionId !== undefined && !p.collections.get(item.collectionId)) {
        throw new NotFoundError(`${where}: collection ${item.collectionId} does not exist`);
      }
      const paths: string[] = [];
      for (const [j, photo] of item.photos.entries()) {
        paths.push(await this.#image(photo.file, `${where}.photos[${j}].file`));
      }
      photoPaths.push(paths);
    }
    // 2. Write.
    const out: GarmentDetail[] = [];
    for (const [i, item] of items.entries()) {
      const { photos, ...fields } = item;
      const garment = p.garments.add(fields);
      for (const [j, photo] of photos.entries()) {
        await p.garments.addPhoto({ garmentId: garment.id, file: photoPaths[i]![j]!, view: photo.view, type: photo.type });
      }
      out.push({ garment: p.garments.get(garment.id)!, photos: p.garments.photos(garment.id) });
    }
    return { garments: out };
  }

  updateGarment(input: Req<'garments:update'>): Garment {
    const p = this.#p;
    if (!p.garments.get(input.id)) throw new NotFoundError(`garment ${input.id} does not exist`);
    if (input.collectionId != null && !p.collections.get(input.collectionId)) throw new NotFoundError(`collection ${input.collectionId} does not exist`);
    return p.garments.update(input);
  }

  /** All or nothing: one transaction over every garment. */
  bulkUpdateGarments({ ids, set }: Req<'garments:bulkUpdate'>): { garments: Garment[] } {
    const p = this.#p;
    const unique = [...new Set(ids)];
    const missing = unique.filter((id) => !p.garments.get(id));
    if (missing.length) throw new NotFoundError(`garment${missing.length > 1 ? 's' : ''} ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''} do${missing.length > 1 ? '' : 'es'} not exist; nothing was changed`);
    if (set.collectionId != null && !p.collections.get(set.collectionId)) throw new NotFoundError(`collection ${set.collectionId} does not exist; nothing was changed`);
    const remove = new Set(set.removeTags ?? []);
    const garments = p.db.transaction(() =>
      unique.map((id) => {
        const g = p.garments.get(id)!;
        const tags = set.addTags || set.removeTags ? [...new Set([...g.tags, ...(set.addTags ?? [])])].filter((t) => !remove.has(t)) : undefined;
        return p.garments.update({
          id,
          ...(set.season !== undefined && { season: set.season }),
          ...(set.category !== undefined && { category: set.category }),
          ...(set.colourway !== undefined && { colourway: set.colourway }),
          ...(set.collectionId !== undefined && { collectionId: set.collectionId }),
          ...(tags && { tags }),
        });
      }),
    ).immediate();
    return { garments };
  }

  async garmentPhotos({ garmentId, add }: Req<'garments:photos'>): Promise<{ photos: GarmentPhoto[] }> {
    const p = this.#p;
    if (!p.garments.get(garmentId)) throw new NotFoundError(`garment ${garmentId} does not exist`);
    if (add) {
      const paths: string[] = [];
      for (const [j, photo] of add.entries()) paths.push(await this.#image(photo.file, `add[${j}].file`));
      for (const [j, photo] of add.entries()) await p.garments.addPhoto({ garmentId, file: paths[j]!, view: photo.view, type: photo.type });
    }
    return { photos: p.garments.photos(garmentId) };
  }

  // ---- model photos, masks, DensePose -----------------------------------------------------------

  listModelPhotos(): { items: ModelPhotoListItem[] } {
    const p = this.#p;
    const masks = p.db.prepare(/* sql */ `
      SELECT m.model_photo_id AS photo, m.category, m.id, m.version, m.blob_hash AS hash FROM masks m
      JOIN (SELECT model_photo_id, category, max(version) AS v FROM masks GROUP BY model_photo_id, category) l
        ON l.model_photo_id = m.model_photo_id AND l.category = m.category AND l.v = m.version`).all() as
      { photo: number; category: Mask['category']; id: number; version: number; hash: string }[];
    const formats = p.db.prepare(/* sql */ `SELECT DISTINCT model_photo_id AS photo, format FROM densepose ORDER BY format`).all() as
      { photo: number; format: DensePose['format'] }[];
    return {
      items: p.modelPhotos.list().map((photo) => ({
        ...photo,
        masks: Object.fromEntries(masks.filter((m) => m.photo === photo.id).map((m) => [m.category, { id: m.id, version: m.version, blobHash: m.hash }])),
        denseposeFormats: formats.filter((f) => f.photo === photo.id).map((f) => f.format),
      })),
    };
  }

  modelPhoto(id: number): ModelPhotoDetail {
    const p = this.#p;
    const photo = p.modelPhotos.get(id);
    if (!photo) throw new NotFoundError(`model photo ${id} does not exist`);
    return { photo, masks: p.modelPhotos.masks(id), densepose: p.modelPhotos.densePoses(id) };
  }

  async importModelPhotos({ items }: Req<'models:import'>): Promise<{ photos: ModelPhoto[] }> {
    const p = this.#p;
    const resolved: { path: string; name: string; notes?: string }[] = [];
    for (const [i, item] of items.entries()) {
      const path = await this.#image(item.file, `items[${i}].file`);
      const ref = this.#files.resolve(item.file);
      resolved.push({ path, name: item.name ?? (basename(ref.name, extname(ref.name)) || ref.name), ...(item.notes !== undefined && { notes: item.notes }) });
    }
    const photos: ModelPhoto[] = [];
    for (const r of resolved) photos.push(await p.modelPhotos.add({ name: r.name, file: r.path, ...(r.notes !== undefined && { notes: r.notes }) }));
    return { photos };
  }

  #requirePhoto(id: number): ModelPhoto {
    const photo = this.#p.modelPhotos.get(id);
    if (!photo) throw new NotFoundError(`model photo ${id} does not exist`);
    return photo;
  }

  latestMasks(modelPhotoId: number): { masks: Mask[] } {
    this.#requirePhoto(modelPhotoId);
    const all = this.#p.modelPhotos.masks(modelPhotoId);
    const latest = new Map<string, Mask>();
    for (const m of all) latest.set(m.category, m); // ordered by category, then version
    return { masks: [...latest.values()] };
  }

  maskVersions(modelPhotoId: number, category: Mask['category']): { masks: Mask[] } {
    this.#requirePhoto(modelPhotoId);
    return { masks: this.#p.modelPhotos.masks(modelPhotoId).filter((m) => m.category === category) };
  }

  async saveMask(input: Req<'masks:save'>): Promise<Mask> {
    this.#requirePhoto(input.modelPhotoId);
    let file: string | Uint8Array;
    if ('pngBase64' in input) {
      const bytes = Buffer.from(input.pngBase64, 'base64');
      if (bytes.byteLength > MAX_MASK_BYTES) throw new ValidationError(`payload.pngBase64: the mask is ${bytes.byteLength} bytes; expected at most ${MAX_MASK_BYTES}`);
      file = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } else {
      file = await this.#image(input.file, 'file');
    }
    const origin = input.origin ?? ('pngBase64' in input ? 'manual' : 'imported');
    return this.#p.modelPhotos.addMask({ modelPhotoId: input.modelPhotoId, category: input.category, file, origin });
  }

  async importDensePose(input: Req<'densepose:import'>): Promise<DensePose> {
    this.#requirePhoto(input.modelPhotoId);
    const file = await this.#image(input.file, 'file');
    return this.#p.modelPhotos.addDensePose({
      modelPhotoId: input.modelPhotoId, file, format: input.format, origin: 'imported', approximated: input.approximated ?? false,
      ...(input.generator !== undefined && { generator: input.generator }),
    });
  }

  densePoses(modelPhotoId: number): { items: DensePose[] } {
    this.#requirePhoto(modelPhotoId);
    return { items: this.#p.modelPhotos.densePoses(modelPhotoId) };
  }

  // ---- checkpoints ------------------------------------------------------------------------------

  listCheckpoints(): { items: CheckpointListItem[]; defaultId: number | null; defaults: Partial<Record<CheckpointTask, number>> } {
    const p = this.#p;
    const defaultId = this.#projects.defaultCheckpointId();
    const defaults = p.checkpoints.defaults();
    const hub = new Map(p.checkpoints.hubSources().map((h) => [h.checkpointId, h]));
    return { items: p.checkpoints.list().map((c) => listItem(c, defaultId, defaults, hub.get(c.id))), defaultId, defaults };
  }

  checkpoint(id: number): CheckpointListItem {
    const p = this.#p;
    const c = p.checkpoints.get(id);
    if (!c) throw new NotFoundError(`checkpoint ${id} does not exist`);
    return listItem(c, this.#projects.defaultCheckpointId(), p.checkpoints.defaults(), p.checkpoints.hubSource(id));
  }

  /**
   * Makes a checkpoint the default: the project's (batches naming neither checkpoint nor task) and its
   * task's (`task`, else the task of its kind; a finetune or LoRA needs `task`).
   */
  setDefaultCheckpoint(id: number, task?: CheckpointTask): { defaultId: number; defaults: Partial<Record<CheckpointTask, number>> } {
    const p = this.#p;
    const c = p.checkpoints.get(id);
    if (!c) throw new NotFoundError(`checkpoint ${id} does not exist`);
    const forTask = task ?? taskOfKind(c.kind);
    if (forTask === 'pose' && c.kind !== 'pose') throw new ValidationError(`task is "pose"; expected a task checkpoint ${id} (a ${c.kind} checkpoint) can run: try-on-HD or try-on-DC`);
    if (forTask && forTask !== 'pose' && c.kind === 'pose') throw new ValidationError(`task is "${forTask}"; expected "pose" for checkpoint ${id}, a pose-transfer checkpoint`);
    if (forTask) p.checkpoints.setDefault(forTask, id);
    const defaultId = forTask === 'pose' ? (this.#projects.defaultCheckpointId() ?? id) : this.#projects.setDefaultCheckpoint(id);
    return { defaultId, defaults: p.checkpoints.defaults() };
  }

  /** Records that `by` accepted the checkpoint's licence (licence before first use, migration 010). */
  acceptLicence(id: number, by = 'user'): CheckpointListItem {
    const p = this.#p;
    if (!p.checkpoints.get(id)) throw new NotFoundError(`checkpoint ${id} does not exist`);
    p.checkpoints.acceptLicence(id, by);
    return this.checkpoint(id);
  }

  async importCheckpoint(input: Req<'checkpoints:import'>): Promise<CheckpointListItem> {
    const p = this.#p;
    const weights = this.#files.resolve(input.file, 'file', 'file');
    await assertCheckpointFile(weights.path, weights.name);
    if (input.parentId !== undefined && !p.checkpoints.get(input.parentId)) throw new NotFoundError(`parent checkpoint ${input.parentId} does not exist`);
    let baseConfig: string | undefined;
    let createdBase: string | null = null;
    if (input.base !== undefined) {
      ({ baseConfig, created: createdBase } = await this.#copyBase(p.dir, input.base));
    }
    const { file: _f, base: _b, ...fields } = input;
    let last = 0;
    let checkpoint: Checkpoint;
    try {
      checkpoint = await p.checkpoints.import(
        { ...fields, file: weights.path, ...(baseConfig !== undefined && { baseConfig }) },
        {
          onProgress: ({ bytes, totalBytes }) => {
            const now = Date.now();
            if (now - last < 250 && bytes < totalBytes) return;
            last = now;
            this.#onImportProgress({ file: input.file, bytes, totalBytes });
          },
        },
      );
    } catch (err) {
      if (createdBase) await rm(createdBase, { recursive: true, force: true });
      throw err;
    }
    if (this.#projects.defaultCheckpointId() === null && ['try-on-HD', 'try-on-DC', 'finetune'].includes(checkpoint.kind)) {
      this.#projects.setDefaultCheckpoint(checkpoint.id);
    }
    const task = taskOfKind(checkpoint.kind);
    if (task && p.checkpoints.defaults()[task] === undefined) p.checkpoints.setDefault(task, checkpoint.id);
    return this.checkpoint(checkpoint.id);
  }

  /** A base config folder FileRef, or a .zip of one (unpacked to a temp folder first), copied into the project. */
  async #copyBase(projectDir: string, id: string): Promise<{ baseConfig: string; created: string | null }> {
    let ref;
    try {
      ref = this.#files.resolve(id, 'folder', 'base');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      ref = this.#files.resolve(id, 'file', 'base');
      if (!/\.zip$/i.test(ref.name)) throw err;
    }
    if (ref.kind === 'folder') return copyBaseConfig(projectDir, ref.path, ref.name);
    if (ref.size > DEFAULT_MAX_BASE_ZIP_BYTES) throw new ValidationError(`base ${ref.name} is ${ref.size} bytes; expected a zipped config folder of at most ${DEFAULT_MAX_BASE_ZIP_BYTES} bytes`);
    const temp = await mkdtemp(join(tmpdir(), 'leffa-base-'));
    try {
      const folder = await unpackBaseZip(await readFile(ref.path), ref.name, temp);
      return await copyBaseConfig(projectDir, folder.path, folder.name);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  // ---- results and blobs ------------------------------------------------------------------------

  listResults(filter: Req<'results:list'>): Page<ResultItem> {
    return this.#p.search.results(filter);
  }

  result(id: number): ResultDetail {
    const r = this.#p.results.get(id);
    if (!r) throw new NotFoundError(`result ${id} does not exist`);
    return r;
  }

  /** A stored image's file and type, or null for a hash the open project does not know as an image. */
  blob(hash: string): { path: string; mediaType: string; size: number } | null {
    const p = this.#projects.project;
    if (!p || !/^[0-9a-f]{64}$/.test(hash)) return null;
    const row = p.db.prepare(/* sql */ `SELECT media_type AS mediaType, size FROM blobs WHERE hash = ?`).get(hash) as { mediaType: string; size: number } | undefined;
    if (!row || !row.mediaType.startsWith('image/')) return null;
    const path = p.blobPath(hash);
    return existsSync(path) ? { path, mediaType: row.mediaType, size: row.size } : null;
  }

  requireBlob(hash: string): { path: string; mediaType: string; size: number } {
    this.#projects.require();
    const blob = this.blob(hash);
    if (!blob) throw new NotFoundError(`no stored image has the hash ${hash} in this project`);
    return blob;
  }

  // ---- internals --------------------------------------------------------------------------------

  /** Resolves a FileRef and checks it is an image the store accepts; returns its path. */
  async #image(id: string, where: string): Promise<string> {
    const ref = this.#files.resolve(id, 'file', where);
    try {
      await inspectImage(ref.path, { fn: where, argument: ref.name, maxPixels: this.#p.ctx.maxPixels });
    } catch (err) {
      if (err instanceof Error && err.name === 'StoreError') throw new ValidationError(`${where} (${ref.name}): ${err.message.replace(/^[^:]*: /, '')}`);
      throw err;
    }
    return ref.path;
  }
}

/** A checkpoint row as the API lists it: default flags, licence acceptance and Hub source. */
function listItem(c: StoredCheckpoint, defaultId: number | null, defaults: Partial<Record<CheckpointTask, number>>, hub: HubModelSource | undefined): CheckpointListItem {
  return {
    ...c,
    isDefault: c.id === defaultId,
    defaultFor: CHECKPOINT_TASKS.filter((t) => defaults[t] === c.id),
    licenceAcceptedAt: c.licenceAcceptedAt ?? null,
    licenceAcceptedBy: c.licenceAcceptedBy ?? null,
    hub: hub ? { modelId: hub.modelId, repo: hub.repo, revision: hub.revision, file: hub.file, sha256: hub.sha256, size: hub.size, cardLicence: hub.cardLicence } : null,
  };
}

/**
 * Copies a diffusers base config folder's three files into `<project>/bases/<hash>/<name>/` (once per
 * content) and returns that path relative to the project (what `checkpoints.base_config` holds), plus
 * the folder this call created (to remove if the import then fails).
 */
export async function copyBaseConfig(projectDir: string, folderPath: string, folderName: string): Promise<{ baseConfig: string; created: string | null }> {
  const base = await readBaseFolder(folderPath, folderName);
  const baseConfig = join(BASES_DIR, base.hash, folderName).split('\\').join('/');
  const target = join(projectDir, baseConfig);
  if (existsSync(target)) return { baseConfig, created: null };
  // Only the three config files: a full diffusers folder may also hold gigabytes of weights.
  for (const file of BASE_FILES) {
    await mkdir(dirname(join(target, file)), { recursive: true });
    await copyFile(join(folderPath, file), join(target, file));
  }
  return { baseConfig, created: join(projectDir, BASES_DIR, base.hash) };
}

/** Weights must be safetensors or a (zip) PyTorch file: catches a wrong file before gigabytes are copied. */
export async function assertCheckpointFile(path: string, name: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    const size = (await fh.stat()).size;
    const zip = bytesRead >= 4 && head.readUInt32LE(0) === 0x04034b50;
    const safetensors = bytesRead >= 9 && head[8] === 0x7b && head.readBigUInt64LE(0) < BigInt(size);
    if (!zip && !safetensors) {
      throw new ValidationError(`${name} is not a checkpoint: expected a .safetensors file or a PyTorch (zip) .pth file (its first bytes are ${head.subarray(0, Math.min(bytesRead, 8)).toString('hex') || 'none: it is empty'})`);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Checks a diffusers base config folder (the engine picks the architecture from its name and reads three
 * JSON files) and returns a content hash of those files, which names its copy inside the project.
 */
export async function readBaseFolder(dir: string, name: string): Promise<{ hash: string }> {
  if (!/stable-diffusion-inpainting|stable-diffusion-xl-1\.0-inpainting-0\.1/.test(name)) {
    throw new ValidationError(`base folder ${JSON.stringify(name)}: expected a diffusers config folder whose name contains "stable-diffusion-inpainting" (sd15) or "stable-diffusion-xl-1.0-inpainting-0.1" (sdxl)`);
  }
  const h = createHash('sha256');
  for (const file of BASE_FILES) {
    let text: string;
    try {
      text = await readFile(join(dir, file), 'utf8');
    } catch {
      throw new ValidationError(`base folder ${JSON.stringify(name)}: ${file} is missing; expected unet/config.json, vae/config.json and scheduler/scheduler_config.json`);
    }
    try {
      JSON.parse(text);
    } catch (err) {
      throw new ValidationError(`base folder ${JSON.stringify(name)}: ${file} is not valid JSON (${(err as Error).message})`);
    }
    h.update(file).update('\0').update(text).update('\0');
  }
  return { hash: h.digest('hex').slice(0, 16) };
}
