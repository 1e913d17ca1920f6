// scripts/bench-leffa.ts --quick as a test: the tiny dual-UNet (leffa-tiny UNet config, random init) trained
// from scratch for a few diffusion-only steps on the synthetic set lowers the diffusion loss on a fixed
// held-out batch (same timesteps and noise before and after).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { useTestBackend, expectNoLeak } from '../../helpers/tf.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { quickBench } from '../../../models/train/leffa-bench.ts';

test('bench --quick: training from scratch reduces the held-out diffusion loss', async (t) => {
  await useTestBackend();
  const workDir = mkdtempSync(join(tmpdir(), 'bench-quick-'));
  try {
    const r = await expectNoLeak(() => quickBench({ fixtureBase: resolve(fixturesDir, 'leffa-tiny', 'base', 'tiny-stable-diffusion-inpainting'), workDir, steps: 10 }));
    t.diagnostic(`held-out diffusion loss ${r.before.toFixed(4)} → ${r.after.toFixed(4)} (${(r.wallMs / 1000).toFixed(1)} s)`);
    assert.ok(r.after < r.before, `loss ${r.before} → ${r.after}`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
});
