// Part of the API contract (preload/contract.ts, which re-exports it): Review, compare and re-run (the Review
// screen).
// Types only.
import type { ReviewStatus } from './base.ts';

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
  /** The latest review's tags, notes and reviewer (null: not reviewed yet). */
  defectTags: string[];
  notes: string | null;
  reviewer: string | null;
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
  /** Who made it: the name the page sent (serve mode: each browser's reviewer), else the host's OS user. */
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
