// Bad configurations are refused with an error naming the key, the value received and what was expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUNetConfig } from '../../../models/config/unet-config.ts';
import { parseVAEConfig } from '../../../models/config/vae-config.ts';
import { archFromFolderName, readBaseFolder } from '../../../models/leffa/model.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const base = join(fixturesDir, 'leffa-tiny', 'base', 'tiny-stable-diffusion-inpainting');
const unet = JSON.parse(readFileSync(join(base, 'unet', 'config.json'), 'utf8')) as Record<string, unknown>;
const vae = JSON.parse(readFileSync(join(base, 'vae', 'config.json'), 'utf8')) as Record<string, unknown>;

test('a UNet config whose per-level lists disagree in length names both', () => {
  assert.throws(() => parseUNetConfig({ ...unet, block_out_channels: [32, 48, 64] }, 'unet/config.json'),
    /unet\/config\.json: block_out_channels = \[32,48,64\]; expected a list of 2 positive integers \(as many as down_block_types\)/);
  assert.throws(() => parseUNetConfig({ ...unet, up_block_types: ['UpBlock2D'] }), /up_block_types = \["UpBlock2D"\]; expected a list of 2/);
  assert.throws(() => parseUNetConfig({ ...unet, transformer_layers_per_block: [1, 2, 3] }), /transformer_layers_per_block = \[1,2,3\]; expected a positive integer or a list of 2/);
});

test('non-divisible GroupNorm and head counts are refused', () => {
  assert.throws(() => parseUNetConfig({ ...unet, norm_num_groups: 5 }), /norm_num_groups = 5; expected a divisor of every block_out_channels entry \(32 is not divisible\)/);
  assert.throws(() => parseUNetConfig({ ...unet, attention_head_dim: 5 }), /attention_head_dim = \[5,5\]; expected head counts dividing block_out_channels/);
  assert.throws(() => parseVAEConfig({ ...vae, norm_num_groups: 3 }), /norm_num_groups = 3; expected a divisor/);
});

test('unknown block types and unsupported options are refused', () => {
  assert.throws(() => parseUNetConfig({ ...unet, down_block_types: ['SimpleDownBlock2D', 'DownBlock2D'] }), /down_block_types = .*expected a non-empty list of CrossAttnDownBlock2D \| DownBlock2D/);
  assert.throws(() => parseUNetConfig({ ...unet, class_embed_type: 'timestep' }), /class_embed_type = "timestep"; expected null/);
  assert.throws(() => parseVAEConfig({ ...vae, scaling_factor: -1 }), /scaling_factor = -1; expected a positive number/);
});

test('the architecture comes from the base folder name, as LeffaModel decides it', () => {
  assert.equal(archFromFolderName('stable-diffusion-inpainting'), 'sd15');
  assert.equal(archFromFolderName('tiny-stable-diffusion-xl-1.0-inpainting-0.1'), 'sdxl');
  assert.throws(() => archFromFolderName('my-model'), /base folder "my-model": expected a name containing/);
  assert.equal(readBaseFolder(base).arch, 'sd15');
  assert.equal(readBaseFolder(base).scheduler.rescale_betas_zero_snr, false);
  assert.throws(() => readBaseFolder('/nonexistent/stable-diffusion-inpainting'), /config .*unet\/config\.json: cannot be read/);
});
