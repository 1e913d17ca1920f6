// main/store and main/queue must run under plain Node (tests) and in serve mode, so they never import
// Electron. ESLint's layer rule covers main/{api,services,ipc,serve,engine-host}; this covers these two
// folders until they join that list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/fixtures.ts';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

test('main/store and main/queue do not import electron', () => {
  const offenders = ['main/store', 'main/queue']
    .flatMap((d) => files(join(repoRoot, d)))
    .filter((f) => /\bfrom\s+['"]electron(\/[^'"]*)?['"]|\brequire\(\s*['"]electron|\bimport\(\s*['"]electron/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});
