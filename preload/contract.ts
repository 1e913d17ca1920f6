// The API contract between the renderer and its host (Electron main through the preload, or serve
// mode over WebSocket). Types only: main, preload and renderer import it with `import type`, so no
// code crosses a layer boundary. Runtime checks live in main/api/schemas.ts. The value types live in
// preload/contract/*.ts by domain and are re-exported here; the channels, events and bridge map are here.
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

import type { AppInfo, Architecture, Category, CheckpointKind, DenseposeFormat, EngineInfo, FileRef, JobCounts, JobStatus, MaskOrigin, OpenFilesPurpose, Page, ProjectInfo, ProjectStats, RecentProject, Result, ReviewStatus } from './contract/base.ts';
import type { AutoMaskRequest, AutoMaskResponse, CheckpointListItem, CheckpointTask, Collection, DensePose, Garment, GarmentCleanPreview, GarmentDetail, GarmentListItem, GarmentPhoto, HubCatalogueItem, HubProgress, Mask, ModelPhoto, ModelPhotoDetail, ModelPhotoListItem, NewGarmentInput, NewGarmentPhotoInput } from './contract/catalog.ts';
import type { ExplainHeatmap, ExplainLayers, ExplainProgressEvent, ExplainRunResponse, Explanation } from './contract/explain.ts';
import type { ExportPresetInfo, ExportPresetSpec, ExportPreview, ExportProgressEvent, ExportRequest, ExportRunResult, ExportSummary, SigningStatus } from './contract/export.ts';
import type { BatchEnqueued, BatchPlan, BatchSpecInput, BatchSummary, CellSettingsInput, EngineStatus, IssuedWorkerToken, QueueCell, QueueSettingsInfo, QueueSettingsInput, QueueState, QueueWorkers, ResultDetail, ResultItem, WorkerTokenInfo } from './contract/queue.ts';
import type { DefectTag, RerunQueued, ReviewDetail, ReviewEntry, ReviewItem, ReviewListRequest } from './contract/review.ts';
import type { ErasureDone, ErasurePlanInfo, ErasureRequest, ModelRelease, ProjectSettings, ReleaseCheck, ReleasePolicy } from './contract/rights.ts';
import type { TrainingEvent, TrainingPairInput, TrainingRunDetail, TrainingRunSummary, TrainingSetDetail, TrainingSetSummary, TrainingStartRequest } from './contract/training.ts';
export type * from './contract/base.ts';
export type * from './contract/catalog.ts';
export type * from './contract/queue.ts';
export type * from './contract/rights.ts';
export type * from './contract/review.ts';
export type * from './contract/training.ts';
export type * from './contract/export.ts';
export type * from './contract/explain.ts';

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
  /**
   * Changes fields of one garment; absent fields stay, `collectionId: null` removes it from its collection.
   * A new `sku` must be free (a conflict error names it otherwise).
   */
  'garments:update': {
    request: {
      id: number; sku?: string; name?: string; category?: Category; colourway?: string; season?: string; tags?: string[]; collectionId?: number | null;
    };
    response: Garment;
  };
  /** Changes many garments at once, in one transaction (all or nothing). */
  'garments:bulkUpdate': {
    request: {
      ids: number[];
      set: { season?: string; collectionId?: number | null; addTags?: string[]; removeTags?: string[]; category?: Category; colourway?: string };
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
  /**
   * Automatic agnostic masks from the local pose models (engine worker), saved as new mask versions with
   * origin 'auto' (never overwriting; re-generating the latest's exact image returns that version).
   * `categories` default: all three; `protectHands`/`protectFace` default true. A category whose mask
   * would be empty (e.g. lower_body on a portrait) is not saved and says why in `warnings`.
   */
  'masks:auto': { request: AutoMaskRequest; response: AutoMaskResponse };
  /** An approximated DensePose map in `format` (from keypoints, not a DensePose model), saved as 'generated'. */
  'densepose:generate': { request: { modelPhotoId: number; format: DenseposeFormat }; response: DensePose };
  /** The cleaned-up garment image (768×1024 on white) of a garment photo, made once and then cached. */
  'garments:cleanPreview': { request: { garmentPhotoId: number }; response: GarmentCleanPreview };

  'checkpoints:list': { request: NoOptions; response: { items: CheckpointListItem[]; defaultId: number | null; defaults?: Partial<Record<CheckpointTask, number>> } };
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
  /** The checkpoint new batches use when they name none (also the default of its task, or of `task`). */
  'checkpoints:setDefault': { request: { id: number; task?: CheckpointTask }; response: { defaultId: number; defaults?: Partial<Record<CheckpointTask, number>> } };
  /** Records that `by` (default 'user') accepted the checkpoint's licence; batches may use it from now on. */
  'checkpoints:acceptLicence': { request: { id: number; by?: string }; response: CheckpointListItem };

  /** The model catalogue with each model's state (downloaded, in the Hugging Face cache, registered…). */
  'hub:catalogue': { request: NoOptions; response: { items: HubCatalogueItem[]; cacheDir: string; offline: boolean } };
  /** Queues a model's download (one file after another); registered into the open project when done. */
  'hub:download': { request: { modelId: string }; response: { queued: boolean; position: number } };
  /** Cancels a queued or running download; the partial file stays, so a later download resumes. */
  'hub:cancel': { request: { modelId: string }; response: { cancelled: boolean } };
  /** Registers a model already in the Hugging Face cache into the open project, without downloading. */
  'hub:register': { request: { modelId: string }; response: CheckpointListItem };

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
  /** Who runs cells: this computer, or the team's workers (backend, GPU, speed, current cell). */
  'queue:workers': { request: NoOptions; response: QueueWorkers };
  /** The open project's queue settings (local, or team on Redis) and the queue's state. */
  'queue:settings': { request: NoOptions; response: QueueSettingsInfo };
  /** Saves the project's queue settings and switches its queue to them. */
  'queue:saveSettings': { request: QueueSettingsInput; response: QueueSettingsInfo };
  /** Tries a Redis URL (with the password from the file or LEFFA_REDIS_PASSWORD) without saving anything. */
  'queue:testConnection': { request: { redisUrl: string; passwordFile?: string }; response: { ok: boolean; message: string; redisVersion?: string } };
  /** The team's worker tokens (names and dates; the tokens themselves are never stored). */
  'queue:workerTokens': { request: NoOptions; response: { tokens: WorkerTokenInfo[] } };
  /** Issues a token for a worker machine (replacing an earlier one of that name); shown once. */
  'queue:issueWorkerToken': { request: { name: string }; response: IssuedWorkerToken };
  /** Revokes a worker's token: its next request is refused. */
  'queue:revokeWorkerToken': { request: { name: string }; response: { revoked: boolean; tokens: WorkerTokenInfo[] } };

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
  /** Results for the Review screen: filters, QA flags and sorting, paged by offset. */
  'review:list': { request: ReviewListRequest; response: { items: ReviewItem[]; total: number; nextOffset: number | null } };
  'review:get': { request: Id; response: ReviewDetail };
  /**
   * Approves, rejects or marks a result for redo, with defect tags and notes (a new entry in its history).
   * `reviewer`: who reviews (serve mode: the name each browser gives; 1 to 64 characters once trimmed);
   * absent: the host's OS user.
   */
  'review:add': {
    request: { resultId: number; status: ReviewStatus; defectTags?: DefectTag[]; notes?: string; reviewer?: string };
    response: { review: ReviewEntry; item: ReviewItem };
  };
  /** Makes a result its cell's pick (best of N); `clear` removes the pick. `reviewer` as for review:add. */
  'review:pick': {
    request: { resultId: number; clear?: boolean; reviewer?: string };
    response: { garmentId: number; modelPhotoId: number; resultId: number | null };
  };
  /**
   * Re-runs a result as a new version of its cell: 'exact' (same inputs and seed: the same image bytes) or
   * 'seed' (another seed, `seed` or a random one). Never skipped as a duplicate; nothing is overwritten.
   */
  'results:rerun': { request: { id: number; mode: 'exact' | 'seed'; seed?: number }; response: RerunQueued };

  /** Export presets saved in the project. */
  'exports:presets': { request: NoOptions; response: { presets: ExportPresetInfo[] } };
  /** Saves a preset (a name that exists, in any case, is replaced; with `id`, that preset is updated). */
  'exports:savePreset': { request: { id?: number; name: string; spec: Partial<ExportPresetSpec> }; response: ExportPresetInfo };
  'exports:deletePreset': { request: Id; response: { deleted: boolean } };
  /** The names an export would write, refused names, clashes and release warnings; writes nothing. */
  'exports:preview': { request: Omit<ExportRequest, 'name'>; response: ExportPreview };
  /** Runs an export (progress: the exports:progress event). */
  'exports:run': { request: ExportRequest & { runId?: string }; response: ExportRunResult };
  'exports:list': { request: { limit?: number }; response: { exports: ExportSummary[] } };
  'exports:signing': { request: NoOptions; response: SigningStatus };
  /** Sets the C2PA signing certificate chain and key (FileRefs); copied into the app's data folder, never a project. */
  'exports:setSigning': { request: { cert: string; key: string; alg: 'es256' | 'ps256' }; response: SigningStatus };
  'exports:clearSigning': { request: NoOptions; response: SigningStatus };

  /** The URL the page loads a stored image from (the hash must be in the open project's store). */
  'blobs:url': { request: { hash: string }; response: { url: string } };

  /** The result's attention layers (token maps), its steps, defaults and what is already explained. */
  'explain:layers': { request: { resultId: number }; response: ExplainLayers };
  /**
   * Explains a result at a layer and step (defaults: explain:layers'): a stored explanation comes back at once
   * (`force` re-runs it); otherwise the result's sampling is re-run from its record on the engine, after any
   * running cell (one tensor job at a time), and `explain:progress` reports it until 'done' or 'failed'.
   */
  'explain:run': { request: { resultId: number; layer?: string; step?: number; force?: boolean }; response: ExplainRunResponse };
  /** A stored explanation (not_found when it was never run). */
  'explain:get': { request: { resultId: number; layer: string; step: number }; response: Explanation };
  /** Click-to-inspect: the attention of result pixel (x, y) (canvas coordinates) over the garment's tokens. */
  'explain:inspect': { request: { resultId: number; layer: string; step: number; x: number; y: number }; response: ExplainHeatmap };

  /** Training sets, newest first. */
  'training:sets': { request: NoOptions; response: { items: TrainingSetSummary[] } };
  /** Makes a training set; `holdoutFraction` (default 0.1, at least one pair) is held out by a seeded draw. */
  'training:createSet': {
    request: { name: string; pairs: TrainingPairInput[]; holdoutFraction?: number; seed?: number };
    response: TrainingSetDetail;
  };
  /** A set's pairs, each with the inputs it still lacks. */
  'training:setDetail': { request: Id; response: TrainingSetDetail };
  /** Queues a training run (one runs at a time; the generation queue is paused while it trains). */
  'training:start': { request: TrainingStartRequest; response: TrainingRunSummary };
  'training:runs': { request: NoOptions; response: { items: TrainingRunSummary[]; queuePaused: boolean } };
  /** A run with its metrics history and held-out samples. */
  'training:run': { request: Id; response: TrainingRunDetail };
  /** Stops a run: a running one finishes its step and saves a resumable checkpoint (status paused); a queued one is cancelled. */
  'training:stop': { request: Id; response: TrainingRunSummary };
  /** Continues a paused (or failed) run from its last checkpoint. */
  'training:resume': { request: Id; response: TrainingRunSummary };
  /** Queues the same cells for a finetuned checkpoint and for its base: two batches. */
  'training:compare': {
    request: { checkpointId: number; garmentIds: number[]; modelPhotoIds: number[]; seeds: number[]; settings?: CellSettingsInput[] };
    response: { finetuned: BatchEnqueued; base: BatchEnqueued };
  };

  /** The project's settings (release policy), defaults filled in. */
  'project:settings': { request: NoOptions; response: ProjectSettings };
  /** Changes some settings (fields not given stay) and returns them all. */
  'project:updateSettings': { request: { releasePolicy?: Partial<ReleasePolicy> }; response: ProjectSettings };

  /** A model photo's releases (oldest first, each with its state today) and whether it may be used now. */
  'releases:list': { request: { modelPhotoId: number }; response: { releases: ModelRelease[]; check: ReleaseCheck } };
  /**
   * Records a release. `scan` is a FileRef of the signed form (PDF or image); serve mode uploads only images,
   * so a PDF may come as `scanBase64` (at most 16 MB). Dates are 'YYYY-MM-DD'.
   */
  'releases:add': {
    request: {
      modelPhotoId: number; subject: string; consentDate: string; expiresOn?: string; channels: string[]; regions: string[];
      scan?: string; scanBase64?: string; notes?: string;
    };
    response: ModelRelease;
  };
  /** Records withdrawn consent from `on` (default today): uses from that day are refused. */
  'releases:revoke': { request: { id: number; on?: string }; response: ModelRelease };
  /** The release check for a use (defaults: today, the policy's channel, region and strictness). */
  'releases:check': {
    request: { modelPhotoId: number; date?: string; channel?: string; region?: string; strict?: boolean };
    response: ReleaseCheck;
  };

  /** Right to erasure, step 1: what deleting these model photos would remove (changes nothing). */
  'models:erasePlan': { request: { modelPhotoIds: number[] }; response: ErasurePlanInfo };
  /**
   * Step 2: cancels their queued jobs, then deletes the photos, masks, DensePose inputs, releases, results and
   * their files. `confirm` is the plan's digest: a project that changed since the plan is refused (conflict),
   * as is a running cell of these photos.
   */
  'models:erase': { request: ErasureRequest; response: ErasureDone };
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
  /** The queue's workers changed (status, current cell, speed). */
  'queue:workers': QueueWorkers;
  /** The open project changed (opened, created, closed). */
  'project:changed': { project: ProjectInfo | null };
  /** A checkpoint import's copy progress. */
  'checkpoints:importProgress': { file: string; bytes: number; totalBytes: number };
  /** An explain run's state and sampling progress (explain:run). */
  'explain:progress': ExplainProgressEvent;
  /** An export's progress (exports:run). */
  'exports:progress': ExportProgressEvent;
  /** A model download's progress and state (hub:download). */
  'hub:progress': HubProgress;
  /** A training run's status, steps (loss terms, lr) and held-out samples. */
  'training:event': TrainingEvent;
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
  masksAuto: 'masks:auto';
  denseposeGenerate: 'densepose:generate';
  garmentsCleanPreview: 'garments:cleanPreview';
  checkpointsList: 'checkpoints:list';
  checkpointsGet: 'checkpoints:get';
  checkpointsImport: 'checkpoints:import';
  checkpointsSetDefault: 'checkpoints:setDefault';
  checkpointsAcceptLicence: 'checkpoints:acceptLicence';
  hubCatalogue: 'hub:catalogue';
  hubDownload: 'hub:download';
  hubCancel: 'hub:cancel';
  hubRegister: 'hub:register';
  batchesPreview: 'batches:preview';
  batchesEnqueue: 'batches:enqueue';
  batchesList: 'batches:list';
  queueState: 'queue:state';
  queuePause: 'queue:pause';
  queueResume: 'queue:resume';
  queueCancel: 'queue:cancel';
  queueRetry: 'queue:retry';
  queueCells: 'queue:cells';
  queueWorkers: 'queue:workers';
  queueSettings: 'queue:settings';
  queueSaveSettings: 'queue:saveSettings';
  queueTestConnection: 'queue:testConnection';
  queueWorkerTokens: 'queue:workerTokens';
  queueIssueWorkerToken: 'queue:issueWorkerToken';
  queueRevokeWorkerToken: 'queue:revokeWorkerToken';
  resultsList: 'results:list';
  resultsGet: 'results:get';
  reviewList: 'review:list';
  reviewGet: 'review:get';
  reviewAdd: 'review:add';
  reviewPick: 'review:pick';
  resultsRerun: 'results:rerun';
  blobsUrl: 'blobs:url';
  explainLayers: 'explain:layers';
  explainRun: 'explain:run';
  explainGet: 'explain:get';
  explainInspect: 'explain:inspect';
  exportsPresets: 'exports:presets';
  exportsSavePreset: 'exports:savePreset';
  exportsDeletePreset: 'exports:deletePreset';
  exportsPreview: 'exports:preview';
  exportsRun: 'exports:run';
  exportsList: 'exports:list';
  exportsSigning: 'exports:signing';
  exportsSetSigning: 'exports:setSigning';
  exportsClearSigning: 'exports:clearSigning';
  trainingSets: 'training:sets';
  trainingCreateSet: 'training:createSet';
  trainingSetDetail: 'training:setDetail';
  trainingStart: 'training:start';
  trainingRuns: 'training:runs';
  trainingRun: 'training:run';
  trainingStop: 'training:stop';
  trainingResume: 'training:resume';
  trainingCompare: 'training:compare';
  projectSettings: 'project:settings';
  projectUpdateSettings: 'project:updateSettings';
  releasesList: 'releases:list';
  releasesAdd: 'releases:add';
  releasesRevoke: 'releases:revoke';
  releasesCheck: 'releases:check';
  modelsErasePlan: 'models:erasePlan';
  modelsErase: 'models:erase';
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
