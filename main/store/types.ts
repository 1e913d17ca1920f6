// What the store's public methods return: plain, camelCased objects (no database rows leak out), safe to
// send over IPC as they are. Times are milliseconds since the epoch.
import type {
  Architecture, Category, CheckpointKind, DenseposeFormat, DenseposeOrigin, MaskOrigin, PhotoType, ReviewStatus, View,
} from './schemas.ts';

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

export interface ModelPhoto {
  id: number;
  name: string;
  blobHash: string;
  width: number;
  height: number;
  notes: string | null;
  createdAt: number;
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
