// The `ops` parity handler (grid_sample output and gradients, bilinear resize and its gradient, nearest
// resize) against both fixture sets, on wasm and on cpu.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opsHandler } from '../../../models/parity/handlers/ops.ts';
import { BACKENDS, FIXTURE_SETS, checkHandler, recordOf, withFixtureSet } from './parity-helpers.ts';
import { useTestBackend } from '../../helpers/tf.ts';

test('opsHandler declares the ops record and needs no model', () => {
  assert.deepEqual(opsHandler.ids, ['ops']);
  assert.equal(opsHandler.needsModel, false);
});

for (const backend of BACKENDS) {
  for (const set of FIXTURE_SETS) {
    test(`${set} on ${backend}: every ops output within 1e-4·max|ref|`, async (t) => {
      await checkHandler(opsHandler, set, backend, 'ops', t);
    });
  }
}

test('opsHandler names an output it cannot compute', async () => {
  await useTestBackend();
  await withFixtureSet('leffa-tiny', async (ctx) => {
    const record = recordOf(ctx, 'ops');
    await assert.rejects(opsHandler.run({ ...record, outputs: ['ops/foo'] }, ctx), /output ops\/foo is not one this handler computes/);
  });
});
