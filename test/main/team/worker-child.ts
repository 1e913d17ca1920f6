// A team worker process for the tests: the real `leffa-studio worker` command (runWorkerCommand) with
// its events as JSON lines on stdout, written synchronously so the parent sees every line printed
// before a SIGKILL. Not a test file itself.
//   argv               the worker command's arguments
//   HOLD_AT_CELL=n     at the first denoising step of the n-th cell it claims, print "holding" and block
//                      (the main thread stops, BullMQ lock renewal included), so the parent's SIGKILL
//                      lands mid-cell however fast the machine is
import { writeSync } from 'node:fs';
import { runWorkerCommand } from '../../../main/team/worker-command.ts';

const holdAt = Number(process.env.HOLD_AT_CELL ?? 0);
let cells = 0;
let lastKey = '';
const code = await runWorkerCommand(process.argv.slice(2), { stdout: (s) => writeSync(1, s), stderr: (s) => writeSync(2, s), isTTY: false }, {
  onStep: ({ key, jobId, step }) => {
    if (key !== lastKey) {
      lastKey = key;
      cells++;
    }
    if (cells === holdAt && step === 1) {
      writeSync(1, `${JSON.stringify({ event: 'holding', key, jobId })}\n`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); // a hung cell, until killed
    }
  },
});
process.exit(code);
