// Time left, from measured step times: the mean time per denoising step of the most recently finished
// cells, times the steps still to run (queued cells' steps plus what is left of running ones). Step time
// rather than cell time, because cells of one queue can ask for 8 or 50 steps.
import type { DB } from '../store/database.ts';

export interface QueueEta {
  /** Denoising steps left in queued and running cells. */
  remainingSteps: number;
  /** Mean measured time per step over the last finished cells; null before any cell finished. */
  msPerStep: number | null;
  /** remainingSteps × msPerStep; null while msPerStep is unknown. */
  etaMs: number | null;
}

/** How many recent cells the step time is averaged over: enough to smooth noise, few enough to follow a backend change. */
const WINDOW = 20;

export function prepareEta(db: DB) {
  return {
    recent: db.prepare(/* sql */ `
      SELECT avg(step_ms) FROM (SELECT step_ms FROM jobs WHERE status = 'succeeded' AND step_ms IS NOT NULL ORDER BY id DESC LIMIT ${WINDOW})`).pluck(),
    remainingAll: db.prepare(/* sql */ `
      SELECT coalesce(sum(CASE status WHEN 'queued' THEN steps ELSE steps * (1 - progress) END), 0)
      FROM jobs WHERE status IN ('queued', 'running')`).pluck(),
    remainingBatch: db.prepare(/* sql */ `
      SELECT coalesce(sum(CASE status WHEN 'queued' THEN steps ELSE steps * (1 - progress) END), 0)
      FROM jobs WHERE batch_id = ? AND status IN ('queued', 'running')`).pluck(),
  };
}

export function computeEta(stmts: ReturnType<typeof prepareEta>, batchId?: number): QueueEta {
  const msPerStep = (stmts.recent.get() as number | null) ?? null;
  const remainingSteps = Math.round((batchId === undefined ? stmts.remainingAll.get() : stmts.remainingBatch.get(batchId)) as number);
  return { remainingSteps, msPerStep, etaMs: msPerStep === null ? null : Math.round(remainingSteps * msPerStep) };
}
