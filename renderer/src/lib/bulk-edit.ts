// Bulk edit of garments already in the catalog: the form holds one value per field plus "leave as
// is"; applying it makes one update per selected garment with only the fields the user changed. Tags
// are added or removed, not replaced, so garments keep their other tags. Category and colourway apply
// to the whole selection; SKU (unique) and name are per garment, so only a single-garment edit sets
// them. Results keep the garment id, so a changed SKU or category keeps their history. Pure.
import type { Category } from '../../../preload/contract.ts';

export const CATEGORIES: readonly Category[] = ['upper_body', 'lower_body', 'dresses'];

export interface GarmentFields {
  id: number;
  sku: string;
  name: string;
  category: Category;
  colourway: string | null;
  season: string | null;
  tags: string[];
}

/** A field's edit: undefined = leave as is; '' for text = clear it. */
export interface BulkEdit {
  /** Only applied when one garment is selected (names are per garment). */
  name?: string;
  colourway?: string;
  season?: string;
  category?: Category;
  addTags?: string[];
  removeTags?: string[];
}

export type GarmentPatch = { id: number } & Partial<Pick<GarmentFields, 'name' | 'tags' | 'category'>> & { colourway?: string; season?: string };

/** Lowercased, trimmed, de-duplicated tags from "summer, linen  basics" style input (comma-separated). */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))];
}

export function bulkPatches(garments: readonly GarmentFields[], edit: BulkEdit): GarmentPatch[] {
  const patches: GarmentPatch[] = [];
  const add = edit.addTags ?? [];
  const remove = new Set(edit.removeTags ?? []);
  for (const g of garments) {
    const patch: GarmentPatch = { id: g.id };
    if (edit.name !== undefined && garments.length === 1 && edit.name.trim() && edit.name.trim() !== g.name) patch.name = edit.name.trim();
    // '' clears a text field (the store keeps an empty string as "none").
    if (edit.colourway !== undefined && edit.colourway.trim() !== (g.colourway ?? '')) patch.colourway = edit.colourway.trim();
    if (edit.season !== undefined && edit.season.trim() !== (g.season ?? '')) patch.season = edit.season.trim();
    if (edit.category !== undefined && edit.category !== g.category) patch.category = edit.category;
    if (add.length || remove.size) {
      const tags = [...new Set([...g.tags.filter((t) => !remove.has(t)), ...add])].sort();
      if (tags.join('\n') !== [...g.tags].sort().join('\n')) patch.tags = tags;
    }
    if (Object.keys(patch).length > 1) patches.push(patch);
  }
  return patches;
}

/** The value shown for a field across a selection: the common value, or null when they differ ("mixed"). */
export function commonValue<K extends keyof GarmentFields>(garments: readonly GarmentFields[], key: K): GarmentFields[K] | null {
  if (garments.length === 0) return null;
  const first = garments[0][key];
  const same = garments.every((g) => JSON.stringify(g[key]) === JSON.stringify(first));
  return same ? first : null;
}

/** Tags on every selected garment, and tags on some. */
export function tagSummary(garments: readonly GarmentFields[]): { all: string[]; some: string[] } {
  const counts = new Map<string, number>();
  for (const g of garments) for (const t of new Set(g.tags)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const all: string[] = [];
  const some: string[] = [];
  for (const [t, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) (n === garments.length ? all : some).push(t);
  return { all, some };
}
