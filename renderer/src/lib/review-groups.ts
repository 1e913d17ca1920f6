// Grouping the review list by garment (SKU) or by model photo, keeping the list's order inside each group
// and ordering groups by where their first result appears. Pure, for the grid and its tests.
import type { ReviewItem } from '../../../preload/contract.ts';

export type ReviewGroupBy = 'garment' | 'model' | 'none';

export interface ReviewGroup {
  key: string;
  title: string;
  subtitle: string;
  items: ReviewItem[];
  /** Index in the flat list of each item (for focus and the loupe). */
  indexes: number[];
}

export function groupResults(items: readonly ReviewItem[], by: ReviewGroupBy): ReviewGroup[] {
  if (by === 'none') return items.length ? [{ key: 'all', title: 'All results', subtitle: '', items: [...items], indexes: items.map((_, i) => i) }] : [];
  const groups = new Map<string, ReviewGroup>();
  items.forEach((item, i) => {
    const key = by === 'garment' ? `g${item.garmentId}` : `m${item.modelPhotoId}`;
    let g = groups.get(key);
    if (!g) {
      g = by === 'garment'
        ? { key, title: item.sku, subtitle: item.garmentName, items: [], indexes: [] }
        : { key, title: item.modelPhotoName, subtitle: `model photo ${item.modelPhotoId}`, items: [], indexes: [] };
      groups.set(key, g);
    }
    g.items.push(item);
    g.indexes.push(i);
  });
  return [...groups.values()];
}

/** The flat-list order the grid shows when grouped (so ← → follow what the eye sees). */
export function displayOrder(groups: readonly ReviewGroup[]): number[] {
  return groups.flatMap((g) => g.indexes);
}
