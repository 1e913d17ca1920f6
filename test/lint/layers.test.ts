// Proves the layering rule (eslint/layers.js via eslint.config.js) fires. Each fixture under
// fixtures/ says which path to lint it as (`lint-as:`) and how many layer violations to expect
// (`expect:`); fixtures are excluded from the normal lint run and from typecheck.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { repoRoot } from '../helpers/fixtures.ts';

const fixturesDir = join(repoRoot, 'test', 'lint', 'fixtures');
const eslint = new ESLint({ cwd: repoRoot });

for (const name of readdirSync(fixturesDir).sort()) {
  const text = readFileSync(join(fixturesDir, name), 'utf8');
  const lintAs = /lint-as:\s*(\S+)/.exec(text)?.[1];
  const expected = Number(/expect:\s*(\d+)/.exec(text)?.[1]);
  test(`${name}: linted as ${lintAs}, ${expected} layer violation(s)`, async () => {
    assert.ok(lintAs && Number.isInteger(expected), `${name} needs lint-as: and expect: headers`);
    const [result] = await eslint.lintText(text, { filePath: join(repoRoot, lintAs) });
    const fatal = result.messages.filter((m) => m.fatal);
    assert.deepEqual(fatal, [], 'fixture must parse');
    const layerErrors = result.messages.filter((m) => m.ruleId === 'layers/imports');
    assert.equal(
      layerErrors.length,
      expected,
      layerErrors.map((m) => `${m.line}: ${m.message}`).join('\n') || 'no layer errors reported',
    );
    for (const m of layerErrors) assert.equal(m.severity, 2);
  });
}

test('messages say which layer, what was imported and why', async () => {
  const [result] = await eslint.lintText("import { x } from '../../../main/api/errors.ts';\nexport { x };\n", {
    filePath: join(repoRoot, 'renderer/src/lib/x.ts'),
  });
  assert.equal(result.messages[0]?.message, "renderer/ may not import from main/ ('../../../main/api/errors.ts' is main/api/errors.ts).");
});
