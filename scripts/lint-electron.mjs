#!/usr/bin/env node
// `npm run lint:electron`: Electronegativity over the Electron side of the app. main/ and preload/
// (it parses TypeScript directly) plus renderer/index.html (for the CSP meta tag) are staged into
// one folder and scanned together, because its global checks (CSP, navigation limits, permission
// handler) judge the app as a whole: preload/ alone never sets a CSP. Fails on any HIGH or MEDIUM
// finding and on any file it could not parse (a skipped file is an unchecked file).
// Left out: the releases check, which downloads Electron's release list (CI may be offline).
// A finding reviewed as safe is silenced on its own line with `// eng-disable CHECK_ID`.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const run = require('@doyensec/electronegativity');
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const FAIL_AT = new Set(['HIGH', 'MEDIUM']);

const stage = mkdtempSync(join(tmpdir(), 'leffa-electronegativity-'));
for (const path of ['main', 'preload', 'renderer/index.html']) cpSync(path, join(stage, path), { recursive: true });

// It prints chatter (a failed translation download) through console.log; keep our output readable.
const log = console.log;
console.log = () => {};
let result;
try {
  result = await run({
    input: stage,
    excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
    electronVersionOverride: electronVersion,
    isRelative: true,
  });
} finally {
  console.log = log;
  rmSync(stage, { recursive: true, force: true });
}

const issues = result.issues.map((i) => ({
  id: i.id,
  severity: i.severity.name,
  where: `${i.file}:${i.location.line}:${i.location.column}`,
  review: i.manualReview,
}));
const bad = issues.filter((i) => FAIL_AT.has(i.severity));
const parseErrors = result.errors.filter((e) => !e.tolerable);
console.log(
  `electronegativity (Electron ${electronVersion}) on main/, preload/, renderer/index.html: ` +
    `${issues.length} finding(s), ${bad.length} HIGH/MEDIUM, ${parseErrors.length} parse error(s)`,
);
for (const i of issues) console.log(`  ${FAIL_AT.has(i.severity) ? '✖' : '·'} ${i.severity} ${i.id} ${i.where}${i.review ? ' (review)' : ''}`);
for (const e of parseErrors) console.log(`  ✖ could not parse ${e.file.replace(stage, '')}: ${e.message}`);

if (bad.length || parseErrors.length) {
  console.error('lint:electron: fix the ✖ findings above (https://github.com/doyensec/electronegativity/wiki).');
  process.exit(1);
}
