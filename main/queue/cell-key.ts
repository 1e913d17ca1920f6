// The settings hash: what makes two cells "the same". It covers everything that decides the output
// image: the input files (by content hash, so re-importing a photo does not change it), the mask and
// DensePose by content, the checkpoint, the category, the seed and the normalised settings. A cell whose
// hash already has a result is skipped on enqueue.
import { createHash } from 'node:crypto';
import type { CellSettings } from './settings.ts';

export interface CellIdentity {
  garmentPhoto: string;
  person: string;
  /** null: the engine makes the mask itself (auto mask for the category). */
  mask: string | null;
  densepose: string | null;
  checkpoint: string;
  category: string;
  seed: number;
  settings: CellSettings;
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Version prefix: bump it if the meaning of a field changes, so old hashes stop matching. */
const KEY_VERSION = 'cell/1';

export function settingsHash(cell: CellIdentity): string {
  return createHash('sha256').update(`${KEY_VERSION}\n${canonicalJson(cell)}`).digest('hex');
}
