// `leffa-studio tryon` and `leffa-studio pose`: one image from the command line, with a progress bar on
// stderr, the settings embedded in the PNG and a JSON sidecar that makes the result re-runnable.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, shutdownBackend, type RequestedBackend } from '../backend/index.ts';
import { encodePng } from '../image/index.ts';
import { openLeffa } from '../leffa/open.ts';
import { makeRecord, withRun } from '../pipelines/record.ts';
import { withProvenance } from '../provenance/embed.ts';
import { engineProvenance } from '../provenance/info.ts';
import { writeFileAtomic } from '../io/write-file-atomic.ts';
import { CATEGORIES, poseTransfer, tryOn, type GarmentCategory, type GenerationSettings, type Sampler } from '../pipelines/tryon.ts';
import { formatMs, ProgressBar, progressLine } from './progress.ts';
import type { CliIO } from './io.ts';

const COMMON = {
  weights: { type: 'string' }, base: { type: 'string' }, out: { type: 'string' },
  steps: { type: 'string' }, guidance: { type: 'string' }, 'guidance-rescale': { type: 'string' }, phi: { type: 'string' },
  seed: { type: 'string' }, 'ref-acceleration': { type: 'boolean' }, sampler: { type: 'string' },
  width: { type: 'string' }, height: { type: 'string' }, 'densepose-format': { type: 'string' },
  backend: { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean' },
} as const;

export const TRYON_HELP = `leffa-studio tryon --person P --garment G --mask M --densepose D --weights W --out OUT.png [options]
  --category upper_body|lower_body|dresses   garment category (recorded; default upper_body)
  --steps N (30)  --guidance G (2.5)  --seed S (42)  --ref-acceleration  --repaint
  --sampler ddpm|ddim (ddpm)  --guidance-rescale reference|standard|off (reference)  --phi F (0.7, with standard)
  --width W --height H   model canvas (768x1024 for the released models)
  --base DIR             diffusers base config folder (default: recognised from the checkpoint)
  --backend auto|tensorflow|wasm|cpu  --threads N`;

export const POSE_HELP = `leffa-studio pose --reference P --target T --densepose D --weights W --out OUT.png [options]
  --reference: the person whose appearance is transferred; --target: a photo in the target pose (its frame
  is kept); --densepose: the target's DensePose image ([U,V,I] for the released pose model)
  --densepose-format image|iuv-training (image: as the reference app feeds it; see spec §3.7)
  --steps N (30)  --guidance G (2.5)  --seed S (42)  --ref-acceleration  --sampler ddpm|ddim
  --base DIR  --backend auto|tensorflow|wasm|cpu  --threads N`;

function num(v: string | undefined, flag: string, int: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new UsageError(`--${flag} = ${JSON.stringify(v)}; expected ${int ? 'an integer' : 'a number'}`);
  return n;
}

export class UsageError extends Error { constructor(m: string) { super(m); this.name = 'UsageError'; } }

function need(v: string | undefined, flag: string): string {
  if (!v) throw new UsageError(`--${flag} is required`);
  if (flag !== 'out' && !existsSync(v)) throw new UsageError(`--${flag} ${v}: no such file`);
  return v;
}

function writeJsonAtomic(path: string, data: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(tmp, path);
}

export async function runGenerateCommand(task: 'tryon' | 'pose', argv: string[], io: CliIO): Promise<number> {
  const options = task === 'tryon'
    ? { ...COMMON, person: { type: 'string' }, garment: { type: 'string' }, mask: { type: 'string' }, densepose: { type: 'string' }, category: { type: 'string' }, repaint: { type: 'boolean' } } as const
    : { ...COMMON, reference: { type: 'string' }, target: { type: 'string' }, densepose: { type: 'string' } } as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    io.stderr(`${(e as Error).message}\n\n${task === 'tryon' ? TRYON_HELP : POSE_HELP}\n`);
    return 2;
  }
  if (values.help) { io.stdout(`${task === 'tryon' ? TRYON_HELP : POSE_HELP}\n`); return 0; }
  const s = (k: string) => values[k] as string | undefined;
  try {
    const weights = need(s('weights'), 'weights');
    const out = need(s('out'), 'out');
    const inputs: Record<string, string> = task === 'tryon'
      ? { person: need(s('person'), 'person'), garment: need(s('garment'), 'garment'), mask: need(s('mask'), 'mask'), densepose: need(s('densepose'), 'densepose') }
      : { reference: need(s('reference'), 'reference'), target: need(s('target'), 'target'), densepose: need(s('densepose'), 'densepose') };
    const category = (s('category') ?? 'upper_body') as GarmentCategory;
    if (task === 'tryon' && !CATEGORIES.includes(category)) throw new UsageError(`--category = ${JSON.stringify(category)}; expected one of ${CATEGORIES.join(', ')}`);
    const settings: Partial<GenerationSettings> = {
      steps: num(s('steps'), 'steps', true), guidanceScale: num(s('guidance'), 'guidance', false), seed: num(s('seed'), 'seed', true),
      guidancePhi: num(s('phi'), 'phi', false), width: num(s('width'), 'width', true), height: num(s('height'), 'height', true),
      refAcceleration: Boolean(values['ref-acceleration']),
      ...(task === 'tryon' ? { category, repaint: Boolean(values.repaint) } : {}),
      ...(s('sampler') ? { sampler: s('sampler') as Sampler } : {}),
      ...(s('guidance-rescale') ? { guidanceRescale: s('guidance-rescale') as GenerationSettings['guidanceRescale'] } : {}),
      ...(s('densepose-format') ? { denseposeFormat: s('densepose-format') as GenerationSettings['denseposeFormat'] } : {}),
    };
    for (const k of Object.keys(settings) as (keyof GenerationSettings)[]) if (settings[k] === undefined) delete settings[k];
    const info = await initBackend({ backend: s('backend') as RequestedBackend | undefined, threads: num(s('threads'), 'threads', true), log: (m) => io.stderr(`${m}\n`) });
    try {
      io.stderr(`loading ${weights}\n`);
      const model = openLeffa(weights, { base: s('base') });
      try {
        const bar = new ProgressBar(io.stderr, io.isTTY);
        const onStep = (i: { step: number; steps: number; stepMs: number; etaMs: number }) =>
          bar.update(progressLine(task, i.step + 1, i.steps, `${formatMs(i.stepMs)}/step, ETA ${formatMs(i.etaMs)}`));
        const res = task === 'tryon'
          ? await tryOn(model, { person: inputs.person!, garment: inputs.garment!, mask: inputs.mask!, densepose: inputs.densepose!, settings, onStep })
          : await poseTransfer(model, { reference: inputs.reference!, target: inputs.target!, densepose: inputs.densepose!, settings, onStep });
        bar.done();
        const record = await makeRecord(task, inputs, weights, model.model.arch, model.baseFolder, res.settings);
        mkdirSync(dirname(out), { recursive: true });
        const png = await encodePng(res.photo.data, res.photo.width, res.photo.height, { text: { 'leffa-studio': JSON.stringify(record) } });
        // Every engine output says, machine-readably, that it is AI-generated (models/provenance).
        await writeFileAtomic(out, withProvenance(png, 'png', engineProvenance(task, weights, { pastedBack: res.settings.repaint === true })));
        writeJsonAtomic(`${out}.json`, withRun(record, res.timings, info.threads));
        io.stderr(`wrote ${out} (${res.photo.width}x${res.photo.height}) and ${out}.json in ${formatMs(res.timings.totalMs)}\n`);
      } finally {
        model.dispose();
      }
    } finally {
      await shutdownBackend();
    }
    return 0;
  } catch (e) {
    io.stderr(`leffa-studio ${task}: ${(e as Error).message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
