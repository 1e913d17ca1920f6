// The CLI as a user runs it (inputs built as in test/models/cli/tryon-cli.test.ts): every PNG it writes
// carries the XMP marking (source type per task, generator and version, checkpoint and licence) beside the
// reproducibility text chunk. Read back with sharp, not with our own parser's container code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { assetsDir, fixturesDir, repoRoot } from '../../helpers/fixtures.ts';
import { parsePngText } from '../../../models/image/png_text.ts';
import { DIGITAL_SOURCE_TYPES, readProvenance } from '../../../models/provenance/index.ts';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const person = join(assetsDir, 'people', 'grace_hopper.jpg');
let dir = '';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'leffa-studio.mjs'), ...args], {
    encoding: 'utf8', env: { ...process.env, LEFFA_CACHE_DIR: dir, LEFFA_BACKEND: 'wasm' }, timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leffa-cli-prov-'));
  const { width: W, height: H } = await sharp(person).metadata();
  const mask = Buffer.alloc(W! * H!);
  for (let y = Math.floor(H! * 0.5); y < H!; y++) mask.fill(255, y * W! + Math.floor(W! * 0.2), y * W! + Math.floor(W! * 0.8));
  await sharp(mask, { raw: { width: W!, height: H!, channels: 1 } }).png().toFile(join(dir, 'mask.png'));
  await sharp(Buffer.alloc(W! * H! * 3, 40), { raw: { width: W!, height: H!, channels: 3 } }).png().toFile(join(dir, 'dp.png'));
  await sharp(join(assetsDir, 'garments', 't-shirt_01.svg')).png().toFile(join(dir, 'garment.png'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('tryon output: AI media (composite with --repaint), generator, checkpoint and licence, text chunk kept', async () => {
  const tiny = join(fixturesDir, 'leffa-tiny');
  const out = join(dir, 'tryon.png');
  const r = cli(['tryon', '--person', person, '--garment', join(dir, 'garment.png'), '--mask', join(dir, 'mask.png'), '--densepose', join(dir, 'dp.png'),
    '--weights', join(tiny, 'weights.pth'), '--base', join(tiny, 'base', 'tiny-stable-diffusion-inpainting'), '--steps', '2', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const bytes = readFileSync(out);
  const p = await readProvenance(bytes);
  assert.ok(p, 'the CLI output has XMP');
  assert.equal(p.digitalSourceType, DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia, 'every pixel decoded from the latent');
  assert.deepEqual(p.generator, { name: 'Leffa Studio', version });
  assert.deepEqual(p.checkpoint, { name: 'weights.pth', licence: 'unknown', source: null }, 'a fixture is no Hub checkpoint: licence unknown, not guessed');
  assert.equal(p.task, 'tryon');
  const record = JSON.parse(parsePngText(bytes)['leffa-studio']!);
  assert.equal(record.settings.steps, 2, 'the reproducibility record is still embedded');

  // --repaint pastes the result back into the photo: the pixels outside the mask are the photo's own.
  const pasted = join(dir, 'tryon-repaint.png');
  const r2 = cli(['tryon', '--person', person, '--garment', join(dir, 'garment.png'), '--mask', join(dir, 'mask.png'), '--densepose', join(dir, 'dp.png'),
    '--weights', join(tiny, 'weights.pth'), '--base', join(tiny, 'base', 'tiny-stable-diffusion-inpainting'), '--steps', '2', '--repaint', '--out', pasted]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal((await readProvenance(readFileSync(pasted)))!.digitalSourceType, DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia);
});

test('pose output: wholly AI media', async () => {
  const tinyXl = join(fixturesDir, 'leffa-tiny-xl');
  const out = join(dir, 'pose.png');
  const r = cli(['pose', '--reference', person, '--target', person, '--densepose', join(dir, 'dp.png'),
    '--weights', join(tinyXl, 'weights.pth'), '--base', join(tinyXl, 'base', 'tiny-stable-diffusion-xl-1.0-inpainting-0.1'), '--steps', '2', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const p = await readProvenance(readFileSync(out));
  assert.equal(p?.digitalSourceType, DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia);
  assert.equal(p?.generator.version, version);
  assert.equal(p?.task, 'pose');
});
