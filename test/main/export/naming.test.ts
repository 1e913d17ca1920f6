// The naming template: tokens filled in and sanitised, unknown tokens named in the error, and every name
// that could leave the target folder (or that Windows refuses) flagged before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNamesSafe, parseTemplate, renderName, sanitiseValue, unsafeNameReason, type TokenValues } from '../../../main/export/naming.ts';

const values: TokenValues = { sku: 'TS-001', colourway: 'Navy / White', model: 'Grace', view: 'front', seed: 42, result: 7, checkpoint: 'Leffa tiny' };

test('tokens are filled in, values sanitised, {index} zero-padded to the export size', () => {
  const parts = parseTemplate('{sku}_{colourway}_{model}_{view}_{seed}_{index}');
  assert.deepEqual(renderName(parts, values, 0, 12, 'jpg'), { fileName: 'TS-001_Navy-White_Grace_front_42_001.jpg', refused: null });
  assert.equal(renderName(parts, values, 1233, 5000, 'png').fileName, 'TS-001_Navy-White_Grace_front_42_1234.png');
  assert.equal(renderName(parseTemplate('r{result}-{checkpoint}'), values, 0, 1, 'webp').fileName, 'r7-Leffa-tiny.webp');
  // Missing values read "none", never an empty segment.
  assert.equal(renderName(parseTemplate('{sku}_{colourway}'), { ...values, colourway: null }, 0, 1, 'jpg').fileName, 'TS-001_none.jpg');
});

test('token values can never carry a path: separators, dots and drive letters are neutralised', () => {
  assert.equal(sanitiseValue('../../etc/passwd'), 'etc-passwd');
  assert.equal(sanitiseValue('..'), 'none');
  assert.equal(sanitiseValue('C:\\Windows\\x'), 'C-Windows-x');
  assert.equal(sanitiseValue('a\0b'), 'a-b');
  assert.equal(sanitiseValue('Été rouge'), 'Été-rouge');
  const parts = parseTemplate('{sku}');
  assert.equal(renderName(parts, { ...values, sku: '../../x' }, 0, 1, 'png').fileName, 'x.png');
  assert.equal(renderName(parts, { ...values, sku: '/abs/path' }, 0, 1, 'png').fileName, 'abs-path.png');
});

test('an unknown token or unbalanced brace is an error that names it', () => {
  assert.throws(() => parseTemplate('{sku}_{colour}'), /unknown token \{colour\}.*expected one of \{sku\}, \{colourway\}/);
  assert.throws(() => parseTemplate('{sku'), /"\{" without "\}"/);
  assert.throws(() => parseTemplate('sku}'), /"\}" without "\{"/);
  assert.throws(() => parseTemplate('fixed-name'), /has no token/);
});

test('traversal and reserved names in the template text are refused, with the reason', () => {
  const table: [string, RegExp][] = [
    ['../{sku}', /folder separator|\.\./],
    ['..\\{sku}', /\.\./],
    ['/tmp/{sku}', /absolute path/],
    ['\\\\server\\share\\{sku}', /absolute path/],
    ['C:{sku}', /drive letter/],
    ['c:/x/{sku}', /drive letter/],
    ['sub/{sku}', /folder separator/],
    ['{sku}\0', /NUL/],
    ['{sku}\n', /control character/],
    ['CON', /no token/], // caught by the parser first
    ['{sku}?', /< > : " \| \? \*/],
  ];
  for (const [template, reason] of table) {
    let message: string;
    try {
      const name = renderName(parseTemplate(template), values, 0, 1, 'png');
      assert.ok(name.refused, `${JSON.stringify(template)} should be refused, gave ${name.fileName}`);
      message = name.refused;
      assert.throws(() => assertNamesSafe([name], template), /is refused because/);
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      message = (err as Error).message;
    }
    assert.match(message, reason, `${JSON.stringify(template)}: ${message}`);
  }
  // Names Windows reserves for devices, with or without an extension, whatever the case.
  for (const n of ['CON.png', 'prn.jpg', 'aux.webp', 'NUL.png', 'com1.png', 'LPT9.jpg']) assert.match(unsafeNameReason(n)!, /Windows reserves/, n);
  assert.match(unsafeNameReason('name .png') ?? 'ok', /ok/);
  assert.match(unsafeNameReason('name.')!, /ends with a dot/);
  assert.match(unsafeNameReason('.hidden.png')!, /starts with a dot/);
  assert.equal(unsafeNameReason('console.png'), null, 'only the exact device names are reserved');
  // A template whose tokens come out as a reserved name: {sku} = "con" gives con.png.
  assert.match(renderName(parseTemplate('{sku}'), { ...values, sku: 'con' }, 0, 1, 'png').refused!, /Windows reserves/);
});
