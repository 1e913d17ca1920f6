// `leffa-studio train`: fine-tune Leffa from a train.json (models/train/README.md documents it), with a
// progress bar on stderr, resumable (--resume, or Ctrl-C which pauses with a checkpoint), plus the export
// and dataset-check subcommands. The dispatcher (models/cli/main.ts) calls runTrainCommand(argv, io).
//   leffa-studio train --config train.json [--resume] [--backend B] [--threads N]
//   leffa-studio train export --checkpoint DIR --out model.pth|model.safetensors [--weights ema|live] [--base W] [--adapter]
//   leffa-studio train check-dataset DIR [--holdout N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initBackend, shutdownBackend, type RequestedBackend } from '../backend/index.ts';
import { ConfigError, configDir, parseTrainConfig } from '../train/config.ts';
import { validateDataset } from '../train/dataset.ts';
import type { TrainEvent } from '../train/events.ts';
import { exportLoraAdapter, exportModel } from '../train/export.ts';
import { createTrainer } from '../train/setup.ts';
import { formatMs, ProgressBar, progressLine } from './progress.ts';
import { processIO, type CliIO } from './io.ts';

export const TRAIN_HELP = `leffa-studio train --config train.json [options]
  fine-tune both UNets (or a LoRA) on a dataset folder; see models/train/README.md for train.json
  --resume            continue from the newest checkpoint in the run's output folder
  --backend auto|tensorflow|webgpu|wasm|cpu  --threads N
      auto (default) takes the fastest present, as measured for training (models/train/README.md): tfjs-node-gpu,
      a hardware WebGPU adapter, tfjs-node, wasm with one thread per core (up to 8), cpu
  Ctrl-C pauses: the current step finishes, a checkpoint is written, --resume continues.
leffa-studio train export --checkpoint DIR --out FILE [--weights ema|live] [--base WEIGHTS] [--adapter]
  write a complete state dict (.pth or .safetensors) the Python app loads; --adapter: LoRA runs only, the
  adapter alone (PEFT key names) plus adapter_config.json
leffa-studio train check-dataset DIR [--holdout N]
  validate a dataset folder (pairs.jsonl and every file it names)`;

class UsageError extends Error { constructor(m: string) { super(m); this.name = 'UsageError'; } }

function intArg(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag} = ${JSON.stringify(v)}; expected a non-negative integer`);
  return n;
}

/** One line per event for a log (non-TTY), or the progress bar's text. */
export function describeEvent(e: TrainEvent): string | null {
  switch (e.type) {
    case 'start': return `training ${e.mode === 'lora' ? 'a LoRA' : 'both UNets'}: ${e.trainedValues.toLocaleString('en-US')} values, ${e.trainPairs} pairs (${e.heldOutPairs} held out), ${e.totalSteps} steps${e.resumedFrom ? `, resuming at step ${e.step} from ${e.resumedFrom}` : ''}`;
    case 'stage': return `stage ${e.stage + 1} "${e.name}": ${e.width}x${e.height}, ${e.steps} steps, batch ${e.batchSize}x${e.gradAccum}, Leffa weight ${e.leffaWeight}`;
    case 'checkpoint': return `checkpoint ${e.dir}`;
    case 'sample': return `samples ${e.files.join(', ')}`;
    case 'done': return e.cancelled ? `paused at step ${e.step}; continue with --resume (${e.checkpoint})` : `done: step ${e.step}, checkpoint ${e.checkpoint}`;
    case 'step': {
      const l = e.loss;
      return progressLine('train', e.step, e.totalSteps, `loss ${l.total.toFixed(4)} (diff ${l.diffusion.toFixed(4)}${l.leffa !== null ? `, leffa ${l.leffa.toFixed(4)}` : ''}) lr ${e.lr.toExponential(1)} ${formatMs(e.stepMs)}/step ETA ${formatMs(e.etaMs)}`);
    }
  }
}

async function train(values: Record<string, string | boolean | undefined>, io: CliIO): Promise<number> {
  const path = values.config as string | undefined;
  if (!path) throw new UsageError('--config is required');
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new UsageError(`--config ${path}: ${(e as Error).message}`); }
  const config = parseTrainConfig(raw, configDir(path));
  await initBackend({ backend: values.backend as RequestedBackend | undefined, threads: intArg(values.threads as string | undefined, 'threads'), log: (m) => io.stderr(`${m}\n`) });
  const ac = new AbortController();
  const onSigint = () => { io.stderr('\nstopping after this step (Ctrl-C again to quit at once)\n'); ac.abort(); process.off('SIGINT', onSigint); };
  process.on('SIGINT', onSigint);
  try {
    const trainer = await createTrainer(config);
    try {
      const bar = new ProgressBar(io.stderr, io.isTTY);
      const res = await trainer.run({
        resume: Boolean(values.resume), signal: ac.signal,
        onEvent: (e) => {
          const line = describeEvent(e);
          if (!line) return;
          if (e.type === 'step') bar.update(line);
          else { bar.done(); io.stderr(`${line}\n`); }
        },
      });
      bar.done();
      if (res.lastLoss) io.stdout(`${JSON.stringify({ step: res.step, checkpoint: res.checkpoint, cancelled: res.cancelled, loss: res.lastLoss })}\n`);
    } finally {
      trainer.dispose();
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    shutdownBackend();
  }
}

export async function runTrainCommand(argv: string[], io: CliIO): Promise<number> {
  const sub = argv[0] === 'export' || argv[0] === 'check-dataset' ? argv[0] : null;
  const args = sub ? argv.slice(1) : argv;
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args, strict: true, allowPositionals: sub === 'check-dataset',
      options: {
        config: { type: 'string' }, resume: { type: 'boolean' }, backend: { type: 'string' }, threads: { type: 'string' },
        checkpoint: { type: 'string' }, out: { type: 'string' }, weights: { type: 'string' }, base: { type: 'string' }, adapter: { type: 'boolean' },
        holdout: { type: 'string' }, help: { type: 'boolean' },
      },
    }) as typeof parsed;
  } catch (e) {
    io.stderr(`${(e as Error).message}\n\n${TRAIN_HELP}\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) { io.stdout(`${TRAIN_HELP}\n`); return 0; }
  try {
    if (sub === 'export') {
      if (!v.checkpoint || !v.out) throw new UsageError('export needs --checkpoint DIR and --out FILE');
      const weights = v.weights as 'ema' | 'live' | undefined;
      if (weights !== undefined && weights !== 'ema' && weights !== 'live') throw new UsageError(`--weights = ${JSON.stringify(weights)}; expected ema or live`);
      const r = v.adapter
        ? exportLoraAdapter(v.checkpoint as string, v.out as string, weights)
        : exportModel({ checkpoint: v.checkpoint as string, out: v.out as string, weights, base: v.base as string | undefined });
      io.stderr(`wrote ${r.path} (${r.format}, ${r.weights} weights: ${r.trained} trained tensors, ${r.copied} copied from the base)\n`);
      return 0;
    }
    if (sub === 'check-dataset') {
      const dir = parsed.positionals[0];
      if (!dir) throw new UsageError('check-dataset needs the dataset folder');
      const records = await validateDataset(dir, intArg(v.holdout as string | undefined, 'holdout') ?? 0);
      const held = records.filter((r) => r.split === 'heldout').length;
      io.stdout(`${dir}: ${records.length} valid pairs (${records.length - held} for training, ${held} held out)\n`);
      return 0;
    }
    return await train(v, io);
  } catch (e) {
    io.stderr(`leffa-studio train${sub ? ` ${sub}` : ''}: ${(e as Error).message}\n`);
    return e instanceof UsageError || e instanceof ConfigError ? 2 : 1;
  }
}

// Runnable on its own until the dispatcher routes `leffa-studio train` here: node --import tsx models/cli/train-command.ts ...
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  runTrainCommand(process.argv.slice(2), processIO).then((code) => { process.exitCode = code; });
}
