// Part of the API contract (preload/contract.ts, which re-exports it): The app, errors and results, the shared
// value types, files and projects.
// Types only.

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
export type OpenFilesPurpose = 'images' | 'checkpoint' | 'certificate' | 'folder' | 'project';

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
