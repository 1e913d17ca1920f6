// The catalogue and the shipped diffusers base configs: the files the engine reads hold exactly the
// configs recorded in the sd15/sdxl manifests, and the engine's own reader accepts them and picks the
// right architecture from the folder name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { CATALOGUE, baseConfigFolder, getModel, knownModelIds, isHubError } from '../../../models/hub/index.ts';
import { readBaseFolder } from '../../../models/leffa/model.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';

test('catalogue: three Leffa checkpoints from franciszzj/Leffa', () => {
  assert.deepEqual(knownModelIds(), ['try-on-hd', 'try-on-dc', 'pose']);
  assert.deepEqual(CATALOGUE.map((m) => [m.file, m.arch, m.kind]), [
    ['virtual_tryon.pth', 'sd15', 'virtual-try-on'],
    ['virtual_tryon_dc.pth', 'sd15', 'virtual-try-on'],
    ['pose_transfer.pth', 'sdxl', 'pose-transfer'],
  ]);
  for (const m of CATALOGUE) assert.equal(m.repo, 'franciszzj/Leffa');
  assert.throws(() => getModel('hd'), (e) => isHubError(e, 'unknown-model') && /known ids: try-on-hd, try-on-dc, pose/.test(e.message));
});

test('catalogue sizes are the fp32 state-dict bytes of the manifests (7.21 GB / 20.9 GB on the Hub)', () => {
  for (const [arch, manifest] of [['sd15', 'sd15-manifest.json'], ['sdxl', 'sdxl-manifest.json']] as const) {
    const m = JSON.parse(readFileSync(join(fixturesDir, manifest), 'utf8')) as { checkpoint_bytes_fp32: number };
    for (const e of CATALOGUE.filter((x) => x.arch === arch)) assert.equal(e.sizeBytes, m.checkpoint_bytes_fp32);
  }
});

for (const [arch, manifest, folder] of [
  ['sd15', 'sd15-manifest.json', 'stable-diffusion-inpainting'],
  ['sdxl', 'sdxl-manifest.json', 'stable-diffusion-xl-1.0-inpainting-0.1'],
] as const) {
  test(`base configs for ${arch} equal the manifest's and load in the engine`, () => {
    const dir = baseConfigFolder(arch);
    assert.ok(isAbsolute(dir));
    assert.equal(basename(dir), folder);
    const m = JSON.parse(readFileSync(join(fixturesDir, manifest), 'utf8')) as { base_folder_name: string; configs: Record<string, unknown> };
    assert.equal(m.base_folder_name, folder);
    const files = { unet: 'unet/config.json', vae: 'vae/config.json', scheduler: 'scheduler/scheduler_config.json' };
    for (const [key, rel] of Object.entries(files)) {
      assert.deepEqual(JSON.parse(readFileSync(join(dir, rel), 'utf8')), m.configs[key], rel);
    }
    const cfg = readBaseFolder(dir);
    assert.equal(cfg.arch, arch);
    assert.equal(cfg.scheduler.rescale_betas_zero_snr, arch === 'sdxl');
  });
}

test('the SD1.5 scheduler config is the 313-byte runwayml file (spec §1.2)', () => {
  assert.equal(statSync(join(baseConfigFolder('sd15'), 'scheduler', 'scheduler_config.json')).size, 313);
});
