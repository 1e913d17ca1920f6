// Shared bits of the checkpoint I/O tests: a temp folder removed after the file's tests, byte views, and
// an assertion that a call fails with a CheckpointError whose message names what it should.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '../../../models/io/errors.ts';
import type { TensorSource, TypedData } from '../../../models/io/types.ts';

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'leffa-io-test-'));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export function bytesOf(d: TypedData): Buffer {
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/** Runs `fn`, expects a CheckpointError, and checks that its message contains every fragment. */
export function expectCheckpointError(fn: () => unknown, ...fragments: (string | RegExp)[]): CheckpointError {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  assert.ok(err, `expected an error containing ${fragments.join(' / ')}, got none`);
  assert.ok(err instanceof CheckpointError, `expected a CheckpointError, got ${(err as Error).name}: ${(err as Error).message}`);
  for (const f of fragments) {
    if (typeof f === 'string') assert.ok(err.message.includes(f), `message lacks ${JSON.stringify(f)}: ${err.message}`);
    else assert.match(err.message, f);
  }
  return err;
}

/** Keys of a source, closing it (open descriptors would keep Windows from deleting the temp folder). */
export function keysAndClose(src: TensorSource): string[] {
  try { return src.keys(); } finally { src.close(); }
}
