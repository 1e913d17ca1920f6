// Preprocessing over the API: automatic masks, approximated DensePose and cleaned-up garment previews.
// The pixel and tensor work runs in the engine worker (main/engine-host/preprocess.ts); this service
// picks the inputs from the project, stores what comes back (new mask versions, DensePose rows, preview
// blobs) and turns engine failures into errors the user can act on. No Electron imports.
import type { AutoMaskRequest, AutoMaskResponse, Category, DensePose, DenseposeFormat, GarmentCleanPreview, Mask } from '../../preload/contract.ts';
import { NotFoundError, UnavailableError, ValidationError } from '../api/errors.ts';
import { GarmentPreviewRepo } from '../store/garment-previews.ts';
import type { Project } from '../store/index.ts';
import type { ProjectService } from './project-service.ts';
import type { EngineLike } from './queue-service.ts';

export interface PreprocessServiceOptions {
  projects: ProjectService;
  engine: EngineLike;
}

/** The garment clean-up the cached previews were made with; a new algorithm gets a new name (new cache rows). */
export const GARMENT_CLEANER = 'models/preprocess cleanGarment 1 (768×1024 on white)';
const ALL_CATEGORIES: readonly Category[] = ['upper_body', 'lower_body', 'dresses'];

/** Engine errors the user can fix become their API kinds; the rest stay internal. */
function fromEngine(err: unknown, what: string): Error {
  if (!(err instanceof Error)) return new Error(`${what}: ${String(err)}`);
  if (err.name === 'PoseModelFileError') return new UnavailableError(`${what}: the pose models are missing: ${err.message}`);
  if (err.name === 'GarmentError' || err.name === 'ImageLoadError') return new ValidationError(`${what}: ${err.message}`);
  return err;
}

export class PreprocessService {
  readonly #projects: ProjectService;
  readonly #engine: EngineLike;
  readonly #previews = new WeakMap<Project, GarmentPreviewRepo>();
  /** Clean-ups in progress by source blob, so two calls for one photo share one run. */
  readonly #cleaning = new Map<string, Promise<GarmentCleanPreview>>();

  constructor(opts: PreprocessServiceOptions) {
    this.#projects = opts.projects;
    this.#engine = opts.engine;
  }

  get #p(): Project {
    return this.#projects.require();
  }

  async autoMasks(req: AutoMaskRequest): Promise<AutoMaskResponse> {
    const p = this.#p;
    const photo = p.modelPhotos.get(req.modelPhotoId);
    if (!photo) throw new NotFoundError(`modelPhotoId: model photo ${req.modelPhotoId} does not exist`);
    const categories = [...new Set(req.categories ?? ALL_CATEGORIES)];
    const protectHands = req.protectHands ?? true;
    const protectFace = req.protectFace ?? true;
    const what = `auto mask for model photo ${photo.id} (${photo.name})`;
    let r;
    try {
      r = await this.#engine.request('preprocess.person', {
        photo: p.blobPath(photo.blobHash), categories, protectHands, protectFace, width: photo.width, height: photo.height,
      });
    } catch (err) {
      throw fromEngine(err, what);
    }
    if (!r.found) throw new ValidationError(`${what}: no person was found in the photo (${r.reason}); draw the mask by hand instead`);
    const masks: Mask[] = [];
    const warnings: string[] = [];
    for (const m of r.masks) {
      for (const w of m.warnings) warnings.push(`${m.category}: ${w}`);
      if (m.coverage === 0) {
        warnings.push(`${m.category}: the automatic mask is empty, so no version was saved`);
        continue;
      }
      // The project may have been closed or switched while the worker ran.
      if (this.#p !== p) throw new UnavailableError(`${what}: the project was closed while the mask was being made`);
      masks.push(await p.modelPhotos.addMask({ modelPhotoId: photo.id, category: m.category, file: m.png, origin: 'auto' }));
    }
    return { masks, warnings, protectHands, protectFace };
  }

  async generateDensePose(req: { modelPhotoId: number; format: DenseposeFormat }): Promise<DensePose> {
    const p = this.#p;
    const photo = p.modelPhotos.get(req.modelPhotoId);
    if (!photo) throw new NotFoundError(`modelPhotoId: model photo ${req.modelPhotoId} does not exist`);
    const what = `DensePose approximation for model photo ${photo.id} (${photo.name})`;
    let r;
    try {
      r = await this.#engine.request('preprocess.densepose', { photo: p.blobPath(photo.blobHash), format: req.format, width: photo.width, height: photo.height });
    } catch (err) {
      throw fromEngine(err, what);
    }
    if (!r.found) throw new ValidationError(`${what}: no person was found in the photo (${r.reason}); import a DensePose image instead`);
    if (this.#p !== p) throw new UnavailableError(`${what}: the project was closed while the map was being made`);
    return p.modelPhotos.addDensePose({ modelPhotoId: photo.id, file: r.png, format: req.format, origin: 'generated', approximated: true, generator: r.generator });
  }

  async cleanPreview(req: { garmentPhotoId: number }): Promise<GarmentCleanPreview> {
    const p = this.#p;
    const row = p.db.prepare(/* sql */ `SELECT id, blob_hash AS hash FROM garment_photos WHERE id = ?`).get(req.garmentPhotoId) as { id: number; hash: string } | undefined;
    if (!row) throw new NotFoundError(`garmentPhotoId: garment photo ${req.garmentPhotoId} does not exist`);
    const repo = this.#repo(p);
    const done = repo.get(row.hash, GARMENT_CLEANER);
    if (done) return this.#out(row.id, done, true);
    const key = `${p.dir}\0${row.hash}`;
    let running = this.#cleaning.get(key);
    if (!running) {
      running = (async () => {
        let r;
        try {
          r = await this.#engine.request('preprocess.garment', { photo: p.blobPath(row.hash) });
        } catch (err) {
          throw fromEngine(err, `clean-up of garment photo ${row.id}`);
        }
        if (this.#p !== p) throw new UnavailableError(`clean-up of garment photo ${row.id}: the project was closed meanwhile`);
        const stored = await repo.put({ sourceHash: row.hash, cleaner: GARMENT_CLEANER, png: r.png, source: r.source, warnings: r.warnings });
        return this.#out(row.id, stored, false);
      })();
      this.#cleaning.set(key, running);
      void running.catch(() => {}).finally(() => this.#cleaning.delete(key));
    }
    const out = await running;
    return { ...out, garmentPhotoId: row.id };
  }

  #repo(p: Project): GarmentPreviewRepo {
    let repo = this.#previews.get(p);
    if (!repo) {
      repo = new GarmentPreviewRepo(p.ctx);
      this.#previews.set(p, repo);
    }
    return repo;
  }

  #out(garmentPhotoId: number, v: { sourceHash: string; previewHash: string; width: number; height: number; source: 'alpha' | 'background'; warnings: { code: string; message: string }[] }, cached: boolean): GarmentCleanPreview {
    return { garmentPhotoId, sourceHash: v.sourceHash, blobHash: v.previewHash, width: v.width, height: v.height, source: v.source, warnings: v.warnings, cached };
  }
}
