// Part of the API contract (preload/contract.ts, which re-exports it): The catalogue: collections, garments
// and their photos, model photos, masks, DensePose, checkpoints.
// Types only.
import type { Architecture, Category, CheckpointKind, DenseposeFormat, DenseposeOrigin, MaskOrigin, PhotoType, View } from './base.ts';

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
