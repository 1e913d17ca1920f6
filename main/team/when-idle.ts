// "The batch is done": no cell queued or running in the project. Read from the status counts the
// database keeps (five rows), re-checked at every status event, so it works whoever runs the cells.
import type { JobStore } from '../queue/job-store.ts';

export function whenNoPending(jobs: JobStore): Promise<void> {
  const pending = () => {
    const c = jobs.counts();
    return c.queued + c.running;
  };
  if (pending() === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const off = jobs.events.on('job-status', () => {
      if (pending() === 0) {
        off();
        resolve();
      }
    });
  });
}
