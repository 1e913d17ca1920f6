// The CLI end to end, as a user runs it: real PNG files in, a PNG with its settings embedded and a JSON
// sidecar out; the same seed gives identical bytes, another seed differs; bad input gets a clear message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { assetsDir, fixturesDir, repoRoot } from '../../helpers/fixtures.ts';
import { readPngText } from '../../../models/image/index.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
let dir = '';
const person = join(assetsDir, 'people', 'grace_hopper.jpg');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'leffa-studio.mjs'), ...args], {
    encoding: 'utf8', env: { ...process.env, LEFFA_CACHE_DIR: dir, LEFFA_BACKEND: 'wasm' }, timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

const base = () => ['--person', person, '--garment', join(dir, 'garment.png'), '--mask', join(dir, 'mask.png'), '--densepose', join(dir, 'dp.png'),
  '--weights', join(tiny, 'weights.pth'), '--base', join(tiny, 'base', 'tiny-stable-diffusion-inpainting'), '--steps', '3'];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leffa-cli-'));
  const { width: W, height: H } = await sharp(person).metadata();
  const mask = Buffer.alloc(W! * H!);
  for (let y = Math.floor(H! * 0.5); y < H!; y++) mask.fill(255, y * W! + Math.floor(W! * 0.2), y * W! + Math.floor(W! * 0.8));
  await sharp(mask, { raw: { width: W!, height: H!, channels: 1 } }).png().toFile(join(dir, 'mask.png'));
  const dp = Buffer.alloc(W! * H! * 3, 40);
  await sharp(dp, { raw: { width: W!, height: H!, channels: 3 } }).png().toFile(join(dir, 'dp.png'));
  await sharp(join(assetsDir, 'garments', 't-shirt_01.svg')).png().toFile(join(dir, 'garment.png'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('tryon writes a PNG with embedded settings and a sidecar; same seed = same bytes, other seed differs', async () => {
  const a = cli(['tryon', ...base(), '--seed', '7', '--out', join(dir, 'a.png')]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stderr, /tryon \[#+\] 3\/3/);
  const b = cli(['tryon', ...base(), '--seed', '7', '--out', join(dir, 'b.png')]);
  const c = cli(['tryon', ...base(), '--seed', '8', '--out', join(dir, 'c.png')]);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(c.code, 0, c.stderr);
  assert.ok(readFileSync(join(dir, 'a.png')).equals(readFileSync(join(dir, 'b.png'))), 'same seed must give identical bytes');
  assert.ok(!readFileSync(join(dir, 'a.png')).equals(readFileSync(join(dir, 'c.png'))), 'another seed must differ');
  const meta = await sharp(join(dir, 'a.png')).metadata();
  const src = await sharp(person).metadata();
  assert.deepEqual([meta.width, meta.height], [src.width, src.height], 'the result is in the person photo\'s frame');
  const embedded = JSON.parse((await readPngText(join(dir, 'a.png')))['leffa-studio']!);
  assert.equal(embedded.settings.seed, 7);
  assert.equal(embedded.settings.steps, 3);
  assert.equal(embedded.weights.arch, 'sd15');
  const sidecar = JSON.parse(readFileSync(join(dir, 'a.png.json'), 'utf8'));
  assert.equal(sidecar.inputs.person.sha256, embedded.inputs.person.sha256);
  assert.match(sidecar.weights.sha256, /^[0-9a-f]{64}$/);
  assert.equal(sidecar.timing.stepsMs.length, 3);
  assert.equal(sidecar.backend.name, 'wasm');
});

test('--repaint keeps every pixel outside the mask as in the original photo', async () => {
  const r = cli(['tryon', ...base(), '--repaint', '--out', join(dir, 'r.png')]);
  assert.equal(r.code, 0, r.stderr);
  const out = await sharp(join(dir, 'r.png')).raw().toBuffer({ resolveWithObject: true });
  const orig = await sharp(person).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const W = out.info.width;
  // the top rows are far outside the (blurred) mask: identical to the photo
  let same = 0;
  for (let i = 0; i < W * 10 * 3; i++) if (out.data[i] === orig.data[i]) same++;
  assert.equal(same, W * 10 * 3);
});

test('missing and unreadable inputs get clear errors', () => {
  const noMask = cli(['tryon', ...base().filter((_, i, a) => a[i] !== '--mask' && a[i - 1] !== '--mask'), '--out', join(dir, 'x.png')]);
  assert.equal(noMask.code, 2);
  assert.match(noMask.stderr, /--mask is required/);
  writeFileSync(join(dir, 'broken.png'), 'not an image');
  const broken = cli(['tryon', ...base().map((v) => (v === person ? join(dir, 'broken.png') : v)), '--out', join(dir, 'y.png')]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /person image/);
  const unknown = cli(['tryon', '--bogus']);
  assert.notEqual(unknown.code, 0);
});
