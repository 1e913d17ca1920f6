// The job state machine. A job is queued, then running, then ends succeeded, failed or cancelled; the
// three end states are final. running -> queued exists for two reasons only: recovery of a cell whose
// runner died (crash, kill -9) and a runner that stops mid-cell on purpose (app quit). "Retry" never
// revives a finished job; it makes a new one that points back at it (retried_from).
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>(['succeeded', 'failed', 'cancelled']);

const NEXT: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled', 'queued'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function allowedNext(status: JobStatus): readonly JobStatus[] {
  return NEXT[status];
}

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return NEXT[from].includes(to);
}
