// Seeds from a count or a list, matrix size and time estimate; and bulk edits, import planning,
// error wording, formatting and shortcuts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellCount, estimateMs, parseSeedList, seedsFromCount } from '../../renderer/src/lib/batch-plan.ts';
import { bulkPatches, commonValue, parseTags, tagSummary, type GarmentFields } from '../../renderer/src/lib/bulk-edit.ts';
import { guessCategory, nameFromFile, planImport, skuFromFile, stageFile } from '../../renderer/src/lib/import-plan.ts';
import { readableError } from '../../renderer/src/lib/errors.ts';
import { ApiCallError } from '../../renderer/src/lib/api-error.ts';
import { formatBytes, formatDuration, plural } from '../../renderer/src/lib/format.ts';
import { SHORTCUTS, displayKeys, findShortcut, matches } from '../../renderer/src/lib/shortcuts.ts';

test('seed lists: numbers and inclusive ranges, de-duplicated in order, with readable errors', () => {
  assert.deepEqual(parseSeedList('3, 1  7-9;1'), { ok: true, seeds: [3, 1, 7, 8, 9] });
  assert.deepEqual(parseSeedList(' 42 '), { ok: true, seeds: [42] });
  assert.match((parseSeedList('') as { error: string }).error, /at least one seed/);
  assert.match((parseSeedList('1, x2') as { error: string }).error, /"x2" is not a seed/);
  assert.match((parseSeedList('9-3') as { error: string }).error, /low to high/);
  assert.match((parseSeedList('1-20000') as { error: string }).error, /At most 10,000 seeds/);
  assert.match((parseSeedList('4294967296') as { error: string }).error, /up to 4294967295/);
});

test('seed counts give consecutive seeds from the first one (the same count, the same seeds)', () => {
  assert.deepEqual(seedsFromCount(3, 5), { ok: true, seeds: [5, 6, 7] });
  assert.deepEqual(seedsFromCount(1), { ok: true, seeds: [1] });
  assert.equal(seedsFromCount(0).ok, false);
  assert.equal(seedsFromCount(2.5).ok, false);
});

test('cells and estimate', () => {
  assert.equal(cellCount(2, 2, 1), 4);
  assert.equal(cellCount(0, 5, 3), 0);
  assert.equal(estimateMs(4, 30, 100), 12_000);
  assert.equal(estimateMs(4, 30, null), null);
});

const g = (id: number, over: Partial<GarmentFields> = {}): GarmentFields => ({
  id, sku: `S${id}`, name: `G${id}`, category: 'upper_body', colourway: null, season: null, tags: [], ...over,
});

test('bulk edit: only changed fields, tags added and removed per garment, names only for one garment', () => {
  const garments = [g(1, { tags: ['linen', 'summer'], season: 'SS25' }), g(2, { tags: ['basics'] })];
  const patches = bulkPatches(garments, { season: 'SS25', addTags: ['core'], removeTags: ['summer'], name: 'X' });
  assert.deepEqual(patches, [
    { id: 1, tags: ['core', 'linen'] },
    { id: 2, season: 'SS25', tags: ['basics', 'core'] },
  ]);
  assert.deepEqual(bulkPatches([g(1)], { name: ' New name ', colourway: 'navy' }), [{ id: 1, name: 'New name', colourway: 'navy' }]);
  assert.deepEqual(bulkPatches(garments, {}), [], 'leave-as-is changes nothing');
  assert.deepEqual(bulkPatches([g(3, { colourway: 'red' })], { colourway: '' }), [{ id: 3, colourway: '' }], 'empty clears');
  assert.deepEqual(parseTags('Summer, linen,, summer , Core'), ['summer', 'linen', 'core']);
  assert.equal(commonValue(garments, 'category'), 'upper_body');
  assert.equal(commonValue(garments, 'season'), null);
  assert.deepEqual(tagSummary([g(1, { tags: ['a', 'b'] }), g(2, { tags: ['b', 'c'] })]), { all: ['b'], some: ['a', 'c'] });
});

test('import: guesses from file names, grouping by SKU, and row errors', () => {
  assert.equal(skuFromFile('t-shirt_01.png'), 'T-SHIRT-01');
  assert.equal(nameFromFile('wild_summer_shorts_natha_01.png'), 'Wild summer shorts natha 01');
  assert.equal(guessCategory('wild_summer_shorts_natha_01.png'), 'lower_body');
  assert.equal(guessCategory('evening-dress.jpg'), 'dresses');
  assert.equal(guessCategory('camicia_in_seta.png'), 'upper_body');

  const a = stageFile({ id: 'f1', name: 'shirt_front.png' });
  const b = { ...stageFile({ id: 'f2', name: 'shirt_back.png' }), sku: 'shirt-front', view: 'back' as const, tags: 'Silk' };
  const c = stageFile({ id: 'f3', name: 'shorts.png' });
  const plan = planImport([a, b, c]);
  assert.equal(plan.errors.size, 0);
  assert.equal(plan.items.length, 2);
  assert.deepEqual(plan.items[0].photos, [{ file: 'f1', type: 'flat-lay', view: 'front' }, { file: 'f2', type: 'flat-lay', view: 'back' }]);
  assert.deepEqual(plan.items[0].tags, ['silk']);
  assert.equal(plan.items[1].category, 'lower_body');

  const bad = planImport([{ ...a, sku: ' ' }, { ...c, name: '' }, { ...b, category: 'dresses' }, { ...stageFile({ id: 'f4', name: 'x.png' }), sku: 'SHIRT-FRONT' }], new Set(['TAKEN']));
  assert.equal(bad.errors.get('f1'), 'SKU is empty');
  assert.equal(bad.errors.get('f3'), 'Name is empty');
  assert.match(bad.errors.get('f2')!, /different categories/);
  assert.equal(planImport([{ ...a, sku: 'taken' }], new Set(['TAKEN'])).errors.get('f1'), 'SKU taken is already in the catalog');
});

test('errors read as one sentence: no stack, no prefix, a hint for unreachable hosts', () => {
  const withStack = new Error('Error: disk full\n    at write (file.ts:1:1)\n    at main (x.ts:2:2)');
  assert.equal(readableError(withStack, 'save the mask'), 'Could not save the mask: disk full');
  assert.equal(readableError(new ApiCallError({ name: 'ConflictError', message: 'SKU TS-01 exists', kind: 'conflict' })), 'SKU TS-01 exists');
  assert.match(readableError(new ApiCallError({ name: 'E', message: "'garments:list' got no answer in 30000 ms", kind: 'unavailable' })), /not reachable/);
  assert.equal(readableError({}), 'Something went wrong.');
  assert.equal(readableError('plain'), 'plain');
  assert.equal(readableError(new Error('x'.repeat(1000))).length, 400);
});

test('formatting', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(5_719_900), '5.5 MB');
  assert.equal(formatBytes(4 * 1024 ** 3), '4.0 GB');
  assert.equal(formatDuration(null), '–');
  assert.equal(formatDuration(400), '< 1 s');
  assert.equal(formatDuration(45_000), '45 s');
  assert.equal(formatDuration(200_000), '3 min 20 s');
  assert.equal(formatDuration(2 * 3600_000 + 5 * 60_000), '2 h 5 min');
  assert.equal(plural(1, 'cell'), '1 cell');
  assert.equal(plural(1200, 'cell'), '1,200 cells');
});

test('shortcuts: modifiers must match, scopes are more specific first, letters do not fire in text fields', () => {
  assert.ok(matches('Mod+Z', { key: 'z', ctrlKey: true }));
  assert.ok(matches('Mod+Z', { key: 'Z', metaKey: true }));
  assert.ok(!matches('Mod+Z', { key: 'z', ctrlKey: true, shiftKey: true }));
  assert.ok(matches('Mod+Shift+Z', { key: 'Z', ctrlKey: true, shiftKey: true }));
  assert.ok(matches('?', { key: '?', shiftKey: true }), 'symbols ignore Shift (layout dependent)');
  assert.ok(matches('Shift+1', { key: '!', shiftKey: true }));
  assert.ok(!matches('B', { key: 'b', altKey: true }));

  assert.equal(findShortcut({ key: 'e' }, ['global', 'mask-editor'], false)?.id, 'eraser');
  assert.equal(findShortcut({ key: 'e' }, ['global', 'garments'], false)?.id, 'edit-selected');
  assert.equal(findShortcut({ key: 'e' }, ['global', 'mask-editor'], true), null, 'typing an "e" in a field');
  assert.equal(findShortcut({ key: 'Escape' }, ['global'], true)?.id, 'close');
  assert.equal(findShortcut({ key: '3' }, ['global'], false)?.id, 'go-model-photos');
  assert.deepEqual(displayKeys('Mod+Shift+Z', true), ['⌘', '⇧', 'Z']);
  assert.deepEqual(displayKeys('Mod+Shift+Z', false), ['Ctrl', 'Shift', 'Z']);
  // No two shortcuts of one scope share keys.
  const seen = new Set<string>();
  for (const s of SHORTCUTS) {
    const key = `${s.scope} ${s.keys}`;
    assert.ok(!seen.has(key), `duplicate ${key}`);
    seen.add(key);
  }
});
