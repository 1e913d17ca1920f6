// The `leffa_loss` parity handler against both fixture sets, on wasm and cpu: per-layer attention map,
// flows, warped image, losses, gate, λ-weighted loss and the gradients w.r.t. the full query/key. Also the
// engine-only variants (exact softmax, small query chunks) against the same fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leffaLossHandler, leffaLossOutputs } from '../../../models/parity/handlers/leffa-loss.ts';
import { BACKENDS, FIXTURE_SETS, assertOutputs, checkHandler, recordOf, withFixtureSet } from '../ops/parity-helpers.ts';
import { expectNoLeak, useTestBackend } from '../../helpers/tf.ts';

test('leffaLossHandler declares the leffa_loss record and needs no model', () => {
  assert.deepEqual(leffaLossHandler.ids, ['leffa_loss']);
  assert.equal(leffaLossHandler.needsModel, false);
});

for (const backend of BACKENDS) {
  for (const set of FIXTURE_SETS) {
    test(`${set} on ${backend}: every leffa_loss output within 1e-4·max|ref|`, async (t) => {
      await checkHandler(leffaLossHandler, set, backend, 'leffa_loss', t);
    });
  }
}

for (const set of FIXTURE_SETS) {
  test(`${set} on wasm: the exact-softmax and 7-query-chunk variants match the fixture too`, async (t) => {
    await useTestBackend('wasm');
    await withFixtureSet(set, async (ctx) => {
      const record = recordOf(ctx, 'leffa_loss');
      for (const extra of [{ softmax: 'exact' as const }, { query_chunk: 7 }]) {
        const out = await expectNoLeak(() => leffaLossOutputs(record, ctx, extra));
        t.diagnostic(JSON.stringify(extra));
        assertOutputs(ctx, record.outputs, out, t);
      }
    });
  });
}

test('leffaLossHandler names an output it cannot compute', async () => {
  await useTestBackend();
  await withFixtureSet('leffa-tiny', async (ctx) => {
    const record = recordOf(ctx, 'leffa_loss');
    await assert.rejects(leffaLossHandler.run({ ...record, outputs: ['leffa_loss/foo'] }, ctx), /output leffa_loss\/foo is not one this handler computes/);
  });
});
