// Shared by the ops and Leffa-loss tests: a fixture set opened as the parity runner presents it to a
// pure-maths handler, and a check of every output of one record against the fixture tolerance
// (|a − b| ≤ 1e-4·max|b|, fixtures README §5) with no tensor left behind.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { openSafetensors } from '../../../models/io/safetensors.ts';
import { compareTensor, DEFAULT_TOLERANCE } from '../../../models/parity/compare.ts';
import { readManifest } from '../../../models/parity/runner.ts';
import type { FixtureRecord, ParityContext, ProducedTensor, RecordHandler } from '../../../models/parity/types.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { tf, useTestBackend } from '../../helpers/tf.ts';

export const FIXTURE_SETS = ['leffa-tiny', 'leffa-tiny-xl'] as const;
export const BACKENDS = ['wasm', 'cpu'] as const;

/** Runs fn with a fixture set opened as a ParityContext (closed afterwards). */
export async function withFixtureSet<T>(name: string, fn: (ctx: ParityContext) => Promise<T> | T): Promise<T> {
  const dir = join(fixturesDir, name);
  const manifest = readManifest(dir);
  const src = openSafetensors(join(dir, manifest.tensors_file));
  const ctx: ParityContext = {
    dir,
    manifest,
    baseFolder: join(dir, manifest.config.base_folder),
    tensor: (n) => src.read(n),
    float: (n) => src.readFloat32(n),
    model: async () => { throw new Error('test context: no model'); },
  };
  try {
    return await fn(ctx);
  } finally {
    src.close();
  }
}

export function recordOf(ctx: ParityContext, id: string): FixtureRecord {
  const r = ctx.manifest.records.find((x) => x.id === id);
  assert.ok(r, `${ctx.dir}: no record ${id}`);
  return r;
}

/** Asserts every produced output is within tolerance of the fixture; returns the worst relative error. */
export function assertOutputs(ctx: ParityContext, names: string[], out: Map<string, ProducedTensor>, t?: TestContext): number {
  let worst = 0;
  let worstName = '';
  for (const name of names) {
    const got = out.get(name);
    assert.ok(got, `${name}: not produced`);
    const c = compareTensor(name, ctx.tensor(name), got, DEFAULT_TOLERANCE);
    assert.ok(c.ok, `${name}: max abs error ${c.maxAbsErr} vs max |ref| ${c.maxAbsRef} (rel ${c.relErr}) ${c.note ?? ''}`);
    if (c.relErr > worst) [worst, worstName] = [c.relErr, name];
  }
  t?.diagnostic(`${names.length} outputs, worst relative error ${worst.toExponential(2)} (${worstName})`);
  return worst;
}

/** Runs a record's handler on a backend and checks every output and the tensor count. */
export async function checkHandler(handler: RecordHandler, set: string, backend: string, id: string, t: TestContext): Promise<void> {
  await useTestBackend(backend);
  await withFixtureSet(set, async (ctx) => {
    const record = recordOf(ctx, id);
    const before = tf.memory().numTensors;
    const out = await handler.run(record, ctx);
    assert.equal(tf.memory().numTensors, before, 'tensor leak: numTensors changed');
    assert.deepEqual([...out.keys()].sort(), [...record.outputs].sort());
    assertOutputs(ctx, record.outputs, out, t);
  });
}
