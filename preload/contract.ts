// The API contract between the renderer and its host (Electron main through the preload, or serve
// mode over WebSocket). Types only: main, preload and renderer import it with `import type`, so no
// code crosses a layer boundary. Runtime checks live in main/api/schemas.ts.
//
// Conventions:
// - Every call sends one options object and resolves to a Result (the renderer's api module turns
//   failures back into throws). Ids are positive integers; unknown ids fail with kind 'not_found'.
// - Images never travel as bytes in responses: they are referenced by their SHA-256 (`blobHash`), and
//   the page loads them from blobUrl(hash) (Electron: app://leffa/blob/<hash>; serve mode:
//   /blob/<hash>, same origin, token cookie). Only hashes the open project's store knows are served.
// - Files come in as FileRefs: opaque ids the host hands out for a file the user picked (Electron:
//   `dialog:openFiles` or a dropped File; serve mode: `POST /upload`). Import calls take the ref's id,
//   never a path typed by the page. A ref stays valid for the session (serve uploads: 1 hour).
// - Times are milliseconds since the epoch. Lists are newest first and paged by `beforeId` where they
//   can grow large (garments, results), or by `afterId` (queue cells, oldest first).

/** Where the renderer is running: inside Electron, or in a browser talking to `npm run serve`. */
export type HostMode = 'electron' | 'serve';

export interface AppInfo {
  /** Product name, e.g. "Leffa Studio". */
  name: string;
  /** The app's semver from package.json. */
  version: string;
  mode: HostMode;
  runtime: {
    node: string;
    /** Electron and Chrome versions; absent in serve mode. */
    electron?: string;
    chrome?: string;
    platform: string;
    arch: string;
  };
}

/** The TF.js backend the engine worker chose (mirrors models/backend's BackendInfo). */
export interface EngineInfo {
  /** tf.getBackend(): 'tensorflow' | 'wasm' | 'cpu'. */
  backend: string;
  /** What was asked for ('auto', 'wasm', ...). */
  requested: string;
  /** npm package that provides the backend. */
  package: string;
  threads?: number;
  threaded?: boolean;
  /** Why preferred backends were skipped, in order. */
  fallbackReasons: string[];
  /** WebGPU only: the GPU adapter's name (e.g. "Apple M2", "SwiftShader"). */
  adapter?: string;
}

/**
 * Why a call failed. validation: the payload did not match its schema (or a value in it is not
 * acceptable, e.g. a non-image file); not_found: unknown channel or missing thing (unknown id);
 * forbidden: the caller is not our app; unavailable: a service (e.g. the engine worker, or no project
 * open) is not there; conflict: the thing is in a state that refuses the change (e.g. a SKU that
 * exists, cancelling a finished cell); internal: a bug or unexpected failure.
 */
export type ErrorKind = 'validation' | 'not_found' | 'forbidden' | 'unavailable' | 'conflict' | 'internal';

/** An error as it crosses a process boundary: plain data, no stack. */
export interface WireError {
  name: string;
  message: string;
  kind: ErrorKind;
}

/** Every call resolves to a Result; the renderer's api module turns failures back into throws. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: WireError };

// ---- shared value types --------------------------------------------------------------------------

export type Category = 'upper_body' | 'lower_body' | 'dresses';
export type PhotoType = 'flat-lay' | 'on-model';
export type View = 'front' | 'back' | 'side' | 'detail' | 'other';
export type MaskOrigin = 'auto' | 'manual' | 'imported';
export type DenseposeFormat = 'HD-parula' | 'DC-I-map' | 'UVI';
export type DenseposeOrigin = 'imported' | 'generated';
export type CheckpointKind = 'try-on-HD' | 'try-on-DC' | 'pose' | 'finetune' | 'LoRA';
export type Architecture = 'sd15' | 'sdxl';
export type ReviewStatus = 'pending' | 'approved' | 'rejected' | 'redo';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** A page of a list that grows large, newest first. */
export interface Page<T> {
  items: T[];
  /** Pass as `beforeId` to get the next page; null on the last page. */
  nextBeforeId: number | null;
}

// ---- files ---------------------------------------------------------------------------------------

/** A file (or folder) the user picked, uploaded or dropped. Import calls reference it by `id`. */
export interface FileRef {
  /** Opaque id, e.g. "f_3k2…"; valid for this session (serve uploads: 1 hour). */
  id: string;
  /** The file's own name (no folder), for display. */
  name: string;
  /** Bytes; 0 for a folder. */
  size: number;
  kind: 'file' | 'folder';
  /** For images checked on upload (serve mode): their pixel size and media type. */
  image?: { width: number; height: number; mediaType: string };
}

/** What the open dialog should offer. */
export type OpenFilesPurpose = 'images' | 'checkpoint' | 'folder' | 'project';

// ---- projects ------------------------------------------------------------------------------------

export interface ProjectInfo {
  /** Absolute path of the project folder. */
  path: string;
  name: string;
  /** Schema version of its database. */
  schemaVersion: number;
  openedAt: number;
}

export interface RecentProject {
  path: string;
  name: string;
  openedAt: number;
  /** False when the folder (or its project.sqlite) is gone; the UI may offer to forget it. */
  exists: boolean;
}

export interface JobCounts {
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  total: number;
}

export interface ProjectStats {
  garments: number;
  garmentPhotos: number;
  modelPhotos: number;
  checkpoints: number;
  results: number;
  batches: number;
  jobs: JobCounts;
  /** Results per review status. */
  reviews: Record<ReviewStatus, number>;
}

// ---- catalogue -----------------------------------------------------------------------------------

export interface Collection {
  id: number;
  name: string;
  season: string | null;
  createdAt: number;
}

export interface Garment {
  id: number;
  sku: string;
  name: string;
  category: Category;
  colourway: string | null;
  season: string | null;
  collectionId: number | null;
  tags: string[];
  createdAt: number;
  updatedAt: number;
}

export interface GarmentPhoto {
  id: number;
  garmentId: number;
  blobHash: string;
  view: View;
  type: PhotoType;
  width: number;
  height: number;
  createdAt: number;
}

/** A garment in a list: its record plus the photo to show (flat-lay front first), if any. */
export interface GarmentListItem extends Garment {
  coverHash: string | null;
  photoCount: number;
}

export interface GarmentDetail {
  garment: Garment;
  photos: GarmentPhoto[];
}

/** A photo to attach on import: a FileRef id plus how it shows the garment. */
export interface NewGarmentPhotoInput {
  file: string;
  /** Default 'front'. */
  view?: View;
  type: PhotoType;
}

export interface NewGarmentInput {
  sku: string;
  name: string;
  category: Category;
  colourway?: string;
  season?: string;
  tags?: string[];
  collectionId?: number;
  /** At least one photo per garment. */
  photos: NewGarmentPhotoInput[];
}

/** A person photo garments are tried on ("model photo"). */
export interface ModelPhoto {
  id: number;
  name: string;
  blobHash: string;
  width: number;
  height: number;
  notes: string | null;
  createdAt: number;
}

/** A model photo in a list, with which inputs it has for generation. */
export interface ModelPhotoListItem extends ModelPhoto {
  /** Latest mask version per category that has one. */
  masks: Partial<Record<Category, { id: number; version: number; blobHash: string }>>;
  /** DensePose formats stored for this photo. */
  denseposeFormats: DenseposeFormat[];
}

export interface Mask {
  id: number;
  modelPhotoId: number;
  category: Category;
  version: number;
  blobHash: string;
  origin: MaskOrigin;
  createdAt: number;
}

export interface DensePose {
  id: number;
  modelPhotoId: number;
  format: DenseposeFormat;
  origin: DenseposeOrigin;
  approximated: boolean;
  generator: string | null;
  blobHash: string;
  createdAt: number;
}

export interface ModelPhotoDetail {
  photo: ModelPhoto;
  /** Every mask version, by category then version. */
  masks: Mask[];
  densepose: DensePose[];
}

export interface Checkpoint {
  id: number;
  name: string;
  kind: CheckpointKind;
  architecture: Architecture;
  blobHash: string;
  size: number;
  source: string | null;
  licence: string;
  commercialUse: boolean;
  parentId: number | null;
  trainingRun: Record<string, unknown> | null;
  /**
   * The diffusers base config folder stored with the checkpoint (relative to the project), or null
   * for a standard Leffa checkpoint whose configs ship with the app.
   */
  baseConfig: string | null;
  createdAt: number;
}

export interface CheckpointListItem extends Checkpoint {
  isDefault: boolean;
}

// ---- batches, queue, results ---------------------------------------------------------------------

/** Sampling settings of one cell; missing fields take the defaults shown. */
export interface CellSettingsInput {
  /** Denoising steps, 1-1000 (default 30). */
  steps?: number;
  /** Classifier-free guidance scale, 0-50 (default 2.5). */
  guidanceScale?: number;
  /** Run the reference UNet once instead of every step (default false). */
  refAcceleration?: boolean;
  /** Paste the unmasked region of the person back over the output (default false). */
  repaint?: boolean;
}

export interface CellSettings {
  steps: number;
  guidanceScale: number;
  refAcceleration: boolean;
  repaint: boolean;
}

/** A batch: garments × model photos × seeds × settings. */
export interface BatchSpecInput {
  name?: string;
  /** Default: the project's default checkpoint. */
  checkpointId?: number;
  garmentIds: number[];
  modelPhotoIds: number[];
  /** 0 .. 2^32-1. */
  seeds: number[];
  /** Default [{}]: one cell per (garment, model photo, seed) with default settings. */
  settings?: CellSettingsInput[];
  /** Higher runs first (-1000..1000, default 0). */
  priority?: number;
  /** Which garment photo a cell uses (default 'any': flat-lay first, then front view). */
  garmentPhotoType?: 'flat-lay' | 'on-model' | 'any';
}

/** What enqueueing the batch would do (preview) or did (enqueue). */
export interface BatchPlan {
  /** Cells in the matrix. */
  cells: number;
  /** Jobs that are (or would be) created. */
  created: number;
  /** Cells skipped: a result with the same settings exists. */
  skippedDone: number;
  /** Cells skipped: a queued or running job has the same settings. */
  skippedPending: number;
  /** Cells repeated within this batch. */
  skippedDuplicate: number;
  /** The checkpoint the cells use. */
  checkpointId: number;
  /** Denoising steps of the created cells. */
  steps: number;
  /** steps × measured time per step, or null before any cell has run. */
  estimateMs: number | null;
  /** Inputs the engine needs but the project lacks: such cells would fail, so the UI should warn. */
  missing: { modelPhotoId: number; what: 'mask' | 'densepose'; category?: Category; format?: DenseposeFormat }[];
}

export interface BatchEnqueued extends BatchPlan {
  batchId: number;
}

export interface BatchSummary {
  id: number;
  name: string;
  checkpointId: number;
  priority: number;
  createdAt: number;
  counts: JobCounts;
  /** All cells ended (succeeded, failed or cancelled). */
  finished: boolean;
}

/** One cell of the queue (a job). */
export interface QueueCell {
  jobId: number;
  batchId: number;
  garmentId: number;
  modelPhotoId: number;
  checkpointId: number;
  seed: number;
  settings: CellSettings;
  status: JobStatus;
  /** Bumps at every status change: drop events with a lower statusSeq than the one shown. */
  statusSeq: number;
  attempt: number;
  /** 0..1 while running. */
  progress: number;
  stepMs: number | null;
  runMs: number | null;
  error: { type: string | null; message: string } | null;
  retriedFrom: number | null;
  /** The result, once succeeded. */
  resultId: number | null;
  resultHash: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface QueueState {
  /** Pause persists across restarts; a paused queue finishes its running cell, then waits. */
  paused: boolean;
  /** The runner is working (false when no project is open or the runner stopped on a store error). */
  runnerActive: boolean;
  counts: JobCounts;
  eta: { remainingSteps: number; msPerStep: number | null; etaMs: number | null };
  /** The cell running now, with its latest progress. */
  current: { jobId: number; batchId: number; step: number; steps: number; etaMs: number | null } | null;
}

export interface ResultItem {
  id: number;
  jobId: number;
  batchId: number;
  garmentId: number;
  modelPhotoId: number;
  checkpointId: number;
  category: Category;
  settingsHash: string;
  blobHash: string;
  width: number;
  height: number;
  commercialUse: boolean;
  reviewStatus: ReviewStatus;
  createdAt: number;
}

export interface ResultDetail extends ResultItem {
  /** The reproducibility record (seed, settings, input hashes, engine, timings). */
  record: Record<string, unknown>;
}

// ---- engine --------------------------------------------------------------------------------------

export interface EngineStatus {
  /** 'starting' until the worker answered; 'busy' while a cell runs; 'down' when the worker failed. */
  state: 'starting' | 'idle' | 'busy' | 'down';
  /** tf.getBackend() once known. */
  backend: string | null;
  /** Memory as the engine reports it (bytes), when known. */
  memory: { numBytes: number; numTensors: number; gpuBytes?: number; wasmHeapBytes?: number; rssBytes?: number } | null;
  /** The checkpoint the worker has loaded, when known (its project id). */
  checkpointId?: number | null;
  /** Last failure, when state is 'down'. */
  error?: string;
}

// ---- the channels --------------------------------------------------------------------------------

type NoOptions = Record<string, never>;
type Id = { id: number };

/** Every message: channel -> request (always one options object) and response. */
export interface ApiSpec {
  'app:info': { request: NoOptions; response: AppInfo };
  'engine:info': { request: NoOptions; response: EngineInfo };
  /** The engine's state, backend and memory (also pushed as the `engine:status` event). */
  'engine:status': { request: NoOptions; response: EngineStatus };

  /**
   * Electron only: shows the native open dialog and returns the picked files as FileRefs (empty when
   * cancelled). Serve mode answers 'unavailable': use an <input type=file> and POST /upload.
   */
  'dialog:openFiles': {
    request: { purpose: OpenFilesPurpose; multiple?: boolean; title?: string };
    response: { files: FileRef[] };
  };
  /**
   * Electron only, and only through `window.app.fileRefs(files)`: the preload turns dropped or chosen
   * File objects into their paths and registers them. Serve mode answers 'unavailable'.
   */
  'files:dropped': { request: { paths: string[] }; response: { files: FileRef[] } };

  /** The project open now, or null. */
  'project:current': { request: NoOptions; response: ProjectInfo | null };
  /**
   * Opens a project folder: one picked with `dialog:openFiles {purpose: 'project'}` (`folder`), or one
   * from the recent list (`path`, which must be in it). Closes the previous project first.
   */
  'project:open': { request: { folder: string } | { path: string }; response: ProjectInfo };
  /**
   * Creates a project named `name` in a folder picked with the dialog (`parent`, a folder FileRef: the
   * project becomes `<parent>/<name>`), or by default in the app's projects folder; then opens it.
   */
  'project:create': { request: { name: string; parent?: string }; response: ProjectInfo };
  'project:close': { request: NoOptions; response: { closed: boolean } };
  /** Recently opened projects, newest first (kept in the app's data folder). */
  'project:recent': { request: NoOptions; response: { projects: RecentProject[] } };
  /** Forgets a recent entry (does not touch the folder). */
  'project:forget': { request: { path: string }; response: { projects: RecentProject[] } };
  'project:stats': { request: NoOptions; response: ProjectStats };

  'collections:list': { request: NoOptions; response: { collections: Collection[] } };
  'collections:create': { request: { name: string; season?: string }; response: Collection };

  /** Search: text over SKU, name and tags, plus filters; newest first. */
  'garments:list': {
    request: { text?: string; category?: Category; collectionId?: number; tag?: string; beforeId?: number; limit?: number };
    response: Page<GarmentListItem> & { total: number };
  };
  'garments:get': { request: Id; response: GarmentDetail };
  /**
   * Creates garments with their photos. Everything is checked first (SKUs free and distinct, files
   * are images within the limits, collections exist): one bad item writes nothing.
   */
  'garments:import': { request: { items: NewGarmentInput[] }; response: { garments: GarmentDetail[] } };
  /** Changes fields of one garment; absent fields stay, `collectionId: null` removes it from its collection. */
  'garments:update': {
    request: { id: number; name?: string; colourway?: string; season?: string; tags?: string[]; collectionId?: number | null };
    response: Garment;
  };
  /** Changes many garments at once, in one transaction (all or nothing). */
  'garments:bulkUpdate': {
    request: {
      ids: number[];
      set: { season?: string; collectionId?: number | null; addTags?: string[]; removeTags?: string[] };
    };
    response: { garments: Garment[] };
  };
  /** A garment's photos (`add` absent) or adds photos to it and returns them all. */
  'garments:photos': { request: { garmentId: number; add?: NewGarmentPhotoInput[] }; response: { photos: GarmentPhoto[] } };

  /** Model photos (people), oldest first, with their mask/DensePose coverage. */
  'models:list': { request: NoOptions; response: { items: ModelPhotoListItem[] } };
  'models:get': { request: Id; response: ModelPhotoDetail };
  /** Adds person photos; the same image twice returns the existing photo. All checked before any is written. */
  'models:import': { request: { items: { file: string; name?: string; notes?: string }[] }; response: { photos: ModelPhoto[] } };

  /** The latest mask per category of a model photo. */
  'masks:list': { request: { modelPhotoId: number }; response: { masks: Mask[] } };
  /** Every version of the (photo, category) mask, oldest first. */
  'masks:versions': { request: { modelPhotoId: number; category: Category }; response: { masks: Mask[] } };
  /**
   * Saves a new mask version (white = region to generate; the photo's exact size). The image is a
   * FileRef (`file`) or, from the mask editor, PNG bytes as base64 (`pngBase64`, at most 16 MB).
   */
  'masks:save': {
    request: { modelPhotoId: number; category: Category; origin?: MaskOrigin } & ({ file: string } | { pngBase64: string });
    response: Mask;
  };

  /** Imports a DensePose image for a model photo (the photo's exact size). */
  'densepose:import': {
    request: { modelPhotoId: number; file: string; format: DenseposeFormat; approximated?: boolean; generator?: string };
    response: DensePose;
  };
  'densepose:list': { request: { modelPhotoId: number }; response: { items: DensePose[] } };

  'checkpoints:list': { request: NoOptions; response: { items: CheckpointListItem[]; defaultId: number | null } };
  'checkpoints:get': { request: Id; response: CheckpointListItem };
  /**
   * Imports weights (a `.safetensors`/`.pth` FileRef) into the project. `base` is a folder FileRef with
   * the diffusers configs (unet/, vae/, scheduler/) for non-standard models (e.g. the tiny test
   * model); it is copied into the project. Progress comes as `checkpoints:importProgress` events.
   * The first checkpoint imported becomes the default.
   */
  'checkpoints:import': {
    request: {
      file: string;
      base?: string;
      name: string;
      kind: CheckpointKind;
      architecture: Architecture;
      licence: string;
      commercialUse: boolean;
      source?: string;
      parentId?: number;
      expectedSha256?: string;
    };
    response: CheckpointListItem;
  };
  /** The checkpoint new batches use when they name none. */
  'checkpoints:setDefault': { request: Id; response: { defaultId: number } };

  /** What `batches:enqueue` would do, without writing anything. */
  'batches:preview': { request: BatchSpecInput; response: BatchPlan };
  /** Queues one job per new cell (a batch is queued whole or not at all). */
  'batches:enqueue': { request: BatchSpecInput; response: BatchEnqueued };
  'batches:list': { request: { limit?: number }; response: { items: BatchSummary[] } };

  'queue:state': { request: NoOptions; response: QueueState };
  'queue:pause': { request: NoOptions; response: QueueState };
  'queue:resume': { request: NoOptions; response: QueueState };
  /** Cancels one cell, a batch's unfinished cells, or all unfinished cells. */
  'queue:cancel': { request: { jobId: number } | { batchId: number } | { all: true }; response: { cancelled: number } };
  /** Queues a new job for every failed cell (of a batch, or all) not retried yet. */
  'queue:retry': { request: { batchId?: number }; response: { created: number[] } };
  /** Cells, oldest first, paged by `afterId`. */
  'queue:cells': {
    request: { batchId?: number; status?: JobStatus; afterId?: number; limit?: number };
    response: { items: QueueCell[]; nextAfterId: number | null };
  };

  'results:list': {
    request: {
      text?: string;
      category?: Category;
      reviewStatus?: ReviewStatus;
      batchId?: number;
      garmentId?: number;
      modelPhotoId?: number;
      commercialUse?: boolean;
      beforeId?: number;
      limit?: number;
    };
    response: Page<ResultItem>;
  };
  'results:get': { request: Id; response: ResultDetail };

  /** The URL the page loads a stored image from (the hash must be in the open project's store). */
  'blobs:url': { request: { hash: string }; response: { url: string } };
}

export type Channel = keyof ApiSpec;
export type RequestOf<C extends Channel> = ApiSpec[C]['request'];
export type ResponseOf<C extends Channel> = ApiSpec[C]['response'];

// ---- events (host -> page) -----------------------------------------------------------------------

/** A cell's status changed. Drop it when `statusSeq` is lower than the one already shown for the job. */
export interface QueueCellEvent {
  type: 'cell';
  jobId: number;
  batchId: number;
  from: JobStatus;
  to: JobStatus;
  statusSeq: number;
  attempt: number;
  error?: string;
  /** Set when `to` is 'succeeded'. */
  resultId?: number;
  resultHash?: string;
}

/** Progress of the running cell (at most ~4 per second). */
export interface QueueProgressEvent {
  type: 'progress';
  jobId: number;
  batchId: number;
  statusSeq: number;
  /** Steps done (1..steps). */
  step: number;
  steps: number;
  /** 0..1 */
  progress: number;
  stepMs: number | null;
  /** Time left for this cell. */
  etaMs: number | null;
}

/** A low-resolution look at the running cell's latent (at most one per second). */
export interface QueuePreviewEvent {
  type: 'preview';
  jobId: number;
  batchId: number;
  step: number;
  width: number;
  height: number;
  /** A PNG data URL (CSP allows data: images). */
  dataUrl: string;
}

/** Every cell of a batch has ended. */
export interface QueueBatchFinishedEvent {
  type: 'batch-finished';
  batchId: number;
  counts: JobCounts;
}

/** Cells were queued (a batch, or retries). */
export interface QueueJobsAddedEvent {
  type: 'jobs-added';
  batchId: number | null;
  created: number;
}

/** Paused/resumed, or the runner started/stopped. */
export interface QueueStateChangedEvent {
  type: 'state';
  paused: boolean;
  runnerActive: boolean;
}

export type QueueEvent =
  | QueueCellEvent
  | QueueProgressEvent
  | QueuePreviewEvent
  | QueueBatchFinishedEvent
  | QueueJobsAddedEvent
  | QueueStateChangedEvent;

/** Events the host pushes: event name -> payload. */
export interface EventSpec {
  'queue:event': QueueEvent;
  'engine:status': EngineStatus;
  /** The open project changed (opened, created, closed). */
  'project:changed': { project: ProjectInfo | null };
  /** A checkpoint import's copy progress. */
  'checkpoints:importProgress': { file: string; bytes: number; totalBytes: number };
}

export type EventName = keyof EventSpec;
export type EventPayload<E extends EventName> = EventSpec[E];

/** Serve mode's WebSocket push message (calls are answered with {id, result}; pushes have no id). */
export interface SocketPush<E extends EventName = EventName> {
  event: E;
  payload: EventSpec[E];
}

// ---- the bridge (window.app) ---------------------------------------------------------------------

/** Bridge method name -> channel. Preload and the WebSocket client each spell this map out, typed. */
export interface BridgeChannels {
  info: 'app:info';
  engineInfo: 'engine:info';
  engineStatus: 'engine:status';
  openFiles: 'dialog:openFiles';
  projectCurrent: 'project:current';
  projectOpen: 'project:open';
  projectCreate: 'project:create';
  projectClose: 'project:close';
  projectRecent: 'project:recent';
  projectForget: 'project:forget';
  projectStats: 'project:stats';
  collectionsList: 'collections:list';
  collectionsCreate: 'collections:create';
  garmentsList: 'garments:list';
  garmentsGet: 'garments:get';
  garmentsImport: 'garments:import';
  garmentsUpdate: 'garments:update';
  garmentsBulkUpdate: 'garments:bulkUpdate';
  garmentsPhotos: 'garments:photos';
  modelsList: 'models:list';
  modelsGet: 'models:get';
  modelsImport: 'models:import';
  masksList: 'masks:list';
  masksVersions: 'masks:versions';
  masksSave: 'masks:save';
  denseposeImport: 'densepose:import';
  denseposeList: 'densepose:list';
  checkpointsList: 'checkpoints:list';
  checkpointsGet: 'checkpoints:get';
  checkpointsImport: 'checkpoints:import';
  checkpointsSetDefault: 'checkpoints:setDefault';
  batchesPreview: 'batches:preview';
  batchesEnqueue: 'batches:enqueue';
  batchesList: 'batches:list';
  queueState: 'queue:state';
  queuePause: 'queue:pause';
  queueResume: 'queue:resume';
  queueCancel: 'queue:cancel';
  queueRetry: 'queue:retry';
  queueCells: 'queue:cells';
  resultsList: 'results:list';
  resultsGet: 'results:get';
  blobsUrl: 'blobs:url';
}

/** The channel-calling methods of `window.app`: one per message, each resolving to a Result. */
export type BridgeMethods = {
  [M in keyof BridgeChannels]: (
    request?: RequestOf<BridgeChannels[M]>,
  ) => Promise<Result<ResponseOf<BridgeChannels[M]>>>;
};

/** What the preload exposes as `window.app`. */
export type AppBridge = BridgeMethods & {
  /** Subscribes to a pushed event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventSpec[E]) => void): () => void;
  /**
   * Electron only: FileRefs for File objects the user dropped or chose in an <input type=file>
   * (their paths are read in the preload; the page never sees or sends a path).
   */
  fileRefs?(files: File[]): Promise<Result<{ files: FileRef[] }>>;
};
