// Part of the API contract (preload/contract.ts, which re-exports it): Model releases, erasure and project
// settings.
// Types only.

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
  /** What training holds of them. */
  training: ErasureTrainingInfo;
  /** Identifies this plan; pass it as `confirm` to `models:erase`. A project that changed since gives a conflict. */
  digest: string;
}

/** The training side of an erasure plan. */
export interface ErasureTrainingInfo {
  /** Training sets holding pairs with these photos, and how many of their pairs are removed. */
  sets: { id: number; name: string; pairs: number }[];
  /** Runs whose held-out pairs showed them: all their sample images are deleted (a sample is a grid of several pairs). */
  sampleRuns: { id: number; samples: number }[];
  /** Runs of those sets training now: erasing is refused until they stop. */
  runningRuns: number[];
  /** Checkpoints trained on these photos (and checkpoints built on those): kept unless `alsoDerivedCheckpoints`. */
  derivedCheckpoints: { id: number; name: string; kind: string }[];
  /**
   * Runs stopped part-way on a set with them in the train split (their folders hold weights trained on them):
   * restarted from scratch with `alsoDerivedCheckpoints`, kept otherwise. The host always sends it (optional only
   * for fixtures written before it).
   */
  unfinishedRuns?: number[];
  /** Deleted with the derived checkpoints: cells, results and training runs made with them, and the files only they use. */
  derived: { jobs: number; results: number; runs: number; files: number; running: number };
}

/** `models:erase`: the plan's digest confirms exactly what is deleted. */
export interface ErasureRequest {
  modelPhotoIds: number[];
  /** The plan's `digest`. */
  confirm: string;
  /** Also delete the exported copies inside the project folder. Default false. */
  deleteExportedFiles?: boolean;
  /** Also delete the checkpoints trained on these photos (rows, files no other row uses, and what was made with them). Default false: they are kept and listed in the result. */
  alsoDerivedCheckpoints?: boolean;
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
  /** Training pairs removed from their sets, and sample images deleted. */
  trainingPairsRemoved: number;
  samplesDeleted: number;
  /** Derived checkpoints deleted (alsoDerivedCheckpoints) and the ids of those kept (without it). */
  derivedCheckpointsDeleted: number;
  derivedCheckpointsKept: number[];
  /** The erasure log entry (counts only; no personal data). */
  erasureLogId: number;
}
