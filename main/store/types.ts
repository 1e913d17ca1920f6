// What the store's public methods return: plain, camelCased objects (no database rows leak out), safe to
// send over IPC as they are. Times are milliseconds since the epoch.
import type { Architecture, Category, CheckpointKind, ReviewStatus } from './schemas.ts';

// The catalogue records are exactly what the API sends, so they are the contract's own types.
export type { Collection, DensePose, Garment, GarmentPhoto, Mask, ModelPhoto } from '../../preload/contract.ts';

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
  /** Its own diffusers base config folder, relative to the project folder; null: the app's configs. */
  baseConfig: string | null;
  createdAt: number;
  /** When and by whom its licence was accepted in this project (migration 010); null: not yet, batches refuse it. */
  licenceAcceptedAt?: number | null;
  licenceAcceptedBy?: string | null;
}

export interface Result {
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

export interface ResultWithRecord extends Result {
  /** The reproducibility record (see main/queue/record.ts for its shape). */
  record: Record<string, unknown>;
}

export interface Review {
  id: number;
  resultId: number;
  status: ReviewStatus;
  defectTags: string[];
  notes: string | null;
  reviewer: string;
  createdAt: number;
}

export interface ExportRecord {
  id: number;
  name: string;
  targetDir: string;
  preset: Record<string, unknown>;
  items: { resultId: number; fileName: string }[];
  createdAt: number;
}

/** Reports progress of a long import (checkpoints are gigabytes). */
export type ProgressCallback = (progress: { bytes: number; totalBytes: number }) => void;
