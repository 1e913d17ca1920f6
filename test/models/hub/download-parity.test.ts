// From "installed" to "first try-on": a checkpoint fetched by the model manager (from the loopback
// stand-in for the Hub) runs the reference parity records exactly as the fixture's own file does.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveModel } from '../../../models/hub/index.ts';
import { ALL_HANDLERS } from '../../../models/parity/handlers/index.ts';
import { runParity } from '../../../models/parity/runner.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { useTestBackend } from '../../helpers/tf.ts';
import { hubEnv, type HubEnv } from './hub-env.ts';

let env: HubEnv | undefined;
afterEach(async () => { await env?.cleanup(); env = undefined; });

test('a downloaded checkpoint passes the parity records of its fixture set', async () => {
  await useTestBackend();
  env = await hubEnv();
  const rec = await resolveModel('try-on-hd');
  const s = await runParity(join(fixturesDir, 'leffa-tiny'), ALL_HANDLERS, { weightsFile: rec.path, only: ['vae', 'ref_unet', 'gen_unet', 'pipeline_b1_accel'] });
  assert.equal(s.failed, 0, JSON.stringify(s.results.filter((r) => r.error || r.comparisons.some((c) => !c.ok)).map((r) => r.error ?? r.record)));
  assert.equal(s.passed, 4);
  assert.ok(s.results.every((r) => r.weights === rec.path));
});
