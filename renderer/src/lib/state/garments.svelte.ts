// The garment catalog as the grid sees it: the current search and filters, the rows loaded so far
// (pages of 200, newest first, fetched as the grid scrolls near their end), the selection and the
// garment open in the detail panel. The grid renders only visible rows, so 100,000 garments cost
// what the visible ones cost; `items` is replaced (never mutated) so $state.raw stays cheap.
import type { Category, Garment, GarmentCleanPreview, GarmentDetail, GarmentListItem } from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { bulkPatches, type BulkEdit } from '../bulk-edit.ts';
import { readableError } from '../errors.ts';
import { Selection, type ClickModifiers } from '../selection.ts';
import { mapOf, withEntry } from '../immutable.ts';

export type GarmentsApi = Pick<Api, 'call'>;

export interface GarmentFilter {
  text: string;
  category: Category | '';
  tag: string;
}

/** A garment photo's cleaned-up preview (garments:cleanPreview) as the detail panel shows it. */
export type PreviewEntry = { status: 'loading' } | { status: 'ready'; preview: GarmentCleanPreview } | { status: 'error'; error: string };

export const PAGE_SIZE = 200;
/** Pages fetched while catching up to a far scroll position (the host's largest page). */
export const CATCH_UP_PAGE_SIZE = 500;

export class GarmentsState {
  filter = $state<GarmentFilter>({ text: '', category: '', tag: '' });
  items = $state.raw<GarmentListItem[]>([]);
  /** Garments matching the filter (all of them, not just those loaded). */
  total = $state(0);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  selection = $state.raw<Selection>(Selection.empty());
  detail = $state.raw<GarmentDetail | null>(null);
  /** Cleaned-up previews by garment photo id (the host caches them too; this avoids asking twice). */
  previews = $state.raw<ReadonlyMap<number, PreviewEntry>>(mapOf());

  readonly #api: GarmentsApi;
  /** Cursor for the next page: undefined before the first page, null after the last. */
  #next: number | null | undefined = undefined;
  /** Bumped by reload(), so answers for an older filter are dropped. */
  #generation = 0;
  #pending: Promise<void> | null = null;

  constructor(api: GarmentsApi) {
    this.#api = api;
  }

  get hasMore(): boolean {
    return this.#next !== null;
  }

  get selectedItems(): GarmentListItem[] {
    return this.items.filter((g) => this.selection.has(g.id));
  }

  /** Starts over with the current filter (keeps the selection: ids outlive filters). */
  async reload(): Promise<void> {
    this.#generation++;
    this.#next = undefined;
    this.#pending = null;
    this.items = [];
    this.loaded = false;
    await this.loadMore();
  }

  /** Fetches the next page, once even if called again while it is on its way. */
  loadMore(limit = PAGE_SIZE): Promise<void> {
    if (this.#next === null) return Promise.resolve();
    this.#pending ??= this.#fetchPage(limit).finally(() => (this.#pending = null));
    return this.#pending;
  }

  /**
   * Loads pages until item `index` is loaded or the list ends. The grid calls it with the last index
   * in view, so dragging the scrollbar far down fills in the rows on the way (keyset paging has no
   * "jump to row n"), in bigger pages while far behind.
   */
  async ensureLoaded(index: number): Promise<void> {
    const generation = this.#generation;
    while (index >= this.items.length && this.#next !== null && generation === this.#generation && !this.error) {
      await this.loadMore(index - this.items.length >= PAGE_SIZE ? CATCH_UP_PAGE_SIZE : PAGE_SIZE);
    }
  }

  async #fetchPage(limit: number): Promise<void> {
    const generation = this.#generation;
    const f = $state.snapshot(this.filter);
    this.loading = true;
    try {
      const page = await this.#api.call('garments:list', {
        ...(f.text.trim() ? { text: f.text.trim() } : {}),
        ...(f.category ? { category: f.category } : {}),
        ...(f.tag.trim() ? { tag: f.tag.trim().toLowerCase() } : {}),
        ...(this.#next ? { beforeId: this.#next } : {}),
        limit,
      });
      if (generation !== this.#generation) return;
      this.items = this.items.concat(page.items);
      this.total = page.total;
      this.#next = page.nextBeforeId;
      this.error = null;
    } catch (err) {
      if (generation === this.#generation) this.error = readableError(err, 'load garments');
    } finally {
      if (generation === this.#generation) {
        this.loading = false;
        this.loaded = true;
      }
    }
  }

  click(index: number, mods: ClickModifiers = {}): void {
    this.selection = this.selection.click(index, (i) => this.items[i]?.id, mods);
  }

  toggle(id: number): void {
    this.selection = this.selection.toggle(id, this.items.findIndex((g) => g.id === id));
  }

  selectLoaded(): void {
    this.selection = this.selection.withAll(this.items.map((g) => g.id));
  }

  /** Selects every garment matching the filter, loading the remaining pages first. */
  async selectAllMatching(): Promise<void> {
    await this.ensureLoaded(Number.MAX_SAFE_INTEGER);
    this.selectLoaded();
  }

  clearSelection(): void {
    this.selection = Selection.empty();
  }

  setSelection(ids: Iterable<number>): void {
    this.selection = new Selection(ids);
  }

  async open(id: number): Promise<void> {
    try {
      this.detail = await this.#api.call('garments:get', { id });
    } catch (err) {
      this.error = readableError(err, 'open the garment');
    }
  }

  closeDetail(): void {
    this.detail = null;
  }

  /** The cleaned-up preview of a garment photo: asked for once, then kept (errors can be retried). */
  async cleanPreview(garmentPhotoId: number, retry = false): Promise<void> {
    const known = this.previews.get(garmentPhotoId);
    if (known && (known.status !== 'error' || !retry)) return;
    this.#setPreview(garmentPhotoId, { status: 'loading' });
    try {
      const preview = await this.#api.call('garments:cleanPreview', { garmentPhotoId });
      this.#setPreview(garmentPhotoId, { status: 'ready', preview });
    } catch (err) {
      this.#setPreview(garmentPhotoId, { status: 'error', error: readableError(err, 'clean up the garment photo') });
    }
  }

  #setPreview(id: number, entry: PreviewEntry): void {
    this.previews = withEntry(this.previews, id, entry);
  }

  /** Saves one garment's fields (SKU, name and category included; a taken SKU is refused). */
  async update(patch: { id: number; sku?: string; name?: string; category?: Category; colourway?: string; season?: string; tags?: string[] }): Promise<boolean> {
    try {
      const garment = await this.#api.call('garments:update', patch);
      this.applyUpdated([garment]);
      this.error = null;
      return true;
    } catch (err) {
      this.error = readableError(err, 'save the garment');
      return false;
    }
  }

  /**
   * Applies a bulk edit to the selected garments that are loaded. Season, category, colourway and tag
   * changes go in one all-or-nothing `garments:bulkUpdate`; the name (single garment only) follows with
   * `garments:update`. Returns how many garments changed, or null on failure.
   */
  async bulkApply(edit: BulkEdit): Promise<number | null> {
    const targets = this.selectedItems;
    const patches = bulkPatches(targets, edit);
    if (patches.length === 0) return 0;
    try {
      const set = {
        ...(edit.season !== undefined ? { season: edit.season.trim() } : {}),
        ...(edit.category !== undefined ? { category: edit.category } : {}),
        ...(edit.colourway !== undefined ? { colourway: edit.colourway.trim() } : {}),
        ...(edit.addTags?.length ? { addTags: edit.addTags } : {}),
        ...(edit.removeTags?.length ? { removeTags: edit.removeTags } : {}),
      };
      if (Object.keys(set).length) {
        const ids = patches
          .filter((p) => p.season !== undefined || p.tags !== undefined || p.category !== undefined || p.colourway !== undefined)
          .map((p) => p.id);
        if (ids.length) this.applyUpdated((await this.#api.call('garments:bulkUpdate', { ids, set })).garments);
      }
      for (const p of patches) {
        if (p.name === undefined) continue;
        const garment = await this.#api.call('garments:update', { id: p.id, name: p.name });
        this.applyUpdated([garment]);
      }
      return patches.length;
    } catch (err) {
      this.error = readableError(err, 'save the changes');
      return null;
    }
  }

  /** Puts changed garments into the loaded rows and the detail panel, keeping their cover photo. */
  applyUpdated(garments: readonly Garment[]): void {
    const byId = mapOf(garments.map((g) => [g.id, g] as const));
    this.items = this.items.map((item) => {
      const g = byId.get(item.id);
      return g ? { ...item, ...g } : item;
    });
    const open = this.detail && byId.get(this.detail.garment.id);
    if (open && this.detail) this.detail = { ...this.detail, garment: open };
  }
}
