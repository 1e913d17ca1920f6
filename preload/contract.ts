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

/** `garments:cleanPreview`: the cleaned-up image of a garment photo (blob) with the clean-up's warnings. */
export interface GarmentCleanPreview {
  garmentPhotoId: number;
  sourceHash: string;
  blobHash: string;
  width: number;
  height: number;
  /** How the garment was separated: the PNG's own transparency or the plain backdrop. */
  source: 'alpha' | 'background';
  warnings: { code: string; message: string }[];
  /** True when an earlier call had already cleaned this image. */
  cached: boolean;
}

export interface AutoMaskRequest {
  modelPhotoId: number;
  categories?: Category[];
  protectHands?: boolean;
  protectFace?: boolean;
}

export interface AutoMaskResponse {
  /** One saved version per category that produced a non-empty mask. */
  masks: Mask[];
  warnings: string[];
  protectHands: boolean;
  protectFace: boolean;
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
  /** Tasks this checkpoint is the default of (migration 010); absent in older hosts. */
  defaultFor?: CheckpointTask[];
  /**
   * When and by whom its licence was accepted in this project; null: not yet, so batches refuse it until
   * `checkpoints:acceptLicence`. Imports count as accepted (the user typed the licence).
   */
  licenceAcceptedAt?: number | null;
  licenceAcceptedBy?: string | null;
  /** Where a downloaded checkpoint came from; null for one imported by hand. */
  hub?: HubSource | null;
}

/** A task a batch runs; each has its own default checkpoint. */
export type CheckpointTask = 'try-on-HD' | 'try-on-DC' | 'pose';

/** The Hub source of a downloaded checkpoint. */
export interface HubSource {
  /** Catalogue id, e.g. 'try-on-hd'. */
  modelId: string;
  repo: string;
  /** Commit hash the file was taken from. */
  revision: string;
  file: string;
  sha256: string;
  size: number;
  /** `license:` of the model card's metadata; null when it names none. */
  cardLicence: string | null;
}

/** Where a catalogue model stands on this machine and in the open project. */
export type HubModelState = 'not-downloaded' | 'partial' | 'queued' | 'downloading' | 'in-cache' | 'registering' | 'registered';

export interface HubCatalogueItem {
  /** Catalogue id ('try-on-hd', 'try-on-dc', 'pose'). */
  id: string;
  title: string;
  /** What it is for, one sentence. */
  purpose: string;
  kind: CheckpointKind;
  architecture: Architecture;
  repo: string;
  file: string;
  /** Expected size (exact once downloaded or cached). */
  sizeBytes: number;
  state: HubModelState;
  /** Licence from the model card when known (cached or registered); null before the first download. */
  licence: string | null;
  commercialUse: boolean | null;
  /** The checkpoint in the open project, when registered. */
  checkpointId: number | null;
  /** Bytes already on disk of an interrupted download (state 'partial'). */
  partialBytes: number;
  /** The running or queued download's last progress. */
  progress: HubProgress | null;
  /** The last download's error, when it failed. */
  error: string | null;
}

/** `hub:progress`: one download's progress (throttled) and its state changes. */
export interface HubProgress {
  modelId: string;
  file: string;
  bytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  /** Time left at the current rate; null while unknown. */
  etaMs: number | null;
  state: 'queued' | 'checking' | 'downloading' | 'registering' | 'done' | 'cancelled' | 'failed';
  /** Position in the download queue run (1-based) and its length. */
  fileIndex?: number;
  fileCount?: number;
  /** The registered checkpoint ('done' with a project open). */
  checkpointId?: number;
  /** What went wrong ('failed'). */
  error?: string;
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
  /** Default: the project's default checkpoint (of `task`, when given). */
  checkpointId?: number;
  /** Which task's default checkpoint to use when `checkpointId` is absent. */
  task?: CheckpointTask;
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
  /** Release check per model photo (project policy); with strict on, any 'refuse' makes enqueue fail. */
  releases?: BatchReleases;
  /** The checkpoint's licence has not been accepted in this project yet: enqueue refuses until it is. */
  licencePending?: { checkpointId: number; name: string; licence: string } | null;
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

// ---- model releases, erasure, project settings ----------------------------------------------------

export type ReleaseStatus = 'ok' | 'warn' | 'refuse';
export type ReleaseIssueCode =
  | 'no-release' | 'no-scan' | 'expires-soon' | 'expired' | 'not-yet-valid' | 'revoked' | 'channel-not-covered' | 'region-not-covered';

/** One thing wrong with using a model photo (a release's problem, or that there is none). */
export interface ReleaseIssue {
  code: ReleaseIssueCode;
  severity: 'warn' | 'refuse';
  /** The release it is about (null for "no release"). */
  releaseId: number | null;
  message: string;
}

/** The signed consent of the person in a model photo. Never edited: a renewal is a new release. */
export interface ModelRelease {
  id: number;
  modelPhotoId: number;
  /** The model's name or agency id, as on the signed form. */
  subject: string;
  /** 'YYYY-MM-DD'. */
  consentDate: string;
  /** Last day covered ('YYYY-MM-DD'); null: no end date. */
  expiresOn: string | null;
  /** Channels granted (lowercase, '*' = all), e.g. ['web', 'print']. */
  channels: string[];
  /** Regions granted (uppercase, '*' = all), e.g. ['EU']. */
  regions: string[];
  /** SHA-256 of the stored scan of the signed form, or null. Images load from blobUrl; PDFs are only stored. */
  scanSha256: string | null;
  scanMediaType: string | null;
  notes: string | null;
  revokedOn: string | null;
  createdAt: number;
  /**
   * The release on its own, today: valid; expiring (ends within the policy's warnWithinDays); expired;
   * not-yet-valid; revoked. Whether it covers the project's channel and region is in ReleaseCheck.
   */
  state: 'valid' | 'expiring' | 'expired' | 'not-yet-valid' | 'revoked';
}

/** May this model photo be used (today, in the policy's channel and region)? */
export interface ReleaseCheck {
  status: ReleaseStatus;
  /** The release that covers the use (the longest-running one when several do), or null. */
  releaseId: number | null;
  issues: ReleaseIssue[];
  /** What was checked. */
  checkedFor: { date: string; channel: string; region: string | null; strict: boolean };
}

/** How releases are checked for this project (stored in the project). */
export interface ReleasePolicy {
  /** Refuse (instead of warn about) model photos without a release covering the use: batches are not queued. */
  strict: boolean;
  /** The channel uses are checked for, e.g. 'web' (lowercase). */
  channel: string;
  /** The region uses are checked for, e.g. 'EU'; null: any. */
  region: string | null;
  /** A release ending within this many days warns. */
  warnWithinDays: number;
}

export interface ProjectSettings {
  releasePolicy: ReleasePolicy;
}

/** Release problems of the model photos in a batch (part of BatchPlan). */
export interface BatchReleases {
  /** The project's policy when checked: with strict on, a 'refuse' blocks `batches:enqueue`. */
  strict: boolean;
  channel: string;
  region: string | null;
  /** One entry per model photo of the batch. */
  photos: { modelPhotoId: number; status: ReleaseStatus; releaseId: number | null; issues: ReleaseIssue[] }[];
}

/** What erasing model photos (right to erasure) would delete; `models:erase` needs its digest. */
export interface ErasurePlanInfo {
  modelPhotoIds: number[];
  /** Lines for the confirmation dialog, e.g. "2 results with 1 review, …". */
  lines: string[];
  counts: {
    modelPhotos: number; masks: number; densePoses: number; releases: number; jobs: number; results: number; reviews: number;
    exportItems: number; files: number; sharedFiles: number;
  };
  /** Jobs of these photos that are queued now: erasing cancels them first. */
  queuedJobs: number;
  /** Jobs running now: erasing is refused until they end or are cancelled. */
  runningJobs: number[];
  /** Exported copies inside the project folder (deleted only with deleteExportedFiles). */
  exportedFiles: string[];
  /** Identifies this plan; pass it as `confirm` to `models:erase`. A project that changed since gives a conflict. */
  digest: string;
}

export interface ErasureDone {
  modelPhotoIds: number[];
  rowsDeleted: number;
  filesDeleted: number;
  /** Files kept because something else claimed them meanwhile. */
  filesKept: number;
  exportedFilesDeleted: number;
  /** Queued jobs cancelled before the erasure. */
  jobsCancelled: number;
  /** The erasure log entry (counts only; no personal data). */
  erasureLogId: number;
}

// ---- review, compare, re-run (Review screen) ---------------------------------------------------------

/** Defect tags a reviewer can put on a result. */
export type DefectTag = 'sleeve-leak' | 'hands-changed' | 'logo-warped' | 'colour-off' | 'wrong-length' | 'other';
/** The automatic quality checks computed for every try-on result (models/preprocess/quality_checks.ts). */
export type QaCheck = 'garmentColour' | 'outsideChange' | 'oldGarmentLeak';

export interface QualityCheck {
  value: number;
  threshold: number;
  verdict: 'pass' | 'warn';
  /** One sentence for the UI. */
  message: string;
}

export interface ResultQuality {
  /** How many checks warned. */
  warnings: number;
  checks: Partial<Record<QaCheck, QualityCheck>>;
}

/** One result as the Review screen shows it. */
export interface ReviewItem {
  id: number;
  jobId: number;
  batchId: number;
  garmentId: number;
  modelPhotoId: number;
  checkpointId: number;
  category: string;
  blobHash: string;
  width: number;
  height: number;
  reviewStatus: ReviewStatus;
  createdAt: number;
  sku: string;
  garmentName: string;
  modelPhotoName: string;
  seed: number;
  steps: number;
  /** The latest review's tags and notes. */
  defectTags: string[];
  notes: string | null;
  /** null: no checks were computed (results made before them, or by another engine). */
  quality: ResultQuality | null;
  /** The pick (best of N) of its cell (garment × model photo). */
  picked: boolean;
  /** Set when this result is a re-run of another. */
  rerunOf: { resultId: number; mode: 'exact' | 'seed' } | null;
}

export interface ReviewEntry {
  id: number;
  resultId: number;
  status: ReviewStatus;
  defectTags: string[];
  notes: string | null;
  reviewer: string;
  createdAt: number;
}

export type ReviewSort = 'newest' | 'oldest' | 'qa' | 'colour' | 'outside' | 'leak' | 'garment' | 'model';

export interface ReviewListRequest {
  reviewStatus?: ReviewStatus;
  tag?: string;
  /** 'warn': any check warned; 'pass': none did; 'none': no checks; a check's name: that check warned. */
  qa?: 'warn' | 'pass' | 'none' | QaCheck;
  checkpointId?: number;
  garmentId?: number;
  modelPhotoId?: number;
  batchId?: number;
  pickedOnly?: boolean;
  sort?: ReviewSort;
  offset?: number;
  limit?: number;
}

/** A result with everything the loupe and the compare view need. */
export interface ReviewDetail {
  item: ReviewItem;
  /** The reproducibility record (inputs by hash, checkpoint, seed, settings, engine, timing). */
  record: Record<string, unknown>;
  /** Its reviews, oldest first. */
  history: ReviewEntry[];
  /** Every version of its cell (garment × model photo), oldest first, this one included. */
  versions: ReviewItem[];
  /** Results that re-ran this one. */
  reruns: number[];
  /** Stored images to compare with: the model photo, garment photo, mask and DensePose it was made from. */
  inputs: { personHash: string; garmentPhotoHash: string; maskHash: string | null; denseposeHash: string | null };
}

export interface RerunQueued {
  jobId: number;
  batchId: number;
  sourceResultId: number;
  mode: 'exact' | 'seed';
  seed: number;
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
  /** WebGPU: the adapter's name (e.g. "NVIDIA H100", "SwiftShader"), when the engine reported one. */
  adapter?: string;
  /** What the host just did about a fault (device lost / out of memory: re-created, fell back to CPU). */
  notice?: string;
}

// ---- queue mode and workers (team queue, main/team) ----------------------------------------------

/** A machine that runs cells: this computer (local queue) or a `leffa-studio worker` (team queue). */
export interface QueueWorker {
  name: string;
  /** The TF.js backend it runs ('tensorflow', 'webgpu', 'wasm', ...). */
  backend: string | null;
  /** Its GPU (nvidia-smi) or WebGPU adapter name. */
  gpu: string | null;
  host: string | null;
  online: boolean;
  lastSeen: number;
  current: { jobId: number; step: number; steps: number } | null;
  cellsDone: number;
  cellsFailed: number;
  /** Mean time of one denoising step, ms. */
  stepMs: number | null;
  secondsPerImage: number | null;
}

export interface QueueWorkers {
  mode: 'local' | 'team';
  items: QueueWorker[];
}

/** What a project's queue settings may say (the Redis password is never part of them). */
export type QueueSettingsInput =
  | { kind: 'local' }
  | { kind: 'team'; redisUrl: string; queueName?: string; passwordFile?: string; coordinatorPort?: number };

export interface QueueSettingsInfo {
  settings: { kind: 'local' } | { kind: 'team'; redisUrl: string; queueName: string; passwordFile?: string; coordinatorPort?: number };
  /** The queue running now for the open project. */
  active: 'local' | 'team';
  /** Team: Redis answered (null while connecting); the error when it did not. */
  connected: boolean | null;
  error?: string;
  /** Team: where workers reach the coordinator (--coordinator), when this process serves one. */
  coordinatorUrl: string | null;
}

// ---- training (Finetune screen, main/services/training-service.ts) --------------------------------

export type TrainingRunStatus = 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

/** One pair of a new training set: a model photo wearing the garment, and the garment (which photo: default flat-lay first). */
export interface TrainingPairInput {
  modelPhotoId: number;
  garmentId: number;
  garmentPhotoId?: number;
  /** Default: the garment's category. */
  category?: Category;
}

export interface TrainingPair {
  id: number;
  position: number;
  modelPhotoId: number;
  modelPhotoName: string;
  modelPhotoHash: string;
  garmentId: number;
  garmentSku: string;
  garmentPhotoId: number;
  garmentPhotoHash: string;
  category: Category;
  split: 'train' | 'heldout';
  /** Inputs the pair still lacks (the photo's mask for the category; its DensePose image). */
  missing: Array<'mask' | 'densepose'>;
}

export interface TrainingSetSummary {
  id: number;
  name: string;
  seed: number;
  holdoutFraction: number;
  pairs: number;
  heldOut: number;
  /** Pairs that lack a mask or DensePose image (a run refuses the set until they have them). */
  incomplete: number;
  createdAt: number;
}

export interface TrainingSetDetail extends TrainingSetSummary {
  items: TrainingPair[];
}

export interface TrainingStartRequest {
  setId: number;
  baseCheckpointId: number;
  mode: 'full' | 'lora';
  /** LoRA rank (default 16). */
  rank?: number;
  steps: number;
  learningRate: number;
  leffaLoss: { enabled: boolean; weight: number };
  /** Sample the held-out pairs every N steps (0: only at the end). */
  sampleEvery: number;
  seed: number;
  /** Training canvas (multiples of the model's size step; default 384×512). */
  width?: number;
  height?: number;
  /** Denoising steps of the held-out samples (default 20). */
  sampleSteps?: number;
}

export interface TrainingMetric {
  step: number;
  total: number;
  diffusion: number;
  leffa: number | null;
  lr: number;
  gradNorm: number;
  stepMs: number;
}

export interface TrainingSample {
  step: number;
  blobHash: string;
}

export interface TrainingRunSummary {
  id: number;
  setId: number;
  setName: string;
  baseCheckpointId: number;
  mode: 'full' | 'lora';
  status: TrainingRunStatus;
  step: number;
  totalSteps: number;
  error: string | null;
  /** The checkpoint the run registered (succeeded runs). */
  checkpointId: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface TrainingRunDetail extends TrainingRunSummary {
  config: TrainingStartRequest;
  metrics: TrainingMetric[];
  samples: TrainingSample[];
}

/** What happens to a training run, pushed as `training:event`. */
export type TrainingEvent =
  | { type: 'status'; run: TrainingRunSummary; queuePaused: boolean }
  | { type: 'step'; runId: number; totalSteps: number; etaMs: number; metric: TrainingMetric }
  | { type: 'sample'; runId: number; sample: TrainingSample };

// ---- export (main/export) -------------------------------------------------------------------------

export type ExportFormat = 'png' | 'jpeg' | 'webp';

/** An export recipe: size and crop, format and quality, background, naming template, metadata options. */
export interface ExportPresetSpec {
  /** Output size; null keeps each result's own size. */
  size: { width: number; height: number } | null;
  /** cover: crop to the aspect; contain: fit inside and pad with the background. */
  fit: 'cover' | 'contain';
  format: ExportFormat;
  /** JPEG/WebP quality 1-100. */
  quality: number;
  /** #rrggbb: padding and transparency. */
  background: string;
  /** File name template with {sku} {colourway} {model} {view} {seed} {index} {result} {checkpoint}. */
  template: string;
  /** Generation settings in the XMP beside the AI-generated label. */
  embedSettings: boolean;
  /** Sign with C2PA Content Credentials (needs the signing certificate, exports:setSigning). */
  c2pa: boolean;
  /** Remove all metadata, the AI marking included (comes back with a warning). */
  strip: boolean;
  /** Release check: the channel (and region) the images are for. */
  channel: string;
  region?: string;
}

export interface ExportPresetInfo {
  id: number;
  name: string;
  spec: ExportPresetSpec;
  createdAt: number;
  updatedAt: number;
}

/** Which results: ids picked by hand, or a filter (default: approved). */
export type ExportSelection = { resultIds: number[] } | { filter: { reviewStatus?: ReviewStatus | 'any'; batchId?: number } };

/**
 * Where to: a folder FileRef from the desktop app's folder dialog; a folder inside the project
 * (`exports/<projectFolder>`); or a zip inside the project (`exports/<zip>.zip`, for serve mode).
 */
export type ExportTargetRequest = { folder: string } | { projectFolder: string } | { zip: string };

export interface ExportRequest {
  selection: ExportSelection;
  /** A saved preset, or `preset` inline (inline wins where both are given). */
  presetId?: number;
  preset?: Partial<ExportPresetSpec>;
  target: ExportTargetRequest;
  /** The export's name (default: the date and time). */
  name?: string;
  /** A file name already in the folder: 'suffix' (default) writes name-2.ext; 'refuse' fails before writing. */
  onConflict?: 'suffix' | 'refuse';
  /** Export results whose model release refuses this use (default false: refused). */
  allowReleaseRefusals?: boolean;
}

export interface ExportPreviewItem {
  resultId: number;
  blobHash: string;
  fileName: string;
  /** Why the template's name is refused (it would leave the folder, or is reserved), or null. */
  refused: string | null;
  suffixed: boolean;
  exists: boolean;
  release: { status: 'ok' | 'warn' | 'refuse'; messages: string[] };
}

export interface ExportPreview {
  total: number;
  /** The first 200 items. */
  items: ExportPreviewItem[];
  conflicts: string[];
  refused: { resultId: number; fileName: string; reason: string }[];
  releaseWarnings: { resultId: number; status: 'warn' | 'refuse'; messages: string[] }[];
  releaseCheck: { date: string; channel: string; region: string | null };
  /** The template (or preset) is not usable: why. */
  error: string | null;
}

export interface ExportManifestRow {
  fileName: string;
  resultId: number;
  sku: string;
  colourway: string | null;
  model: string;
  view: string | null;
  seed: number | null;
  checkpoint: string;
  checkpointLicence: string | null;
  settings: Record<string, unknown> | null;
  digitalSourceType: string | null;
  c2pa: boolean;
  stripped: boolean;
  release: { status: 'ok' | 'warn' | 'refuse'; releaseId: number | null; subject: string | null; expiresOn: string | null; issues: string[] };
}

export interface ExportRunResult {
  exportId: number;
  name: string;
  /** Where the files went: relative to the project when inside it, else the absolute folder. */
  target: { kind: 'folder' | 'zip'; path: string };
  files: { resultId: number; fileName: string; suffixed: boolean }[];
  manifestFiles: { csv: string; json: string };
  rows: ExportManifestRow[];
  /** Things the user must be told (stripped metadata, suffixed names). */
  warnings: string[];
}

export interface ExportSummary {
  id: number;
  name: string;
  targetDir: string;
  presetName: string | null;
  format: string | null;
  fileCount: number;
  createdAt: number;
}

/** The C2PA signing certificate set in the app (never its path or key). */
export interface SigningStatus {
  configured: boolean;
  alg: 'es256' | 'ps256' | null;
  subject: string | null;
}

export interface ExportProgressEvent {
  runId: string;
  phase: 'rendering' | 'writing' | 'done' | 'failed';
  done: number;
  total: number;
  fileName: string | null;
}

// ---- explain (main/services/explain-service.ts) ---------------------------------------------------

/** An attention layer of the generative UNet and its token map (rows × columns) at the result's canvas. */
export interface ExplainLayer {
  name: string;
  h: number;
  w: number;
}

export interface ExplainLayers {
  resultId: number;
  layers: ExplainLayer[];
  /** A mid-resolution layer, used when explain:run names none. */
  defaultLayer: string;
  /** The result's sampling steps; steps are 0-based, the default is the last (steps - 1). */
  steps: number;
  defaultStep: number;
  /** (layer, step) pairs already explained and stored: opening them is instant. */
  explained: { layer: string; step: number }[];
}

/** A stored explanation: images as blob hashes (load them with blobs:url), in the result's canvas frame. */
export interface Explanation {
  resultId: number;
  layer: string;
  step: number;
  steps: number;
  timestep: number;
  /** Softmax temperature of the flow and of inspected rows (2, as the Leffa loss). */
  temperature: number;
  /** Token map of the layer (the flow image is tokenW × tokenH) and its attention heads. */
  tokenH: number;
  tokenW: number;
  heads: number;
  /** Canvas size of the result, garment and warped images. */
  width: number;
  height: number;
  /** Colour-wheel flow (hue = direction, saturation = length; full saturation = half the canvas). */
  flowImageHash: string;
  /** The garment warped by the upsampled flow. */
  warpedHash: string;
  /** The re-sampled result and the garment, on the model's canvas. */
  resultHash: string;
  garmentHash: string;
  /** The colour-wheel legend. */
  legendHash: string;
  backend: string;
  runMs: number | null;
  createdAt: number;
}

/** explain:run's answer: a stored explanation at once, or a run started on the engine (watch `explain:progress`). */
export type ExplainRunResponse =
  | { status: 'done'; explanation: Explanation }
  | { status: 'started'; resultId: number; layer: string; step: number };

/** The attention of one result pixel over the garment: head-mean weights over the reference tokens. */
export interface ExplainHeatmap {
  resultId: number;
  layer: string;
  step: number;
  /** The clicked pixel (canvas coordinates) and its token. */
  x: number;
  y: number;
  token: { row: number; col: number };
  /** Token map; `weights` is h·w values, row-major, summing to 1. */
  h: number;
  w: number;
  weights: number[];
  max: number;
  /** Where the flow says this token looks, in canvas pixels. */
  flowTarget: { x: number; y: number };
}

export interface ExplainProgressEvent {
  resultId: number;
  layer: string;
  step: number;
  state: 'queued' | 'running' | 'done' | 'failed';
  /** Sampling steps done of `steps` while running. */
  done: number;
  steps: number;
  etaMs: number | null;
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
  /** Approves, rejects or marks a result for redo, with defect tags and notes (a new entry in its history). */
  'review:add': {
    request: { resultId: number; status: ReviewStatus; defectTags?: DefectTag[]; notes?: string };
    response: { review: ReviewEntry; item: ReviewItem };
  };
  /** Makes a result its cell's pick (best of N); `clear` removes the pick. */
  'review:pick': { request: { resultId: number; clear?: boolean }; response: { garmentId: number; modelPhotoId: number; resultId: number | null } };
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
  'models:erase': { request: { modelPhotoIds: number[]; confirm: string; deleteExportedFiles?: boolean }; response: ErasureDone };
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
