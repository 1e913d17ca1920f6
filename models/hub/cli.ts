// `leffa models …` subcommands, as a function the CLI dispatcher calls (wired elsewhere): list, download,
// verify. Results go to stdout; progress, warnings and errors to stderr. Exit codes: 0 success, 1 failure,
// 2 usage error, 130 cancelled.
import { CATALOGUE, knownModelIds, getModel } from './catalogue.ts';
import { baseConfigFolder } from './base-configs.ts';
import { HubError } from './errors.ts';
import { formatBytes } from './format.ts';
import { downloadModels, findCachedModel, verify, type ManagerOptions, type ModelRecord, type VerifyResult } from './manager.ts';
import { progressBar } from './progress-bar.ts';
import { resolveHubSettings } from './settings.ts';

export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const HELP = `Usage: leffa models <command> [options]

Manage the Leffa checkpoints (Hugging Face repo franciszzj/Leffa) in the Hugging Face cache.

Commands:
  list                      the known models, their size and whether they are cached
  download <id> [<id>...]   download (or find in the cache) and verify; resumes an interrupted download
  verify <id>               re-hash the cached checkpoint and compare it with the Hub's SHA-256

Options:
  --revision <rev>          branch, tag or commit (default: main)
  --json                    machine-readable output on stdout (list, download, verify)
  --remove-corrupt          verify: delete a corrupt file so the next download fetches it again
  -h, --help                this help

Environment (as the Python huggingface_hub client reads it):
  HF_HOME, HF_HUB_CACHE     cache location (default ~/.cache/huggingface/hub)
  HF_ENDPOINT               Hub mirror URL
  HF_TOKEN                  access token (hf_...)
  HF_HUB_OFFLINE=1          use only the cache, never the network

Model ids: ${knownModelIds().join(', ')}
`;

interface Parsed {
  positional: string[];
  revision?: string;
  json: boolean;
  removeCorrupt: boolean;
  help: boolean;
}

function parseArgs(args: string[]): Parsed {
  const out: Parsed = { positional: [], json: false, removeCorrupt: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') out.help = true;
    else if (a === '--json') out.json = true;
    else if (a === '--remove-corrupt') out.removeCorrupt = true;
    else if (a === '--revision' || a.startsWith('--revision=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (!v) throw new UsageError('--revision needs a value, e.g. --revision main');
      out.revision = v;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${JSON.stringify(a)}`);
    else out.positional.push(a);
  }
  return out;
}

class UsageError extends Error {}

/**
 * Runs `models <command>`; `argv` is what follows "models" (a leading "models" is accepted too).
 * `opts` passes manager options through (an AbortSignal for Ctrl-C, test hooks).
 */
export async function runModelsCommand(argv: string[], io: CommandIO, opts: ManagerOptions = {}): Promise<number> {
  const args = argv[0] === 'models' ? argv.slice(1) : argv;
  let parsed: Parsed;
  try {
    parsed = parseArgs(args);
  } catch (e) {
    io.stderr(`error: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const [command, ...rest] = parsed.positional;
  if (parsed.help || command === 'help') {
    io.stdout(HELP);
    return 0;
  }
  const mopts: ManagerOptions = { ...opts, ...(parsed.revision ? { revision: parsed.revision } : {}) };
  try {
    switch (command) {
      case 'list':
        return await listCommand(io, parsed, mopts);
      case 'download':
        if (rest.length === 0) return usage(io, `download needs a model id (${knownModelIds().join(', ')})`);
        return await downloadCommand(rest, io, parsed, mopts);
      case 'verify':
        if (rest.length !== 1) return usage(io, `verify needs exactly one model id (${knownModelIds().join(', ')})`);
        return await verifyCommand(rest[0]!, io, parsed, mopts);
      case undefined:
        return usage(io, 'missing command');
      default:
        return usage(io, `unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof HubError) {
      io.stderr(`error: ${e.message}\n`);
      return e.code === 'aborted' ? 130 : 1;
    }
    throw e;
  }
}

function usage(io: CommandIO, message: string): number {
  io.stderr(`error: ${message}\n\n${HELP}`);
  return 2;
}

async function listCommand(io: CommandIO, parsed: Parsed, opts: ManagerOptions): Promise<number> {
  const rows = [];
  for (const m of CATALOGUE) {
    const cached = await findCachedModel(m.id, opts);
    rows.push({ ...m, baseConfigFolder: baseConfigFolder(m.arch), cached: cached !== null, path: cached?.path ?? null });
  }
  if (parsed.json) {
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  io.stdout(`cache: ${resolveHubSettings(opts).cacheDir}\n`);
  for (const r of rows) {
    io.stdout(`${r.id.padEnd(10)} ${r.arch.padEnd(5)} ${formatBytes(r.sizeBytes).padStart(8)}  ${r.cached ? 'cached    ' : 'not cached'}  ${r.repo}/${r.file}\n`);
    io.stdout(`${''.padEnd(10)} ${r.title}: ${r.purpose}\n`);
  }
  return 0;
}

function describeRecord(r: ModelRecord): string {
  return `${r.id}: ${r.path}\n  ${r.repo}@${r.revision} ${r.file}, ${formatBytes(r.size)}, sha256 ${r.sha256 ?? 'unknown'}, licence ${r.licence ?? 'unknown'}\n`;
}

async function downloadCommand(ids: string[], io: CommandIO, parsed: Parsed, opts: ManagerOptions): Promise<number> {
  ids.forEach((id) => getModel(id)); // all ids known before anything starts
  const bar = progressBar(io.stderr);
  let records: ModelRecord[];
  try {
    records = await downloadModels(ids, { ...opts, onProgress: opts.onProgress ?? bar.listener });
  } finally {
    bar.close();
  }
  io.stdout(parsed.json ? `${JSON.stringify(records, null, 2)}\n` : records.map(describeRecord).join(''));
  return 0;
}

async function verifyCommand(id: string, io: CommandIO, parsed: Parsed, opts: ManagerOptions): Promise<number> {
  const bar = progressBar(io.stderr);
  let r: VerifyResult;
  try {
    r = await verify(id, { ...opts, removeIfCorrupt: parsed.removeCorrupt, onProgress: opts.onProgress ?? bar.listener });
  } finally {
    bar.close();
  }
  if (parsed.json) io.stdout(`${JSON.stringify(r, null, 2)}\n`);
  if (r.ok) {
    if (!parsed.json) io.stdout(`${id}: OK, sha256 ${r.actual} (${r.path})\n`);
    return 0;
  }
  if (r.expected === null) {
    io.stderr(`warning: ${id}: no reference SHA-256 is known offline for ${r.path}; its SHA-256 is ${r.actual}\n`);
    return 1;
  }
  io.stderr(`error: ${id}: ${r.path} is corrupt: SHA-256 ${r.actual}, expected ${r.expected}; ${r.removed ? 'it was removed, run `leffa models download ' + id + '` to fetch it again' : 'run `leffa models verify ' + id + ' --remove-corrupt`, then download it again'}\n`);
  return 1;
}
