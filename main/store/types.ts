// What the store's public methods return: plain, camelCased objects (no database rows leak out), safe to
// send over IPC as they are. Times are milliseconds since the epoch.
import type { CheckpointListItem, Checkpoint as ContractCheckpoint } from '../../preload/contract.ts';

// The catalogue records are exactly what the API sends, so they are the contract's own types.
export type { Collection, DensePose, Garment, GarmentPhoto, Mask, ModelPhoto } from '../../preload/contract.ts';
// So are results (`ResultItem`, with the record `ResultDetail`) and review entries.
export type { ResultItem as Result, ResultDetail as ResultWithRecord, ReviewEntry as Review } from '../../preload/contract.ts';

/** A checkpoint as the API sends it, with when and by whom its licence was accepted in this project (migration 010). */
export type Checkpoint = ContractCheckpoint & Pick<CheckpointListItem, 'licenceAcceptedAt' | 'licenceAcceptedBy'>;

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
