// Child process for the crash test: opens a project, runs its queue with the tiny model until idle,
// and prints one JSON line per event on stdout (written synchronously, so the parent sees every line
// written before a SIGKILL). Not a test file itself.
//   argv[2]            the project folder
//   CRASH_AFTER_BLOB=n  SIGKILL itself right after the n-th result image file is written, before its
//                      row commits (the window the "results keyed by job" rule is for)
//   HOLD_AT_CELL=n     after the first denoising step of the n-th cell it runs, print "holding" and
//                      block, so the parent's SIGKILL lands mid-cell however fast the machine is
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../../models/backend/index.ts';
import { openProject } from '../../../main/store/index.ts';
import { JobStore, QueueRunner, type RunCell } from '../../../main/queue/index.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { tinyRunCell } from './tiny-run-cell.ts';

const log = (event: Record<string, unknown>) => writeSync(1, `${JSON.stringify(event)}\n`);

await initBackend({ backend: 'wasm', log: () => {} });
const project = await openProject({ dir: process.argv[2]!, checkOrphans: 'clean' });
log({ event: 'open', orphanFiles: project.startupCheck?.orphanFiles ?? [] });

const crashAfter = Number(process.env.CRASH_AFTER_BLOB ?? 0);
if (crashAfter > 0) {
  const files = project.files;
  const putBytes = files.putBytes.bind(files);
  let n = 0;
  files.putBytes = async (bytes) => {
    const blob = await putBytes(bytes);
    if (++n === crashAfter) {
      log({ event: 'crash-after-blob', hash: blob.hash });
      process.kill(process.pid, 'SIGKILL');
    }
    return blob;
  };
}

const holdAt = Number(process.env.HOLD_AT_CELL ?? 0);
const runTiny = tinyRunCell(join(fixturesDir, 'leffa-tiny', 'base', 'tiny-stable-diffusion-inpainting'));
let cells = 0;
const runCell: RunCell = (cell, ctx) => {
  const n = ++cells;
  return runTiny(cell, {
    ...ctx,
    onProgress: (p) => {
      ctx.onProgress(p);
      if (n === holdAt && p.step === 1) {
        log({ event: 'holding', jobId: cell.jobId });
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000); // a hung step, until killed
      }
    },
  });
};

const jobs = new JobStore(project);
jobs.events.on('job-status', (e) => log({ event: e.to, jobId: e.jobId, attempt: e.attempt }));
jobs.events.on('job-progress', (e) => log({ event: 'step', jobId: e.jobId, step: e.step }));
const runner = new QueueRunner({
  jobs,
  runCell,
  workerId: `child-${process.pid}`,
  progressIntervalMs: 0,
  onFatal: (err) => {
    log({ event: 'fatal', message: String(err) });
    process.exit(1);
  },
});
log({ event: 'recovered', ...runner.start() });
await runner.whenIdle();
await runner.stop();
project.close();
log({ event: 'idle' });
