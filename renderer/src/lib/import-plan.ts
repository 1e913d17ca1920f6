// Turning picked photo files into garments to import: a first guess of SKU, name and category from
// each file name, then the user's edits, then grouping (rows with the same SKU become one garment
// with several photos) and checks. Pure, so the rules are tested without a DOM.
import type { Category, NewGarmentInput, PhotoType, View } from '../../../preload/contract.ts';
import { parseTags } from './bulk-edit.ts';

export interface StagedRow {
  /** Stable key for the keyed each: the FileRef id. */
  key: string;
  fileName: string;
  /** An object URL of the picked file for a thumbnail (serve mode / drops), or null. */
  preview: string | null;
  sku: string;
  name: string;
  category: Category;
  colourway: string;
  season: string;
  /** Comma-separated. */
  tags: string;
  type: PhotoType;
  view: View;
}

export type EditableField = 'sku' | 'name' | 'category' | 'colourway' | 'season' | 'tags' | 'type' | 'view';

const LOWER = /\b(shorts?|pants?|trousers?|jeans|skirts?|leggings?|chinos?|joggers?)\b/i;
const DRESS = /\b(dress(es)?|gown|jumpsuit|romper|abito)\b/i;

function stem(fileName: string): string {
  return fileName.replace(/\.[a-z0-9]+$/i, '');
}

/** "wild_summer_shorts_natha_01.png" → "Wild summer shorts natha 01". */
export function nameFromFile(fileName: string): string {
  const words = stem(fileName).replace(/[_\s]+/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : 'Garment';
}

/** "t-shirt_01.png" → "T-SHIRT-01": letters, digits and dashes, at most 64. */
export function skuFromFile(fileName: string): string {
  const sku = stem(fileName).toUpperCase().replace(/[^A-Z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return sku || 'SKU';
}

export function guessCategory(fileName: string): Category {
  const words = stem(fileName).replace(/[_\-.]+/g, ' ');
  if (DRESS.test(words)) return 'dresses';
  if (LOWER.test(words)) return 'lower_body';
  return 'upper_body';
}

export function stageFile(file: { id: string; name: string }, preview: string | null = null): StagedRow {
  return {
    key: file.id,
    fileName: file.name,
    preview,
    sku: skuFromFile(file.name),
    name: nameFromFile(file.name),
    category: guessCategory(file.name),
    colourway: '',
    season: '',
    tags: '',
    type: 'flat-lay',
    view: 'front',
  };
}

export interface ImportPlan {
  items: NewGarmentInput[];
  /** Row key -> what is wrong with it. */
  errors: Map<string, string>;
}

/**
 * Groups rows by SKU (case-insensitive) into garments; the first row of a group gives the garment's
 * fields, the rest add photos. Rows of one SKU that disagree on category are an error, as are empty
 * SKUs or names and SKUs already in the catalog (`taken`, uppercased).
 */
export function planImport(rows: readonly StagedRow[], taken: ReadonlySet<string> = new Set()): ImportPlan {
  const errors = new Map<string, string>();
  const groups = new Map<string, StagedRow[]>();
  for (const row of rows) {
    const sku = row.sku.trim();
    if (!sku) errors.set(row.key, 'SKU is empty');
    else if (sku.length > 64) errors.set(row.key, 'SKU is longer than 64 characters');
    else if (!row.name.trim()) errors.set(row.key, 'Name is empty');
    else if (taken.has(sku.toUpperCase())) errors.set(row.key, `SKU ${sku} is already in the catalog`);
    if (errors.has(row.key)) continue;
    const key = sku.toUpperCase();
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const items: NewGarmentInput[] = [];
  for (const group of groups.values()) {
    const [first] = group;
    const clash = group.find((r) => r.category !== first.category);
    if (clash) {
      for (const r of group) errors.set(r.key, `Rows with SKU ${first.sku.trim()} have different categories`);
      continue;
    }
    const tags = [...new Set(group.flatMap((r) => parseTags(r.tags)))];
    items.push({
      sku: first.sku.trim(),
      name: first.name.trim(),
      category: first.category,
      ...(first.colourway.trim() ? { colourway: first.colourway.trim() } : {}),
      ...(first.season.trim() ? { season: first.season.trim() } : {}),
      ...(tags.length ? { tags } : {}),
      photos: group.map((r) => ({ file: r.key, type: r.type, view: r.view })),
    });
  }
  return { items, errors };
}
