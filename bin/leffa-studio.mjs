#!/usr/bin/env node
// leffa-studio command line: runs models/cli/main.ts through tsx (the TypeScript sources are the program).
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
if (argv[0] === 'worker') {
  // The team-queue worker lives in main/team (it uses the engine host and the project protocol); models/
  // may not import main/, so the dispatcher for it is here.
  const { runWorkerCommand } = await import('../main/team/worker-command.ts');
  const { processIO } = await import('../models/cli/io.ts');
  process.exitCode = await runWorkerCommand(argv.slice(1), processIO);
} else {
  const { main } = await import('../models/cli/main.ts');
  process.exitCode = await main(argv);
}
