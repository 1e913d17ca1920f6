// `npm run parity -- <fixture-dir> [<fixture-dir> ...] [--backend wasm|cpu|...] [--weights safetensors|pth|both] [--only id,id]`
// Prints one line per output tensor (max-abs error and error relative to max|reference|) and a summary;
// exits 1 if any tensor is outside the tolerance, a record failed, or a record with a handler was skipped.
import { parseArgs } from 'node:util';
import { initBackend, shutdownBackend } from '../backend/index.ts';
import type { RequestedBackend } from '../backend/index.ts';
import { ALL_HANDLERS } from './handlers/index.ts';
import { runParity } from './runner.ts';

const USAGE = 'usage: npm run parity -- <fixture-dir> [...] [--backend auto|tensorflow|webgpu|wasm|cpu] [--weights safetensors|pth|both] [--only id,id] [--quiet]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      backend: { type: 'string' },
      weights: { type: 'string', default: 'both' },
      only: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const weights: string[] = values.weights === 'both' ? ['safetensors', 'pth'] : [values.weights ?? 'both'];
  if (!weights.every((w) => w === 'safetensors' || w === 'pth')) {
    console.error(`--weights = ${values.weights}; expected safetensors, pth or both`);
    return 2;
  }
  const info = await initBackend({ backend: values.backend as RequestedBackend | undefined, log: (m) => console.log(`# ${m}`) });
  let bad = 0;
  try {
    for (const dir of positionals) {
      console.log(`# parity: ${dir} on ${info.name}`);
      const t0 = performance.now();
      const s = await runParity(dir, ALL_HANDLERS, {
        weights: weights as ('safetensors' | 'pth')[],
        only: values.only?.split(','),
        log: values.quiet ? undefined : (l) => console.log(l),
      });
      const tensors = s.results.reduce((a, r) => a + r.comparisons.length, 0);
      const worst = s.results.flatMap((r) => r.comparisons).filter((c) => c.kind === 'float' && Number.isFinite(c.relErr)).reduce((a, c) => Math.max(a, c.relErr), 0);
      console.log(`# ${dir}: ${s.passed} record runs passed, ${s.failed} failed; ${tensors} tensors compared, worst float relative error ${worst.toExponential(2)}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      if (s.unsupported.length) console.log(`# records without a handler (not checked): ${s.unsupported.join(', ')}`);
      for (const r of s.results.filter((x) => x.error || x.comparisons.some((c) => !c.ok))) {
        console.log(`# FAILED ${r.record}${r.weights ? ` (${r.weights})` : ''}: ${r.error ?? r.comparisons.filter((c) => !c.ok).map((c) => c.name).join(', ')}`);
      }
      bad += s.failed;
    }
  } finally {
    await shutdownBackend();
  }
  return bad === 0 ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  console.error(`parity: ${(e as Error).message}`);
  process.exitCode = 1;
});
