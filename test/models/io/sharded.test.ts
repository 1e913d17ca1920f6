import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openShardedSafetensors, openSharded } from '../../../models/io/sharded.ts';
import { writeSafetensors } from '../../../models/io/safetensors.ts';
import { openPth } from '../../../models/io/pth.ts';
import { writePth } from '../../../models/io/pth-writer.ts';
import { bytesOf, expectCheckpointError, tempDir } from './helpers.ts';

const dir = tempDir();
const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

// Two shards; the weight_map lists names alphabetically, as save_pretrained does.
writeSafetensors(join(dir, 'm-00001-of-00002.safetensors'), [
  { name: 'b.weight', dtype: 'F32', shape: [2], data: f32(1, 2) },
  { name: 'a.weight', dtype: 'F32', shape: [1], data: f32(3) },
]);
writeSafetensors(join(dir, 'm-00002-of-00002.safetensors'), [
  { name: 'c.weight', dtype: 'F32', shape: [2, 1], data: f32(4, 5) },
  { name: 'not.in.map', dtype: 'F32', shape: [1], data: f32(9) },
]);
const weightMap = { 'a.weight': 'm-00001-of-00002.safetensors', 'b.weight': 'm-00001-of-00002.safetensors', 'c.weight': 'm-00002-of-00002.safetensors' };

function index(name: string, body: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
  return p;
}

test('a sharded index presents all shards as one source, in shard then file order', () => {
  const src = openShardedSafetensors(index('m.safetensors.index.json', { metadata: { total_size: 20 }, weight_map: weightMap }));
  assert.deepEqual(src.keys(), ['b.weight', 'a.weight', 'c.weight']);
  assert.deepEqual(src.metadata, { total_size: '20' });
  assert.deepEqual(src.info('c.weight'), { name: 'c.weight', dtype: 'F32', shape: [2, 1] });
  assert.deepEqual(Array.from(src.readFloat32('c.weight')), [4, 5]);
  assert.deepEqual(Array.from(src.readFloat32('a.weight')), [3]);
  assert.equal(src.has('not.in.map'), false); // only what the index maps
  src.close();
});

test('a missing shard is reported with the shard and a key that needs it', () => {
  const p = index('missing.safetensors.index.json', { weight_map: { ...weightMap, 'd.weight': 'm-00003-of-00003.safetensors' } });
  expectCheckpointError(() => openShardedSafetensors(p), p, 'shard m-00003-of-00003.safetensors', '"d.weight"', 'cannot open');
});

test('a key mapped to a shard that lacks it is reported', () => {
  const p = index('wrong.safetensors.index.json', { weight_map: { ...weightMap, 'z.weight': 'm-00001-of-00002.safetensors' } });
  expectCheckpointError(() => openShardedSafetensors(p), p, 'maps "z.weight" to shard m-00001-of-00002.safetensors, but that shard has no such tensor');
});

test('malformed indexes are refused', () => {
  expectCheckpointError(() => openShardedSafetensors(index('a.index.json', '{')), 'index is not valid JSON');
  expectCheckpointError(() => openShardedSafetensors(index('b.index.json', { weights: {} })), '"weight_map" is undefined, expected an object');
  expectCheckpointError(() => openShardedSafetensors(index('c.index.json', { weight_map: { x: '../etc/passwd' } })), 'weight_map["x"] is "../etc/passwd", expected the file name of a shard');
  expectCheckpointError(() => openShardedSafetensors(join(dir, 'none.index.json')), 'cannot read the index');
});

test('the same index logic reads sharded .bin (zip pickle) checkpoints', () => {
  writePth(join(dir, 'p-1.bin'), [{ name: 'x', dtype: 'F32', shape: [1], data: f32(7) }]);
  writePth(join(dir, 'p-2.bin'), [{ name: 'y', dtype: 'F32', shape: [1], data: f32(8) }]);
  const src = openSharded(index('p.bin.index.json', { weight_map: { x: 'p-1.bin', y: 'p-2.bin' } }), (s) => openPth(s));
  assert.deepEqual(src.keys(), ['x', 'y']);
  assert.ok(bytesOf(src.read('y').data).equals(bytesOf(f32(8))));
  src.close();
});
