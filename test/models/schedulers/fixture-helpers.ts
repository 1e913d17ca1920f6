// Shared by the scheduler and guidance tests: opening a fixture set as a ParityContext, and the
// max-relative-error comparison of the fixtures README §5.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSafetensors } from '../../../models/io/safetensors.ts';
import type { FixtureManifest, ParityContext } from '../../../models/parity/types.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';

export const FIXTURE_SETS = ['leffa-tiny', 'leffa-tiny-xl'] as const;

export interface OpenSet {
  ctx: ParityContext;
  close(): void;
}

/** A fixture set as the parity runner would present it to a pure-maths handler. */
export function openFixtureSet(name: string): OpenSet {
  const dir = join(fixturesDir, name);
  const manifest = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as FixtureManifest;
  const src = openSafetensors(join(dir, manifest.tensors_file));
  const ctx: ParityContext = {
    dir,
    manifest,
    baseFolder: join(dir, manifest.config.base_folder),
    tensor: (n) => src.read(n),
    float: (n) => src.readFloat32(n),
    model: async () => {
      throw new Error('test context: no model');
    },
  };
  return { ctx, close: () => src.close() };
}

/** max|a − b| / max|b| (max|a − b| when b is all zeros). */
export function maxRelErr(got: ArrayLike<number | bigint>, ref: ArrayLike<number | bigint>): number {
  assert.equal(got.length, ref.length, `length ${got.length} != reference length ${ref.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(Number(got[i]) - Number(ref[i]));
    err = Number.isNaN(e) ? Infinity : Math.max(err, e);
    scale = Math.max(scale, Math.abs(Number(ref[i])));
  }
  return scale > 0 ? err / scale : err;
}

/** Asserts |a − b| ≤ tol·max|b| elementwise-max and returns the relative error for reporting. */
export function assertClose(name: string, got: ArrayLike<number>, ref: ArrayLike<number>, tol = 1e-4): number {
  const rel = maxRelErr(got, ref);
  assert.ok(rel <= tol, `${name}: max relative error ${rel.toExponential(2)} exceeds ${tol}`);
  return rel;
}

/** Counts elements that differ at all (for the bit-exact table checks). */
export function countMismatches(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  assert.equal(got.length, ref.length);
  let n = 0;
  for (let i = 0; i < ref.length; i++) if (!Object.is(got[i], ref[i])) n++;
  return n;
}
