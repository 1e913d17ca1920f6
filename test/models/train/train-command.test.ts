// `leffa-studio train` in-process (the dispatcher calls runTrainCommand(argv, io)): a config file with
// relative paths, the progress bar, the final JSON line, --resume of a finished run, export, check-dataset,
// and usage errors that name the problem.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { runTrainCommand } from '../../../models/cli/train-command.ts';
import { openCheckpoint } from '../../../models/io/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'train-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture(isTTY = false) {
  const out: string[] = [], err: string[] = [];
  return { io: { stdout: (s: string) => { out.push(s); }, stderr: (s: string) => { err.push(s); }, isTTY }, out, err };
}

test('train --config runs, shows progress, writes and prunes checkpoints; export writes a complete .pth', async () => {
  const tiny = resolve(fixturesDir, 'leffa-tiny');
  writeFileSync(join(dir, 'train.json'), JSON.stringify({
    model: { weights: relative(dir, join(tiny, 'weights.safetensors')), base: relative(dir, join(tiny, 'base', 'tiny-stable-diffusion-inpainting')) },
    dataset: { type: 'synthetic', seed: 3, size: 4, holdout: 1 }, output: 'run', seed: 1,
    optimizer: { lr: 1e-4 }, stages: [{ name: 'only', steps: 2, width: 48, height: 64 }], checkpoint: { every: 1, keep: 1 },
  }));
  const a = capture();
  const code = await runTrainCommand(['--config', join(dir, 'train.json'), '--backend', 'wasm', '--threads', '1'], a.io);
  const stderr = a.err.join('');
  assert.equal(code, 0, stderr);
  assert.match(stderr, /stage 1 "only": 48x64, 2 steps/);
  assert.match(stderr, /train \[#+\.*\] 1\/2 loss \d\.\d{4} \(diff \d\.\d{4}\) lr 1\.0e-4/);
  assert.match(stderr, /train \[#+\] 2\/2/);
  assert.match(stderr, /done: step 2, checkpoint .*step-00000002/);
  const final = JSON.parse(a.out.join(''));
  assert.equal(final.step, 2);
  assert.ok(!existsSync(join(dir, 'run', 'checkpoints', 'step-00000001')), 'keep: 1 prunes older checkpoints');

  const e = capture();
  assert.equal(await runTrainCommand(['export', '--checkpoint', final.checkpoint, '--out', join(dir, 'ft.pth')], e.io), 0, e.err.join(''));
  assert.match(e.err.join(''), /wrote .*ft\.pth \(pth, ema weights: \d+ trained tensors, \d+ copied from the base\)/);
  const src = openCheckpoint(join(dir, 'ft.pth'));
  assert.ok(src.has('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight'));
  src.close();
});

test('usage errors and dataset checks name the problem', async () => {
  const a = capture();
  assert.equal(await runTrainCommand([], a.io), 2);
  assert.match(a.err.join(''), /--config is required/);
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ output: 'x', dataset: { path: 'd' }, stages: [{ steps: 1, width: 50, height: 64 }], model: { weights: 'w.pth' } }));
  const b = capture();
  assert.equal(await runTrainCommand(['--config', join(dir, 'bad.json')], b.io), 2);
  assert.match(b.err.join(''), /stages\[0\]\.width = 50; expected a positive multiple of 8/);
  const c = capture();
  assert.equal(await runTrainCommand(['check-dataset', join(dir, 'nowhere')], c.io), 1);
  assert.match(c.err.join(''), /nowhere\/pairs\.jsonl: not found/);
  const d = capture();
  assert.equal(await runTrainCommand(['export', '--checkpoint', dir], d.io), 2);
  assert.match(d.err.join(''), /export needs --checkpoint DIR and --out FILE/);
});
