// Training runs (migration 009): status, configuration, the step reached, per-step metrics, held-out
// sample images (blobs) and, on success, the checkpoint the run registered. Status moves
//   queued → running → succeeded | failed | paused (stopped; resumable) | cancelled (stopped before it ran)
//   paused | failed → queued (resume)
// A resumed run repeats no step it kept: metrics after its checkpoint's step are dropped when it resumes.
import type { TrainingMetric } from '../../preload/contract.ts';
import type { StoreContext } from './context.ts';
import type { StoredBlob } from './blob-store.ts';
import { argumentError, notFound } from './errors.ts';

export type TrainingRunStatus = 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

export interface TrainingRunRow {
  id: number;
  setId: number;
  setName: string;
  baseCheckpointId: number;
  status: TrainingRunStatus;
  config: Record<string, unknown>;
  folder: string;
  step: number;
  totalSteps: number;
  resume: boolean;
  pausedQueue: boolean;
  error: string | null;
  checkpointId: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A step's metrics as the API sends them. */
export type TrainingMetricRow = TrainingMetric;

interface Row {
  id: number; set_id: number; set_name: string; base_checkpoint_id: number; status: TrainingRunStatus; config: string; folder: string;
  step: number; total_steps: number; resume: number; paused_queue: number; error: string | null; checkpoint_id: number | null;
  created_at: number; started_at: number | null; finished_at: number | null;
}

const toRun = (r: Row): TrainingRunRow => ({
  id: r.id, setId: r.set_id, setName: r.set_name, baseCheckpointId: r.base_checkpoint_id, status: r.status,
  config: JSON.parse(r.config) as Record<string, unknown>, folder: r.folder, step: r.step, totalSteps: r.total_steps,
  resume: r.resume === 1, pausedQueue: r.paused_queue === 1, error: r.error, checkpointId: r.checkpoint_id,
  createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
});

const SELECT = /* sql */ `SELECT r.*, s.name AS set_name FROM training_runs r JOIN training_sets s ON s.id = r.set_id`;

export interface RunPatch {
  step?: number;
  resume?: boolean;
  pausedQueue?: boolean;
  error?: string | null;
  checkpointId?: number | null;
  startedAt?: number;
  finishedAt?: number | null;
}

export class TrainingRunRepo {
  readonly #s;

  constructor(private readonly ctx: StoreContext) {
    const db = ctx.db;
    this.#s = {
      insert: db.prepare(/* sql */ `
        INSERT INTO training_runs (set_id, base_checkpoint_id, status, config, folder, total_steps, created_at, updated_at)
        VALUES (@setId, @baseCheckpointId, 'queued', @config, '', @totalSteps, @now, @now) RETURNING id`).pluck(),
      setFolder: db.prepare(/* sql */ `UPDATE training_runs SET folder = ? WHERE id = ?`),
      get: db.prepare(/* sql */ `${SELECT} WHERE r.id = ?`),
      list: db.prepare(/* sql */ `${SELECT} ORDER BY r.id DESC`),
      byStatus: db.prepare(/* sql */ `${SELECT} WHERE r.status = ? ORDER BY r.id`),
      status: db.prepare(/* sql */ `UPDATE training_runs SET status = @status, updated_at = @now,
        step = coalesce(@step, step), resume = coalesce(@resume, resume), paused_queue = coalesce(@pausedQueue, paused_queue),
        error = CASE WHEN @setError THEN @error ELSE error END,
        checkpoint_id = CASE WHEN @setCheckpoint THEN @checkpointId ELSE checkpoint_id END,
        started_at = coalesce(@startedAt, started_at),
        finished_at = CASE WHEN @setFinished THEN @finishedAt ELSE finished_at END
        WHERE id = @id`),
      metric: db.prepare(/* sql */ `
        INSERT OR REPLACE INTO training_metrics (run_id, step, loss_total, loss_diffusion, loss_leffa, lr, grad_norm, step_ms)
        VALUES (@runId, @step, @total, @diffusion, @leffa, @lr, @gradNorm, @stepMs)`),
      clearPausedQueue: db.prepare(/* sql */ `UPDATE training_runs SET paused_queue = 0 WHERE id = ?`),
      stepOnly: db.prepare(/* sql */ `UPDATE training_runs SET step = ?, updated_at = ? WHERE id = ?`),
      truncate: db.prepare(/* sql */ `DELETE FROM training_metrics WHERE run_id = ? AND step > ?`),
      truncateSamples: db.prepare(/* sql */ `DELETE FROM training_samples WHERE run_id = ? AND step > ?`),
      metrics: db.prepare(/* sql */ `
        SELECT step, loss_total AS total, loss_diffusion AS diffusion, loss_leffa AS leffa, lr, grad_norm AS gradNorm, step_ms AS stepMs
        FROM training_metrics WHERE run_id = ? ORDER BY step`),
      sample: db.prepare(/* sql */ `INSERT OR REPLACE INTO training_samples (run_id, step, blob_hash, created_at) VALUES (?, ?, ?, ?)`),
      samples: db.prepare(/* sql */ `SELECT step, blob_hash AS blobHash FROM training_samples WHERE run_id = ? ORDER BY step`),
    };
  }

  create(v: { setId: number; baseCheckpointId: number; config: Record<string, unknown>; totalSteps: number }): TrainingRunRow {
    return this.ctx.db.transaction(() => {
      const id = this.#s.insert.get({ setId: v.setId, baseCheckpointId: v.baseCheckpointId, config: JSON.stringify(v.config), totalSteps: v.totalSteps, now: Date.now() }) as number;
      this.#s.setFolder.run(`training/run-${id}`, id);
      return this.get(id)!;
    }).immediate();
  }

  get(id: number): TrainingRunRow | undefined {
    const row = this.#s.get.get(id) as Row | undefined;
    return row && toRun(row);
  }

  require(id: number, fn: string, argument = 'id'): TrainingRunRow {
    const r = this.get(id);
    if (!r) throw notFound(fn, argument, id, 'training run');
    return r;
  }

  list(): TrainingRunRow[] {
    return (this.#s.list.all() as Row[]).map(toRun);
  }

  withStatus(status: TrainingRunStatus): TrainingRunRow[] {
    return (this.#s.byStatus.all(status) as Row[]).map(toRun);
  }

  /** Moves a run to `status`, checking the move is one the lifecycle allows. */
  setStatus(id: number, status: TrainingRunStatus, patch: RunPatch = {}): TrainingRunRow {
    const fn = 'setTrainingRunStatus';
    return this.ctx.db.transaction(() => {
      const run = this.require(id, fn);
      const allowed: Record<TrainingRunStatus, TrainingRunStatus[]> = {
        queued: ['running', 'cancelled', 'queued'],
        running: ['succeeded', 'failed', 'paused', 'running'],
        paused: ['queued', 'cancelled'],
        failed: ['queued'],
        succeeded: [],
        cancelled: [],
      };
      if (!allowed[run.status].includes(status)) {
        throw argumentError(fn, 'status', status, `a status a ${run.status} run can move to (${allowed[run.status].join(', ') || 'none: it has ended'})`, 'conflict');
      }
      this.#s.status.run({
        id, status, now: Date.now(), step: patch.step ?? null, resume: patch.resume === undefined ? null : patch.resume ? 1 : 0,
        pausedQueue: patch.pausedQueue === undefined ? null : patch.pausedQueue ? 1 : 0,
        setError: patch.error !== undefined ? 1 : 0, error: patch.error ?? null,
        setCheckpoint: patch.checkpointId !== undefined ? 1 : 0, checkpointId: patch.checkpointId ?? null,
        startedAt: patch.startedAt ?? null, setFinished: patch.finishedAt !== undefined ? 1 : 0, finishedAt: patch.finishedAt ?? null,
      });
      return this.get(id)!;
    }).immediate();
  }

  /** The run no longer holds the generation queue paused. */
  clearPausedQueue(id: number): void {
    this.#s.clearPausedQueue.run(id);
  }

  /** Records one optimizer step's metrics (a repeated step replaces the earlier row) and the run's step. */
  addMetric(runId: number, m: TrainingMetricRow): void {
    this.ctx.db.transaction(() => {
      this.#s.metric.run({ runId, ...m });
      this.#s.stepOnly.run(m.step, Date.now(), runId);
    })();
  }

  /** Drops metrics and samples after `step` (a run resuming from its checkpoint at `step`). */
  truncateAfter(runId: number, step: number): void {
    this.ctx.db.transaction(() => {
      this.#s.truncate.run(runId, step);
      this.#s.truncateSamples.run(runId, step);
      this.#s.stepOnly.run(step, Date.now(), runId);
    })();
  }

  metrics(runId: number): TrainingMetricRow[] {
    return this.#s.metrics.all(runId) as TrainingMetricRow[];
  }

  /** Registers a sample PNG already written to the blob store (held by the caller) for a step. */
  addSample(runId: number, step: number, blob: StoredBlob, size: { width: number; height: number }): void {
    this.ctx.blobRows.commitOrDiscard(blob, () =>
      this.ctx.db.transaction(() => {
        this.ctx.blobRows.register(blob, { mediaType: 'image/png', width: size.width, height: size.height });
        this.#s.sample.run(runId, step, blob.hash, Date.now());
      }).immediate(),
    );
  }

  samples(runId: number): Array<{ step: number; blobHash: string }> {
    return this.#s.samples.all(runId) as Array<{ step: number; blobHash: string }>;
  }
}
