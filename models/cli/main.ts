// leffa-studio: the headless entry to the engine (the desktop app's engine host calls the same code).
//   leffa-studio tryon ...   leffa-studio pose ...   leffa-studio models list|download|verify ...
import { runGenerateCommand } from './generate-command.ts';
import { processIO, type CliIO } from './io.ts';

const HELP = `usage: leffa-studio <command> [options]
commands:
  tryon    virtual try-on: a person photo wearing a garment
  pose     pose transfer: a person in a target pose
  models   list, download and verify the released Leffa checkpoints
  train    finetune on your own pairs (full or LoRA), resumable
  worker   a headless engine for a team queue on Redis (leffa-studio worker --help)
run 'leffa-studio <command> --help' for the options of a command`;

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'tryon':
    case 'pose':
      return runGenerateCommand(cmd, rest, io);
    case 'train': {
      const { runTrainCommand } = await import('./train-command.ts');
      return runTrainCommand(rest, io);
    }
    case 'models': {
      const { runModelsCommand } = await import('../hub/cli.ts');
      // Ctrl-C stops the download cleanly (exit 130); the partial file stays and the next run resumes it.
      const ac = new AbortController();
      const onSigint = () => { io.stderr('\nstopping; run the same command again to resume\n'); ac.abort(); process.off('SIGINT', onSigint); };
      process.on('SIGINT', onSigint);
      try {
        return await runModelsCommand(rest, io, { signal: ac.signal });
      } finally {
        process.off('SIGINT', onSigint);
      }
    }
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      io.stdout(`${HELP}\n`);
      return cmd === undefined ? 2 : 0;
    default:
      io.stderr(`leffa-studio: unknown command ${JSON.stringify(cmd)}\n${HELP}\n`);
      return 2;
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
