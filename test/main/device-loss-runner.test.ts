// The queue runner's policy for device faults (no GPU needed; the WebGPU end-to-end version is
// device-loss-queue.slow.test.ts): a cell whose engine run fails with a device fault (the names the
// engine host gives a lost GPU device or GPU out-of-memory) goes back to the queue by itself with the
// fault as its error, runs again as attempt 2 and stores its result; a second fault on the retry fails
// the cell for good; any other error fails it at once. The cells run the tiny Leffa model for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { JobStore, QueueRunner, type QueueEvent } from '../../main/queue/index.ts';
import type { RunCell } from '../../main/queue/runner.ts';
import { fixturesDir } from '../helpers/fixtures.ts';
import { tempProject } from './store/helpers.ts';
import { addFixture } from './queue/helpers.ts';
import { tinyRunCell } from './queue/tiny-run-cell.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
const runTiny = tinyRunCell(join(tiny, 'base', 'tiny-stable-diffusion-inpainting'));

function fault(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/** The tiny model, except that the listed (jobId, attempt) runs fail after their first step with `error`. */
function faulty(failures: Map<string, Error>): RunCell {
  return async (cell, ctx) => {
    const error = failures.get(`${cell.jobId}/${cell.attempt}`);
    if (!error) return runTiny(cell, ctx);
    ctx.onProgress({ step: 1, steps: cell.settings.steps });
    throw error;
  };
}

test('device faults: retried once by itself (attempt 2), a second fault fails the cell, other errors fail at once', async () => {
  const t = await tempProject();
  try {
    const fx = await addFixture(t.project, { garments: 1, people: 3, checkpointFile: join(tiny, 'weights.safetensors') });
    const jobs = new JobStore(t.project);
    jobs.enqueueBatch({ name: 'faults', checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1], settings: [{ steps: 1 }] });
    const [a, b, c] = jobs.list();
    const lost = 'the WebGPU device (Test GPU) was lost (destroyed) while running this cell; the host re-created the WebGPU device on Test GPU. The cell is retried.';
    const failures = new Map<string, Error>([
      [`${a!.id}/1`, fault('WebGPUDeviceLostError', lost)],
      [`${b!.id}/1`, fault('WebGPUOutOfMemoryError', 'the GPU ran out of memory while running this cell')],
      [`${b!.id}/2`, fault('WebGPUDeviceLostError', 'lost again')],
      [`${c!.id}/1`, new Error('the checkpoint does not match the model')],
    ]);
    const events: QueueEvent[] = [];
    jobs.events.on('job-status', (e) => events.push(e));
    const runner = new QueueRunner({ jobs, runCell: faulty(failures) });
    runner.start();
    await runner.whenIdle();
    await runner.stop();

    const moves = (id: number) => events.filter((e) => e.type === 'job-status' && e.jobId === id).map((e) => e.type === 'job-status' && [e.to, e.attempt, e.error ?? null]);
    // a: lost once, back to the queue with the clear message, then succeeds as attempt 2.
    assert.deepEqual(moves(a!.id), [['running', 1, null], ['queued', 1, lost], ['running', 2, null], ['succeeded', 2, null]]);
    const result = t.project.results.byJob(a!.id)!;
    assert.equal((result.record as { attempt: number }).attempt, 2);
    // b: out of memory, retried, lost again: failed with the second fault, not retried a third time.
    assert.deepEqual(moves(b!.id).map((m) => m && m.slice(0, 2)), [['running', 1], ['queued', 1], ['running', 2], ['failed', 2]]);
    const bJob = jobs.get(b!.id)!;
    assert.deepEqual([bJob.error?.type, bJob.error?.message], ['WebGPUDeviceLostError', 'lost again']);
    // c: an ordinary error fails at once.
    assert.deepEqual(moves(c!.id).map((m) => m && m.slice(0, 2)), [['running', 1], ['failed', 1]]);
    assert.deepEqual(jobs.counts(), { queued: 0, running: 0, succeeded: 1, failed: 2, cancelled: 0, total: 3 });
  } finally {
    await t.cleanup();
  }
});
