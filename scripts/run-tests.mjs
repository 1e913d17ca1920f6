#!/usr/bin/env node
// Runs every test file under test/ (or those given as arguments) with Node's built-in test runner,
// TypeScript loaded through tsx. Files ending in .slow.test.ts run only when LEFFA_SLOW_TESTS=1.
// Arguments may be files or folders (a folder means every test file under it).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const slow = process.env.LEFFA_SLOW_TESTS === '1';
const expanded = args.flatMap((a) => (statSync(a).isDirectory() ? walk(a) : [a]));
const files = (args.length ? expanded : walk('test'))
  .filter((f) => slow || !f.endsWith('.slow.test.ts') || args.includes(f))
  .filter((f) => !f.includes(`${join('test', 'e2e')}`) || args.length > 0)
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(res.status ?? 1);
