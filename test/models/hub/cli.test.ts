// `models list | download | verify` through runModelsCommand, with captured stdout/stderr: results on
// stdout, the progress bar and errors on stderr, and exit codes a script can test.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runModelsCommand } from '../../../models/hub/index.ts';
import { sha256Of } from './fake-hub.ts';
import { hubEnv, TINY_WEIGHTS, type HubEnv } from './hub-env.ts';

let env: HubEnv | undefined;
afterEach(async () => { await env?.cleanup(); env = undefined; });

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runModelsCommand(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; } });
  return { code, out, err };
}

test('--help prints usage with the model ids', async () => {
  const r = await run('models', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /Usage: leffa models <command>/);
  assert.match(r.out, /Model ids: try-on-hd, try-on-dc, pose/);
});

test('a missing or unknown command is a usage error (exit 2)', async () => {
  assert.equal((await run()).code, 2);
  const r = await run('frobnicate');
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command "frobnicate"/);
  assert.equal((await run('list', '--bogus')).code, 2);
});

test('list shows the catalogue and what is cached', async () => {
  env = await hubEnv();
  const before = await run('list');
  assert.equal(before.code, 0);
  assert.match(before.out, /try-on-hd\s+sd15\s+7\.21 GB\s+not cached\s+franciszzj\/Leffa\/virtual_tryon\.pth/);
  assert.match(before.out, /pose\s+sdxl\s+20\.9 GB\s+not cached\s+franciszzj\/Leffa\/pose_transfer\.pth/);
  await run('download', 'try-on-hd');
  const after = await run('list', '--json');
  const rows = JSON.parse(after.out) as { id: string; cached: boolean; path: string | null }[];
  assert.deepEqual(rows.map((r) => [r.id, r.cached]), [['try-on-hd', true], ['try-on-dc', false], ['pose', false]]);
});

test('download draws a progress bar on stderr and prints the record on stdout', async () => {
  env = await hubEnv();
  const r = await run('download', 'try-on-hd');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /\rdownloading try-on-hd virtual_tryon\.pth \[#{24}\] 100\.0% 5\.89 MB \/ 5\.89 MB .* ETA 0s\n$/);
  assert.match(r.out, new RegExp(`^try-on-hd: .*virtual_tryon\\.pth\\n  franciszzj/Leffa@${env.hub.commit} virtual_tryon\\.pth, 5\\.89 MB, sha256 ${sha256Of(TINY_WEIGHTS)}, licence mit\\n$`));
  const json = await run('download', 'try-on-hd', '--json');
  assert.equal((JSON.parse(json.out) as { sha256: string }[])[0]!.sha256, sha256Of(TINY_WEIGHTS));
});

test('download of an unknown id fails with the list of known ids (exit 1)', async () => {
  env = await hubEnv();
  const r = await run('download', 'nope');
  assert.equal(r.code, 1);
  assert.match(r.err, /^error: unknown model id "nope"; known ids: try-on-hd, try-on-dc, pose\n$/);
  assert.equal(env.hub.requests.length, 0);
});

test('download errors go to stderr with exit 1 (file missing on the Hub)', async () => {
  env = await hubEnv();
  const r = await run('download', 'try-on-dc');
  assert.equal(r.code, 1);
  assert.match(r.err, /error: file "virtual_tryon_dc\.pth" does not exist in franciszzj\/Leffa/);
  assert.equal(r.out, '');
});

test('verify: OK (exit 0), corrupt (exit 1), not cached (exit 1)', async () => {
  env = await hubEnv();
  assert.match((await run('verify', 'try-on-hd')).err, /not in the Hugging Face cache/);
  await run('download', 'try-on-hd');
  const ok = await run('verify', 'try-on-hd');
  assert.equal(ok.code, 0);
  assert.match(ok.out, new RegExp(`^try-on-hd: OK, sha256 ${sha256Of(TINY_WEIGHTS)}`));
  assert.match(ok.err, /verifying try-on-hd virtual_tryon\.pth .*100\.0%/);

  writeFileSync(join(env.cacheDir, 'models--franciszzj--Leffa', 'blobs', sha256Of(TINY_WEIGHTS)), Buffer.alloc(10));
  const bad = await run('verify', 'try-on-hd');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /is corrupt: SHA-256 .*--remove-corrupt/);
  assert.equal((await run('verify')).code, 2);
});
