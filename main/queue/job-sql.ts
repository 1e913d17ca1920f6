// The SQL of the job store, prepared once per connection. Kept apart so job-store.ts reads as the state
// machine it is; every status change still goes through JobStore.transition (the `transition` statement
// is used nowhere else).
import type { DB } from '../store/database.ts';
import { prepareCellWork } from './cell-work.ts';
import { prepareEta } from './eta.ts';

export function prepareJobStatements(db: DB) {
  return {
    row: db.prepare(/* sql */ `SELECT * FROM jobs WHERE id = ?`),
    paused: db.prepare(/* sql */ `SELECT paused FROM queue_control WHERE id = 1`).pluck(),
    setPaused: db.prepare(/* sql */ `UPDATE queue_control SET paused = ? WHERE id = 1`),
    // INDEXED BY: on a young database the planner may pick jobs_status and sort; the partial index is always right.
    next: db.prepare(/* sql */ `SELECT id FROM jobs INDEXED BY jobs_next WHERE status = 'queued' ORDER BY priority DESC, id LIMIT 1`).pluck(),
    transition: db.prepare(/* sql */ `
      UPDATE jobs SET
        status = @to,
        status_seq = status_seq + 1,
        attempt = attempt + CASE WHEN @to = 'running' THEN 1 ELSE 0 END,
        claimed_by = CASE @to WHEN 'running' THEN @claimedBy WHEN 'queued' THEN NULL ELSE claimed_by END,
        started_at = CASE WHEN @to = 'running' THEN @now ELSE started_at END,
        finished_at = CASE WHEN @to IN ('succeeded', 'failed', 'cancelled') THEN @now ELSE NULL END,
        progress = CASE @to WHEN 'succeeded' THEN 1 WHEN 'queued' THEN 0 ELSE progress END,
        error_type = @errorType, error_message = @errorMessage, error_stack = @errorStack,
        run_ms = coalesce(@runMs, run_ms), step_ms = coalesce(@stepMs, step_ms),
        updated_at = @now
      WHERE id = @id AND status = @from`),
    progress: db.prepare(/* sql */ `UPDATE jobs SET progress = @progress, step_ms = coalesce(@stepMs, step_ms), updated_at = @now WHERE id = @id AND status = 'running'`),
    pendingOfBatch: db.prepare(/* sql */ `SELECT id FROM jobs WHERE batch_id = ? AND status IN ('queued', 'running') ORDER BY id`).pluck(),
    pendingAll: db.prepare(/* sql */ `SELECT id FROM jobs WHERE status IN ('queued', 'running') ORDER BY id`).pluck(),
    runningNotMine: db.prepare(/* sql */ `SELECT * FROM jobs WHERE status = 'running' AND (claimed_by IS NULL OR claimed_by <> ?)`),
    retryable: db.prepare(/* sql */ `
      SELECT j.* FROM jobs j
      WHERE j.status = 'failed' AND (@batchId IS NULL OR j.batch_id = @batchId)
        AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.retried_from = j.id)
      ORDER BY j.id`),
    resultExists: db.prepare(/* sql */ `SELECT 1 FROM results WHERE settings_hash = ? LIMIT 1`).pluck(),
    pendingExists: db.prepare(/* sql */ `SELECT 1 FROM jobs WHERE settings_hash = ? AND status IN ('queued', 'running') LIMIT 1`).pluck(),
    batchPriority: db.prepare(/* sql */ `SELECT priority FROM batches WHERE id = ?`).pluck(),
    insertRetry: db.prepare(/* sql */ `
      INSERT INTO jobs (batch_id, garment_id, garment_photo_id, model_photo_id, mask_id, densepose_id, checkpoint_id, seed,
                        settings, settings_hash, steps, priority, status, retried_from, created_at, updated_at)
      SELECT batch_id, garment_id, garment_photo_id, model_photo_id, mask_id, densepose_id, checkpoint_id, seed,
             settings, settings_hash, steps, @priority, 'queued', id, @now, @now
      FROM jobs WHERE id = @id`),
    setBatchPriority: db.prepare(/* sql */ `UPDATE batches SET priority = @priority WHERE id = @batchId`),
    setQueuedPriority: db.prepare(/* sql */ `UPDATE jobs SET priority = @priority WHERE batch_id = @batchId AND status = 'queued'`),
    batch: db.prepare(/* sql */ `SELECT * FROM batches WHERE id = ?`),
    // Kept by triggers (migration 004): five rows instead of a count over every job ever run.
    countsAll: db.prepare(/* sql */ `SELECT status, n FROM job_status_counts`),
    countsBatch: db.prepare(/* sql */ `SELECT status, count(*) AS n FROM jobs WHERE batch_id = ? GROUP BY status`),
    list: db.prepare(/* sql */ `
      SELECT * FROM jobs WHERE (@batchId IS NULL OR batch_id = @batchId) AND (@status IS NULL OR status = @status) AND id > @afterId
      ORDER BY id LIMIT @limit`),
    cellWork: prepareCellWork(db),
    eta: prepareEta(db),
  };
}

export type JobStatements = ReturnType<typeof prepareJobStatements>;
