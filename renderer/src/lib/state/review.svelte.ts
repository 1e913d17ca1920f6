// The Review screen: the filtered result list (grouped by garment or model photo in the grid), the
// focused result and its detail (history, versions of its cell, compare inputs, record), reviews with
// defect tags and notes, the pick of a cell, re-runs, and the compare view's settings. Re-runs are
// followed through the queue's pushed events: when the new result lands, the list and the detail reload.
// In serve mode each browser names its reviewer once (remembered in localStorage) and sends it with every
// review and pick; the desktop app sends none, so its host records the OS user.
import type {
  DefectTag, QaCheck, QueueEvent, RerunQueued, ReviewDetail, ReviewItem, ReviewListRequest, ReviewSort, ReviewStatus,
} from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';
import { checkReviewerName, pageStorage, readReviewerName, writeReviewerName, type NameStorage } from '../reviewer-name.ts';
import { mapOf, withEntry, withoutEntry } from '../immutable.ts';
import { displayOrder, groupResults, type ReviewGroupBy } from '../review-groups.ts';
import { FIT, type View } from '../review-view.ts';

export type ReviewApi = Pick<Api, 'call' | 'on' | 'mode'>;

export const DEFECT_TAGS: readonly { id: DefectTag; label: string }[] = [
  { id: 'sleeve-leak', label: 'Sleeve leak' },
  { id: 'hands-changed', label: 'Hands changed' },
  { id: 'logo-warped', label: 'Logo warped' },
  { id: 'colour-off', label: 'Colour off' },
  { id: 'wrong-length', label: 'Wrong length' },
  { id: 'other', label: 'Other' },
];

export const QA_LABELS: Record<QaCheck, string> = {
  garmentColour: 'Colour',
  outsideChange: 'Outside',
  oldGarmentLeak: 'Leak',
};

export interface ReviewFilters {
  reviewStatus: ReviewStatus | '';
  tag: DefectTag | '';
  qa: NonNullable<ReviewListRequest['qa']> | '';
  checkpointId: number | null;
  sort: ReviewSort;
}

/** What the compare view puts beside the result. */
export type CompareWith = 'person' | 'garment' | `version:${number}`;

const PAGE = 200;

export class ReviewState {
  readonly #api: ReviewApi;
  items = $state.raw<ReviewItem[]>([]);
  total = $state(0);
  nextOffset = $state<number | null>(null);
  loaded = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  filters = $state<ReviewFilters>({ reviewStatus: '', tag: '', qa: '', checkpointId: null, sort: 'newest' });
  groupBy = $state<ReviewGroupBy>('garment');
  layout = $state<'grid' | 'loupe'>('grid');
  /** The focused result's id (grid focus and the loupe's result). */
  focusId = $state<number | null>(null);
  detail = $state.raw<ReviewDetail | null>(null);
  /** Tags and notes being edited for the focused result (sent with the next review). */
  draftTags = $state.raw<DefectTag[]>([]);
  draftNotes = $state('');
  compareOpen = $state(false);
  compareMode = $state<'side' | 'slider'>('side');
  compareWith = $state<CompareWith>('person');
  showMask = $state(false);
  showDensepose = $state(false);
  view = $state.raw<View>(FIT);
  slider = $state(0.5);
  /** Re-runs queued from here whose result has not landed yet: jobId -> the request's answer. */
  pendingReruns = $state.raw<ReadonlyMap<number, RerunQueued>>(mapOf());
  /** Serve mode: whether this browser is asked for a reviewer name (the desktop app never asks). */
  readonly asksReviewer: boolean;
  /** Serve mode: who reviews in this browser, sent with reviews and picks; null: none given (the host's user). */
  reviewer = $state<string | null>(null);
  /** Why the last name given could not be used. */
  reviewerError = $state<string | null>(null);
  readonly #storage: NameStorage | null;
  #seq = 0;

  readonly groups = $derived(groupResults(this.items, this.groupBy));
  /** Indexes into items in the order the grid shows them. */
  readonly order = $derived(displayOrder(this.groups));
  readonly focusIndex = $derived(this.items.findIndex((i) => i.id === this.focusId));
  readonly focused = $derived(this.focusIndex >= 0 ? this.items[this.focusIndex]! : null);

  /** `storage`: where the reviewer name is remembered (default: this page's localStorage). */
  constructor(api: ReviewApi, storage: NameStorage | null = pageStorage()) {
    this.#api = api;
    this.#storage = storage;
    this.asksReviewer = api.mode === 'serve';
    if (this.asksReviewer) this.reviewer = readReviewerName(storage);
  }

  /** Sets this browser's reviewer name (trimmed, remembered); '' forgets it. False when the name cannot be used. */
  setReviewer(name: string): boolean {
    if (name.trim() === '') {
      this.reviewer = null;
      this.reviewerError = null;
      writeReviewerName(this.#storage, null);
      return true;
    }
    const checked = checkReviewerName(name);
    if (!checked.ok) {
      this.reviewerError = checked.message;
      return false;
    }
    this.reviewer = checked.name;
    this.reviewerError = null;
    writeReviewerName(this.#storage, checked.name);
    return true;
  }

  /** The reviewer field of a review or pick: only when this browser named one. */
  #who(): { reviewer?: string } {
    return this.asksReviewer && this.reviewer ? { reviewer: this.reviewer } : {};
  }

  /** Follows the queue: reloads when a re-run started from here has its result, or a batch finished. Returns the cleanup. */
  connect(): () => void {
    return this.#api.on('queue:event', (e: QueueEvent) => {
      // New results from a batch: show them once it has finished (not cell by cell).
      if (e.type === 'batch-finished' && this.loaded && this.pendingReruns.size === 0) void this.reload();
      if (e.type !== 'cell' || !this.pendingReruns.has(e.jobId)) return;
      if (e.to === 'queued' || e.to === 'running') return;
      this.pendingReruns = withoutEntry(this.pendingReruns, e.jobId);
      void this.reload();
      if (this.focusId !== null) void this.loadDetail(this.focusId);
    });
  }

  #request(offset: number): ReviewListRequest {
    const f = this.filters;
    return {
      sort: f.sort, offset, limit: PAGE,
      ...(f.reviewStatus && { reviewStatus: f.reviewStatus }),
      ...(f.tag && { tag: f.tag }),
      ...(f.qa && { qa: f.qa }),
      ...(f.checkpointId !== null && { checkpointId: f.checkpointId }),
    };
  }

  async reload(): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    try {
      const page = await this.#api.call('review:list', this.#request(0));
      if (seq !== this.#seq) return;
      this.items = page.items;
      this.total = page.total;
      this.nextOffset = page.nextOffset;
      this.error = null;
      if (this.focusId === null || !page.items.some((i) => i.id === this.focusId)) this.focusId = page.items[0]?.id ?? null;
    } catch (err) {
      if (seq === this.#seq) this.error = readableError(err);
    } finally {
      if (seq === this.#seq) {
        this.loading = false;
        this.loaded = true;
      }
    }
  }

  async loadMore(): Promise<void> {
    if (this.nextOffset === null || this.loading) return;
    const seq = this.#seq;
    this.loading = true;
    try {
      const page = await this.#api.call('review:list', this.#request(this.nextOffset));
      if (seq !== this.#seq) return;
      this.items = [...this.items, ...page.items];
      this.nextOffset = page.nextOffset;
    } catch (err) {
      this.error = readableError(err);
    } finally {
      this.loading = false;
    }
  }

  setFilter<K extends keyof ReviewFilters>(key: K, value: ReviewFilters[K]): void {
    this.filters = { ...this.filters, [key]: value };
    void this.reload();
  }

  /** Focuses a result (and loads its detail when the loupe shows it). */
  async focus(id: number): Promise<void> {
    if (this.focusId !== id) {
      this.focusId = id;
      this.view = FIT;
      if (this.compareWith.startsWith('version:')) this.compareWith = 'person';
    }
    if (this.layout === 'loupe') await this.loadDetail(id);
  }

  async open(id: number): Promise<void> {
    this.layout = 'loupe';
    await this.focus(id);
  }

  closeLoupe(): void {
    this.layout = 'grid';
    this.compareOpen = false;
  }

  toggleLayout(): void {
    if (this.layout === 'grid' && this.focusId !== null) void this.open(this.focusId);
    else this.closeLoupe();
  }

  /** ← → in the order the grid shows; at the ends, stays. */
  move(delta: -1 | 1): void {
    const pos = this.order.indexOf(this.focusIndex);
    const next = this.order[pos + delta];
    if (pos < 0 && this.order.length) void this.focus(this.items[this.order[0]!]!.id);
    else if (next !== undefined) void this.focus(this.items[next]!.id);
  }

  async loadDetail(id: number): Promise<void> {
    try {
      const detail = await this.#api.call('review:get', { id });
      if (this.focusId !== id) return;
      this.detail = detail;
      this.draftTags = detail.item.defectTags.filter((t): t is DefectTag => DEFECT_TAGS.some((d) => d.id === t));
      this.draftNotes = detail.item.notes ?? '';
    } catch (err) {
      this.error = readableError(err);
    }
  }

  toggleTag(tag: DefectTag): void {
    this.draftTags = this.draftTags.includes(tag) ? this.draftTags.filter((t) => t !== tag) : [...this.draftTags, tag];
  }

  #replace(item: ReviewItem): void {
    this.items = this.items.map((i) => (i.id === item.id ? item : i));
    if (this.detail?.item.id === item.id) this.detail = { ...this.detail, item, versions: this.detail.versions.map((v) => (v.id === item.id ? item : v)) };
  }

  /** Reviews the focused result; in the loupe with the draft tags and notes (the grid's quick keys send none). */
  async review(status: Exclude<ReviewStatus, 'pending'>): Promise<void> {
    const item = this.focused;
    if (!item) return;
    const onLoupe = this.layout === 'loupe' && this.detail?.item.id === item.id;
    try {
      const { item: updated, review } = await this.#api.call('review:add', {
        resultId: item.id, status,
        ...(onLoupe && { defectTags: this.draftTags, notes: this.draftNotes }),
        ...this.#who(),
      });
      this.#replace(updated);
      this.error = null;
      if (this.detail?.item.id === item.id) this.detail = { ...this.detail, history: [...this.detail.history, review] };
    } catch (err) {
      this.error = readableError(err);
    }
  }

  /** Makes the result its cell's pick (best of N); again on the pick clears it. */
  async pick(id: number | null = this.focusId): Promise<void> {
    if (id === null) return;
    const item = this.items.find((i) => i.id === id) ?? this.detail?.versions.find((v) => v.id === id);
    try {
      await this.#api.call('review:pick', { resultId: id, ...(item?.picked && { clear: true }), ...this.#who() });
      await this.reload();
      if (this.focusId !== null && this.layout === 'loupe') await this.loadDetail(this.focusId);
    } catch (err) {
      this.error = readableError(err);
    }
  }

  async rerun(mode: 'exact' | 'seed', seed?: number): Promise<RerunQueued | null> {
    const id = this.focusId;
    if (id === null) return null;
    try {
      const queued = await this.#api.call('results:rerun', { id, mode, ...(seed !== undefined && { seed }) });
      this.pendingReruns = withEntry(this.pendingReruns, queued.jobId, queued);
      this.error = null;
      return queued;
    } catch (err) {
      this.error = readableError(err);
      return null;
    }
  }

  /** The image the compare view shows beside the result. */
  compareHash(): string | null {
    const d = this.detail;
    if (!d) return null;
    if (this.compareWith === 'person') return d.inputs.personHash;
    if (this.compareWith === 'garment') return d.inputs.garmentPhotoHash;
    const id = Number(this.compareWith.slice('version:'.length));
    return d.versions.find((v) => v.id === id)?.blobHash ?? null;
  }

  clear(): void {
    this.#seq++;
    this.items = [];
    this.total = 0;
    this.nextOffset = null;
    this.loaded = false;
    this.focusId = null;
    this.detail = null;
    this.layout = 'grid';
    this.compareOpen = false;
  }
}
