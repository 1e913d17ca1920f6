// The live queue: batches with their counts, the cells of the batches the user opened, progress and
// latent previews of the running cell, pause/resume, cancel and retry. State comes from one load and
// is then kept current by pushed `queue:event`s. Status events carry a per-job statusSeq; an event
// older than what is shown is dropped, so out-of-order delivery cannot move a cell backwards.
import type {
  BatchSummary, JobCounts, JobStatus, QueueCell, QueueEvent, QueueState,
} from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';
import { mapOf, setOf, withEntry, withItem, withoutEntry } from '../immutable.ts';

export type QueueApi = Pick<Api, 'call' | 'on'>;

export interface CellLive {
  step: number;
  steps: number;
  progress: number;
  etaMs: number | null;
  statusSeq: number;
}

export interface CellPreview {
  dataUrl: string;
  step: number;
  width: number;
  height: number;
}

export const CELL_PAGE = 500;
const FINAL: ReadonlySet<JobStatus> = setOf<JobStatus>(['succeeded', 'failed', 'cancelled']);

export function emptyCounts(): JobCounts {
  return { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, total: 0 };
}

function moveCount(counts: JobCounts, from: JobStatus, to: JobStatus): JobCounts {
  const next = { ...counts };
  next[from] = Math.max(0, next[from] - 1);
  next[to] += 1;
  return next;
}

/** Fraction of a batch's cells done (ended), counting the running cell's progress. */
export function batchProgress(counts: JobCounts, runningProgress = 0): number {
  if (counts.total === 0) return 0;
  return Math.min(1, (counts.succeeded + counts.failed + counts.cancelled + runningProgress) / counts.total);
}

export class QueueStore {
  state = $state.raw<QueueState | null>(null);
  batches = $state.raw<BatchSummary[]>([]);
  /** batchId -> its loaded cells, oldest first. */
  cells = $state.raw<ReadonlyMap<number, QueueCell[]>>(mapOf());
  /** batchId -> the cursor for more cells (null when all are loaded). */
  more = $state.raw<ReadonlyMap<number, number | null>>(mapOf());
  expanded = $state.raw<ReadonlySet<number>>(setOf());
  live = $state.raw<ReadonlyMap<number, CellLive>>(mapOf());
  previews = $state.raw<ReadonlyMap<number, CellPreview>>(mapOf());
  loaded = $state(false);
  error = $state<string | null>(null);

  /** Called once per batch that finishes while the page watches (notification, toast). */
  onBatchFinished: (batch: BatchSummary) => void = () => {};

  readonly #api: QueueApi;
  readonly #refreshMs: number;
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  // Batches already announced: bookkeeping, never shown.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #announced = new Set<number>();

  constructor(api: QueueApi, refreshMs = 500) {
    this.#api = api;
    this.#refreshMs = refreshMs;
  }

  connect(): () => void {
    return this.#api.on('queue:event', (e) => this.apply(e));
  }

  readonly running = $derived(this.state?.current ?? null);

  async load(): Promise<void> {
    try {
      const [state, batches] = await Promise.all([this.#api.call('queue:state', {}), this.#api.call('batches:list', { limit: 100 })]);
      this.state = state;
      this.batches = batches.items;
      for (const b of batches.items) if (b.finished) this.#announced.add(b.id);
      // Open the newest unfinished batch (or the newest) the first time.
      if (!this.loaded && this.expanded.size === 0) {
        const first = batches.items.find((b) => !b.finished) ?? batches.items[0];
        if (first) await this.expand(first.id);
      } else {
        await Promise.all([...this.expanded].map((id) => this.#loadCells(id, true)));
      }
      this.error = null;
    } catch (err) {
      this.error = readableError(err, 'load the queue');
    } finally {
      this.loaded = true;
    }
  }

  async expand(batchId: number, open = true): Promise<void> {
    this.expanded = withItem(this.expanded, batchId, open);
    if (open && !this.cells.has(batchId)) await this.#loadCells(batchId, true);
  }

  async loadMoreCells(batchId: number): Promise<void> {
    await this.#loadCells(batchId, false);
  }

  async #loadCells(batchId: number, fresh: boolean): Promise<void> {
    const after = fresh ? undefined : this.more.get(batchId);
    if (!fresh && (after === null || after === undefined)) return;
    try {
      const page = await this.#api.call('queue:cells', { batchId, limit: CELL_PAGE, ...(after ? { afterId: after } : {}) });
      this.cells = withEntry(this.cells, batchId, fresh ? page.items : [...(this.cells.get(batchId) ?? []), ...page.items]);
      this.more = withEntry(this.more, batchId, page.nextAfterId);
    } catch (err) {
      this.error = readableError(err, 'load the cells');
    }
  }

  // ---- events -----------------------------------------------------------------------------------

  apply(e: QueueEvent): void {
    switch (e.type) {
      case 'cell':
        return this.#applyCell(e);
      case 'progress': {
        const cell = this.#findCell(e.batchId, e.jobId);
        if (cell && (cell.statusSeq > e.statusSeq || cell.status !== 'running')) return;
        this.live = withEntry(this.live, e.jobId, { step: e.step, steps: e.steps, progress: e.progress, etaMs: e.etaMs, statusSeq: e.statusSeq });
        if (this.state) this.state = { ...this.state, current: { jobId: e.jobId, batchId: e.batchId, step: e.step, steps: e.steps, etaMs: e.etaMs } };
        return;
      }
      case 'preview': {
        this.previews = withEntry(this.previews, e.jobId, { dataUrl: e.dataUrl, step: e.step, width: e.width, height: e.height });
        return;
      }
      case 'batch-finished': {
        this.batches = this.batches.map((b) => (b.id === e.batchId ? { ...b, counts: e.counts, finished: true } : b));
        this.#announce(e.batchId);
        // Re-read its cells too: run times and results of the last cells.
        this.#scheduleRefresh(true);
        return;
      }
      case 'jobs-added':
        // Retried cells reopen a finished batch: announce it again when it ends.
        if (e.batchId !== null) this.#announced.delete(e.batchId);
        this.#scheduleRefresh(true);
        return;
      case 'state':
        if (this.state) this.state = { ...this.state, paused: e.paused, runnerActive: e.runnerActive };
        else this.#scheduleRefresh();
        return;
    }
  }

  #findCell(batchId: number, jobId: number): QueueCell | undefined {
    return this.cells.get(batchId)?.find((c) => c.jobId === jobId);
  }

  #applyCell(e: Extract<QueueEvent, { type: 'cell' }>): void {
    const list = this.cells.get(e.batchId);
    const index = list?.findIndex((c) => c.jobId === e.jobId) ?? -1;
    const known = list && index >= 0 ? list[index] : undefined;
    if (known && known.statusSeq >= e.statusSeq) return;
    if (known && list) {
      const now = Date.now();
      const cell: QueueCell = {
        ...known,
        status: e.to,
        statusSeq: e.statusSeq,
        attempt: e.attempt,
        error: e.to === 'failed' ? { type: null, message: e.error ?? 'The cell failed.' } : e.to === 'queued' ? null : known.error,
        progress: e.to === 'succeeded' ? 1 : e.to === 'queued' ? 0 : known.progress,
        resultId: e.resultId ?? known.resultId,
        resultHash: e.resultHash ?? known.resultHash,
        startedAt: e.to === 'running' ? now : known.startedAt,
        finishedAt: FINAL.has(e.to) ? now : known.finishedAt,
      };
      this.cells = withEntry(this.cells, e.batchId, list.with(index, cell));
    }
    // Counts move with the event (only when we know the cell was counted as `from`).
    if (!known || known.status === e.from) {
      this.batches = this.batches.map((b) => (b.id === e.batchId ? { ...b, counts: moveCount(b.counts, e.from, e.to) } : b));
      if (this.state) this.state = { ...this.state, counts: moveCount(this.state.counts, e.from, e.to) };
    }
    if (e.to !== 'running') {
      this.live = withoutEntry(this.live, e.jobId);
      if (this.state?.current?.jobId === e.jobId) this.state = { ...this.state, current: null };
    }
    if (FINAL.has(e.to)) this.previews = withoutEntry(this.previews, e.jobId);
    if (!known && !this.batches.some((b) => b.id === e.batchId)) this.#scheduleRefresh(true);
    else this.#scheduleRefresh();
  }

  #announce(batchId: number): void {
    if (this.#announced.has(batchId)) return;
    const batch = this.batches.find((b) => b.id === batchId);
    if (!batch) return;
    this.#announced.add(batchId);
    this.onBatchFinished(batch);
  }

  /** Re-reads queue state (ETA, counts) and the batch list soon, at most once per interval. */
  #scheduleRefresh(withCells = false): void {
    if (withCells) this.#refreshCells = true;
    if (this.#refreshTimer) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      const cells = this.#refreshCells;
      this.#refreshCells = false;
      void this.#refresh(cells);
    }, this.#refreshMs);
  }

  #refreshCells = false;

  async #refresh(withCells: boolean): Promise<void> {
    try {
      const [state, batches] = await Promise.all([this.#api.call('queue:state', {}), this.#api.call('batches:list', { limit: 100 })]);
      this.state = { ...state, current: state.current ?? null };
      this.batches = batches.items;
      for (const b of batches.items) if (b.finished) this.#announce(b.id);
      const newest = batches.items[0];
      if (withCells && newest && !newest.finished && !this.expanded.has(newest.id)) await this.expand(newest.id);
      else if (withCells) await Promise.all([...this.expanded].map((id) => this.#loadCells(id, true)));
    } catch (err) {
      this.error = readableError(err, 'refresh the queue');
    }
  }

  // ---- actions ----------------------------------------------------------------------------------

  async #act(action: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
      this.error = null;
      this.#scheduleRefresh(true);
    } catch (err) {
      this.error = readableError(err, action);
    }
  }

  pause(): Promise<void> {
    return this.#act('pause the queue', async () => (this.state = await this.#api.call('queue:pause', {})));
  }

  resume(): Promise<void> {
    return this.#act('resume the queue', async () => (this.state = await this.#api.call('queue:resume', {})));
  }

  togglePause(): Promise<void> {
    return this.state?.paused ? this.resume() : this.pause();
  }

  cancelCell(jobId: number): Promise<void> {
    return this.#act('cancel the cell', () => this.#api.call('queue:cancel', { jobId }));
  }

  cancelBatch(batchId: number): Promise<void> {
    return this.#act('cancel the batch', () => this.#api.call('queue:cancel', { batchId }));
  }

  retry(batchId?: number): Promise<void> {
    return this.#act('retry the failed cells', () => this.#api.call('queue:retry', batchId === undefined ? {} : { batchId }));
  }

  dispose(): void {
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
  }
}
