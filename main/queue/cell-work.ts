// What the runner hands to `runCell`: one cell with every input resolved to a content hash and a file
// path, read in one query. The engine needs nothing else from the database.
import type { DB } from '../store/database.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { Architecture, Category, CheckpointKind, DenseposeFormat, DenseposeOrigin, MaskOrigin, PhotoType, View } from '../store/schemas.ts';
import type { CellSettings } from './settings.ts';

export interface CellWork {
  jobId: number;
  batchId: number;
  attempt: number;
  seed: number;
  settings: CellSettings;
  settingsHash: string;
  category: Category;
  garment: { id: number; sku: string; photoId: number; photoHash: string; photoPath: string; photoType: PhotoType; view: View };
  person: { modelPhotoId: number; hash: string; path: string; width: number; height: number };
  /** null: no mask stored for this category; the engine makes one. */
  mask: { id: number; version: number; hash: string; path: string; origin: MaskOrigin } | null;
  /** null: no DensePose map stored in the checkpoint's format; the engine makes one. */
  densepose: { id: number; hash: string; path: string; format: DenseposeFormat; origin: DenseposeOrigin; approximated: boolean } | null;
  checkpoint: { id: number; name: string; hash: string; path: string; kind: CheckpointKind; architecture: Architecture; licence: string; commercialUse: boolean };
}

interface Row {
  id: number; batch_id: number; attempt: number; seed: number; settings: string; settings_hash: string;
  garment_id: number; sku: string; category: Category; photo_id: number; photo_hash: string; photo_type: PhotoType; view: View;
  model_photo_id: number; person_hash: string; person_width: number; person_height: number;
  mask_id: number | null; mask_version: number | null; mask_hash: string | null; mask_origin: MaskOrigin | null;
  dp_id: number | null; dp_hash: string | null; dp_format: DenseposeFormat | null; dp_origin: DenseposeOrigin | null; dp_approximated: number | null;
  ckpt_id: number; ckpt_name: string; ckpt_hash: string; ckpt_kind: CheckpointKind; ckpt_arch: Architecture; licence: string; commercial_use: number;
}

export function prepareCellWork(db: DB) {
  return db.prepare(/* sql */ `
    SELECT j.id, j.batch_id, j.attempt, j.seed, j.settings, j.settings_hash,
           g.id AS garment_id, g.sku, g.category, gp.id AS photo_id, gp.blob_hash AS photo_hash, gp.photo_type, gp.view,
           mp.id AS model_photo_id, mp.blob_hash AS person_hash, mp.width AS person_width, mp.height AS person_height,
           m.id AS mask_id, m.version AS mask_version, m.blob_hash AS mask_hash, m.origin AS mask_origin,
           d.id AS dp_id, d.blob_hash AS dp_hash, d.format AS dp_format, d.origin AS dp_origin, d.approximated AS dp_approximated,
           c.id AS ckpt_id, c.name AS ckpt_name, c.blob_hash AS ckpt_hash, c.kind AS ckpt_kind, c.architecture AS ckpt_arch,
           c.licence, c.commercial_use
    FROM jobs j
    JOIN garments g ON g.id = j.garment_id
    JOIN garment_photos gp ON gp.id = j.garment_photo_id
    JOIN model_photos mp ON mp.id = j.model_photo_id
    LEFT JOIN masks m ON m.id = j.mask_id
    LEFT JOIN densepose d ON d.id = j.densepose_id
    JOIN checkpoints c ON c.id = j.checkpoint_id
    WHERE j.id = ?`);
}

export function toCellWork(r: Row, files: BlobStore): CellWork {
  return {
    jobId: r.id, batchId: r.batch_id, attempt: r.attempt, seed: r.seed, settings: JSON.parse(r.settings) as CellSettings,
    settingsHash: r.settings_hash, category: r.category,
    garment: { id: r.garment_id, sku: r.sku, photoId: r.photo_id, photoHash: r.photo_hash, photoPath: files.pathOf(r.photo_hash), photoType: r.photo_type, view: r.view },
    person: { modelPhotoId: r.model_photo_id, hash: r.person_hash, path: files.pathOf(r.person_hash), width: r.person_width, height: r.person_height },
    mask: r.mask_id === null ? null : { id: r.mask_id, version: r.mask_version!, hash: r.mask_hash!, path: files.pathOf(r.mask_hash!), origin: r.mask_origin! },
    densepose: r.dp_id === null ? null : {
      id: r.dp_id, hash: r.dp_hash!, path: files.pathOf(r.dp_hash!), format: r.dp_format!, origin: r.dp_origin!, approximated: r.dp_approximated === 1,
    },
    checkpoint: {
      id: r.ckpt_id, name: r.ckpt_name, hash: r.ckpt_hash, path: files.pathOf(r.ckpt_hash), kind: r.ckpt_kind, architecture: r.ckpt_arch,
      licence: r.licence, commercialUse: r.commercial_use === 1,
    },
  };
}

export type CellWorkRow = Row;
