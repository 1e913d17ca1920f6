// Garment edits over the API: garments:update changes SKU (unique: a conflict names the SKU), name and
// category; garments:bulkUpdate sets category and colourway on many garments in one transaction. The
// search index follows a SKU change (FTS trigger), and a refused edit changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Garment } from '../../preload/contract.ts';
import { garmentPng, makeHost, type TestHost } from './api-helpers.ts';

let t: TestHost;
let a: Garment;
let b: Garment;
let c: Garment;

before(async () => {
  t = await makeHost();
  await t.ok('project:create', { name: 'Edits' });
  const photos = [{ file: await t.grant(await garmentPng(t.dir, 't-shirt_01')), type: 'flat-lay' as const }];
  const { garments } = await t.ok('garments:import', {
    items: [
      { sku: 'TS-001', name: 'Plain tee', category: 'upper_body', photos },
      { sku: 'TS-002', name: 'Striped tee', category: 'upper_body', colourway: 'navy', photos },
      { sku: 'SK-010', name: 'Skirt', category: 'lower_body', photos },
    ],
  });
  [a, b, c] = garments.map((g) => g.garment) as [Garment, Garment, Garment];
});
after(() => t?.close());

test('garments:update changes SKU, name and category; search finds the new SKU', async () => {
  const g = await t.ok('garments:update', { id: a.id, sku: 'TS-001-R', name: 'Plain tee (reissue)', category: 'dresses' });
  assert.deepEqual([g.sku, g.name, g.category, g.colourway], ['TS-001-R', 'Plain tee (reissue)', 'dresses', null]);
  assert.deepEqual((await t.ok('garments:get', { id: a.id })).garment.sku, 'TS-001-R');
  assert.deepEqual((await t.ok('garments:list', { text: 'TS-001-R' })).items.map((i) => i.id), [a.id]);
  assert.deepEqual((await t.ok('garments:list', { category: 'dresses' })).items.map((i) => i.id), [a.id]);
  // Keeping its own SKU is not a conflict.
  assert.equal((await t.ok('garments:update', { id: a.id, sku: 'TS-001-R' })).sku, 'TS-001-R');
  // Surrounding spaces are trimmed.
  assert.equal((await t.ok('garments:update', { id: a.id, sku: '  TS-001-R ' })).sku, 'TS-001-R');
});

test('garments:update: a SKU another garment has is a conflict naming it, and nothing changes', async () => {
  const e = await t.fails('garments:update', { id: a.id, sku: 'TS-002', name: 'Should not stick' }, 'conflict');
  assert.match(e.message, /"TS-002"/);
  assert.match(e.message, new RegExp(`garment ${b.id} has it`));
  const still = (await t.ok('garments:get', { id: a.id })).garment;
  assert.deepEqual([still.sku, still.name], ['TS-001-R', 'Plain tee (reissue)']);
  await t.fails('garments:update', { id: a.id, category: 'shoes' }, 'validation', /category/);
  await t.fails('garments:update', { id: a.id, sku: '' }, 'validation', /sku/);
  await t.fails('garments:update', { id: 999, sku: 'X' }, 'not_found', /999/);
});

test('garments:bulkUpdate sets category and colourway on every garment, all or nothing', async () => {
  const { garments } = await t.ok('garments:bulkUpdate', { ids: [a.id, b.id], set: { category: 'upper_body', colourway: 'ecru' } });
  assert.deepEqual(garments.map((g) => [g.id, g.category, g.colourway]), [[a.id, 'upper_body', 'ecru'], [b.id, 'upper_body', 'ecru']]);
  const skirt = (await t.ok('garments:get', { id: c.id })).garment;
  assert.deepEqual([skirt.category, skirt.colourway], ['lower_body', null], 'others untouched');
  // Only colourway: category stays.
  const only = await t.ok('garments:bulkUpdate', { ids: [b.id, c.id], set: { colourway: 'black' } });
  assert.deepEqual(only.garments.map((g) => [g.category, g.colourway]), [['upper_body', 'black'], ['lower_body', 'black']]);
  // A missing id refuses the whole edit.
  await t.fails('garments:bulkUpdate', { ids: [a.id, 777], set: { category: 'dresses' } }, 'not_found', /777/);
  assert.equal((await t.ok('garments:get', { id: a.id })).garment.category, 'upper_body');
  await t.fails('garments:bulkUpdate', { ids: [a.id], set: { category: 'hats' } }, 'validation');
});
