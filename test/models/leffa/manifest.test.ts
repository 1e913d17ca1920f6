// The full-size models' parameter lists, built from config without allocating a single weight, must equal
// the state dicts of the released checkpoints key for key, shape for shape, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseUNetConfig } from '../../../models/config/unet-config.ts';
import { parseVAEConfig } from '../../../models/config/vae-config.ts';
import { LeffaModel, type LeffaArch } from '../../../models/leffa/model.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';

interface Manifest {
  arch: LeffaArch;
  num_tensors: number;
  num_params: number;
  params_by_prefix: Record<string, number>;
  configs: { unet: Record<string, unknown>; vae: Record<string, unknown>; scheduler: Record<string, unknown> };
  keys: { name: string; shape: number[]; dtype: string }[];
}

for (const [file, arch, total] of [['sd15-manifest.json', 'sd15', 1_802_718_831], ['sdxl-manifest.json', 'sdxl', 5_218_604_271]] as const) {
  test(`${arch}: parameter list from config equals ${file} key for key and shape for shape`, () => {
    const m = JSON.parse(readFileSync(join(fixturesDir, file), 'utf8')) as Manifest;
    assert.equal(m.arch, arch);
    const model = new LeffaModel({ arch, unet: parseUNetConfig(m.configs.unet), vae: parseVAEConfig(m.configs.vae), scheduler: m.configs.scheduler });
    const specs = model.params();
    assert.equal(specs.length, m.num_tensors);
    const mismatches: string[] = [];
    specs.forEach((s, i) => {
      const k = m.keys[i]!;
      if (s.name !== k.name || s.shape.join(',') !== k.shape.join(',')) mismatches.push(`#${i}: ours ${s.name} [${s.shape}] vs ${k.name} [${k.shape}]`);
    });
    assert.deepEqual(mismatches.slice(0, 5), []);
    const numel = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
    assert.equal(numel, m.num_params);
    assert.equal(numel, total);
    for (const [prefix, n] of Object.entries(m.params_by_prefix)) {
      const ours = specs.filter((s) => s.name.startsWith(prefix)).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
      assert.equal(ours, n, `parameters under ${prefix}`);
    }
  });
}
