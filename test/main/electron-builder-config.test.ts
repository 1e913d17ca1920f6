// electron-builder cannot package here (no network, no other OSes), so this checks its config the
// way it would: loaded and validated against electron-builder's own schema, plus our own rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { repoRoot } from '../helpers/fixtures.ts';

// app-builder-lib is electron-builder's library; resolve it the way electron-builder does.
const requireFromBuilder = createRequire(createRequire(import.meta.url).resolve('electron-builder'));
const { getConfig, validateConfiguration } = requireFromBuilder('app-builder-lib/out/util/config/config');
const { DebugLogger } = requireFromBuilder('builder-util/out/DebugLogger');
// Its logger writes "• loaded configuration" to stdout, which node:test's child-process protocol also uses: a
// write landing inside a test report made the runner fail the file ("Unable to deserialize cloned data").
requireFromBuilder('builder-util/out/log').log.stream = process.stderr;

interface BuilderConfig {
  appId: string;
  productName: string;
  /** getConfig normalises the YAML list to [{filter: [...]}]. */
  files: Array<string | { filter: string[] }>;
  asarUnpack: string[];
  linux: { target: string[] };
  mac: { target: string };
  win: { target: string };
}

const load = async (): Promise<BuilderConfig> => getConfig(repoRoot, 'electron-builder.yml', null);

test('electron-builder.yml passes electron-builder schema validation', async () => {
  await validateConfiguration(await load(), new DebugLogger(false));
});

test('ships only the build output and package.json, for the agreed targets', async () => {
  const config = await load();
  assert.equal(config.productName, 'Leffa Studio');
  assert.match(config.appId, /^[a-z]+(\.[a-z-]+)+$/);
  const patterns = config.files.flatMap((f) => (typeof f === 'string' ? [f] : f.filter));
  assert.ok(patterns.includes('package.json'));
  assert.ok(patterns.filter((f) => !f.startsWith('!')).every((f) => f.startsWith('dist/') || f === 'package.json'), patterns.join(', '));
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.equal(config.mac.target, 'dmg');
  assert.equal(config.win.target, 'nsis');
});

test('native modules and the wasm binaries are unpacked from the asar', async () => {
  const { asarUnpack } = await load();
  for (const pattern of ['better-sqlite3', 'sharp', '@tensorflow/tfjs-node/', '@tensorflow/tfjs-node-gpu', 'tfjs-backend-wasm/dist/*.wasm']) {
    assert.ok(asarUnpack.some((p) => p.includes(pattern)), `asarUnpack should cover ${pattern}`);
  }
});
