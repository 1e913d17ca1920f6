#!/usr/bin/env node
// `npm start`: make sure Electron's binary is there, build, then run the app. Electron 45 fetches
// its binary on first use rather than at install time; where that cannot happen (offline, locked
// down CI) this explains what to do instead of dying with a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The binary named by node_modules/electron/path.txt, if it is really there. */
function installedBinary(pkgDir) {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    return join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

function electronBinary() {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { binary: null, reason: 'the electron package is not installed (run `npm ci`)' };
  }
  const found = installedBinary(pkgDir);
  if (found) return { binary: found };
  console.log('start: Electron binary not found, downloading it once…');
  const download = spawnSync(process.execPath, [join(pkgDir, 'install.js')], { encoding: 'utf8', timeout: 300_000 });
  const binary = installedBinary(pkgDir);
  if (download.status === 0 && binary) return { binary };
  const firstLine = `${download.stderr ?? ''}${download.error?.message ?? ''}`.trim().split('\n')[0] || `exit code ${download.status}`;
  return { binary: null, reason: `downloading it failed: ${firstLine}` };
}

const { binary, reason } = electronBinary();
if (!binary) {
  console.error(`
start: cannot run the desktop app here: Electron's binary is missing, and ${reason}.

  Use the browser version instead (same app, served locally):
      npm run serve
  then open the http://127.0.0.1:…/?token=… URL it prints.

  To get the desktop app later, on a machine with internet access:
      npx install-electron      (or delete node_modules/electron and run npm ci)
  Behind a proxy or mirror, see ELECTRON_MIRROR in Electron's installation docs.
`);
  process.exit(1);
}

const build = spawnSync(npm, ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
if (build.status !== 0) process.exit(build.status ?? 1);

// ELECTRON_RUN_AS_NODE in the environment would turn the app into plain Node; never pass it on.
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(binary, ['.', ...process.argv.slice(2)], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
