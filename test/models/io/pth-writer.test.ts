// writePth → openPth round trips, including what torch.save produces for views: several tensors sharing
// one storage, storage offsets, non-contiguous strides, and ZIP64 records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openPth } from '../../../models/io/pth.ts';
import { buildPthEntries, writePth, type PthTensor } from '../../../models/io/pth-writer.ts';
import { writeStoredZip } from '../../../models/io/zip-writer.ts';
import { ZipArchive } from '../../../models/io/zip-reader.ts';
import { RandomAccessFile } from '../../../models/io/file-reader.ts';
import { openSafetensors } from '../../../models/io/safetensors.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { bytesOf, expectCheckpointError, tempDir } from './helpers.ts';

const dir = tempDir();

const PLAIN: PthTensor[] = [
  { name: 'vae.encoder.conv_in.weight', dtype: 'F32', shape: [2, 1, 2, 2], data: Float32Array.from([1, -2, 3.5, 4, 5, 6, 7, 8]) },
  { name: 'f16', dtype: 'F16', shape: [2], data: Uint16Array.from([0x3c00, 0xc000]) },
  { name: 'bf16', dtype: 'BF16', shape: [2], data: Uint16Array.from([0x3f80, 0x4049]) },
  { name: 'f64', dtype: 'F64', shape: [1], data: Float64Array.from([0.1]) },
  { name: 'num_batches_tracked', dtype: 'I64', shape: [], data: BigInt64Array.from([1n << 40n]) },
  { name: 'i32', dtype: 'I32', shape: [2], data: Int32Array.from([-1, 2 ** 31 - 1]) },
  { name: 'i16', dtype: 'I16', shape: [1], data: Int16Array.from([-300]) },
  { name: 'i8', dtype: 'I8', shape: [1], data: Int8Array.from([-5]) },
  { name: 'u8', dtype: 'U8', shape: [2], data: Uint8Array.from([0, 255]) },
  { name: 'mask', dtype: 'BOOL', shape: [3], data: Uint8Array.from([1, 0, 1]) },
  { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
];

function entryNames(path: string): string[] {
  const f = new RandomAccessFile(path, 'zip');
  try { return new ZipArchive(f, 'zip').entries.map((e) => e.name); } finally { f.close(); }
}

function expectSame(path: string, tensors: PthTensor[]): void {
  const src = openPth(path);
  assert.deepEqual(src.keys(), tensors.map((t) => t.name));
  for (const t of tensors) {
    const r = src.read(t.name);
    assert.equal(r.dtype, t.dtype, t.name);
    assert.deepEqual(r.shape, t.shape, t.name);
    assert.ok(bytesOf(r.data).equals(bytesOf(t.data)), t.name);
  }
  src.close();
}

test('every dtype round-trips through writePth / openPth', () => {
  const p = join(dir, 'plain.pth');
  writePth(p, PLAIN);
  expectSame(p, PLAIN);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('the archive looks like torch.save output: <stem>/ entries, 64-byte aligned data, version 3', () => {
  const p = join(dir, 'virtual_tryon.pth');
  writePth(p, PLAIN.slice(0, 3));
  const b = readFileSync(p);
  // Walk the local headers in file order.
  const names: string[] = [];
  let at = 0;
  while (b.readUInt32LE(at) === 0x04034b50) {
    const size = b.readUInt32LE(at + 22);
    const nameLen = b.readUInt16LE(at + 26);
    const extraLen = b.readUInt16LE(at + 28);
    names.push(b.toString('utf8', at + 30, at + 30 + nameLen));
    const data = at + 30 + nameLen + extraLen;
    assert.equal(data % 64, 0, `${names.at(-1)} data at ${data}`);
    assert.equal(b.readUInt16LE(at + 8), 0, 'stored');
    at = data + size;
  }
  assert.deepEqual(names, ['virtual_tryon/data.pkl', 'virtual_tryon/data/0', 'virtual_tryon/data/1', 'virtual_tryon/data/2', 'virtual_tryon/version']);
  // The pickle names exactly the globals torch.load(weights_only=True) accepts.
  for (const g of ['collections\nOrderedDict\n', 'torch._utils\n_rebuild_tensor_v2\n', 'torch\nFloatStorage\n', 'torch\nHalfStorage\n']) assert.ok(b.includes(g), g);
  assert.equal(entryNames(p).length, 5);
  expectSame(p, PLAIN.slice(0, 3));
});

test('views sharing one storage, with offsets and non-contiguous strides, read back correctly', () => {
  const base = Float32Array.from({ length: 24 }, (_, i) => i);
  const p = join(dir, 'views.pth');
  writePth(p, [
    { name: 'whole', shape: [4, 6], storage: 's' },
    { name: 'transposed', shape: [6, 4], storage: 's', stride: [1, 6] },
    { name: 'row2', shape: [6], storage: 's', storageOffset: 12 },
    { name: 'column3', shape: [4], storage: 's', storageOffset: 3, stride: [6] },
    { name: 'expanded', shape: [3, 2], storage: 's', storageOffset: 22, stride: [0, 1] },
    { name: 'own', dtype: 'F32', shape: [1], data: Float32Array.from([99]) },
  ], { sharedStorages: [{ id: 's', dtype: 'F32', data: base }] });
  const src = openPth(p);
  const get = (k: string): number[] => Array.from(src.readFloat32(k));
  assert.deepEqual(get('whole'), Array.from(base));
  assert.deepEqual(get('transposed'), [0, 6, 12, 18, 1, 7, 13, 19, 2, 8, 14, 20, 3, 9, 15, 21, 4, 10, 16, 22, 5, 11, 17, 23]);
  assert.deepEqual(get('row2'), [12, 13, 14, 15, 16, 17]);
  assert.deepEqual(get('column3'), [3, 9, 15, 21]);
  assert.deepEqual(get('expanded'), [22, 23, 22, 23, 22, 23]);
  assert.deepEqual(get('own'), [99]);
  src.close();
  // One storage entry for the five views plus one for `own`.
  assert.deepEqual(entryNames(p), ['views/data.pkl', 'views/data/0', 'views/data/1', 'views/version']);
});

test('thin strided views of a large storage read through a bounded window', () => {
  const base = Float32Array.from({ length: 4096 }, (_, i) => i);
  const p = join(dir, 'thin.pth');
  writePth(p, [{ name: 'col', shape: [64], storage: 'big', storageOffset: 5, stride: [64] }], { sharedStorages: [{ id: 'big', dtype: 'F32', data: base }] });
  const src = openPth(p, { stridedWindowBytes: 1024 });
  assert.deepEqual(Array.from(src.readFloat32('col')), Array.from({ length: 64 }, (_, i) => 5 + 64 * i));
  src.close();
});

test('forceZip64 writes ZIP64 records that read back the same', () => {
  const p = join(dir, 'zip64.pth');
  writePth(p, PLAIN, { forceZip64: true });
  const b = readFileSync(p);
  assert.ok(b.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), 'ZIP64 end of central directory record');
  assert.ok(b.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07])), 'ZIP64 locator');
  assert.equal(b.readUInt32LE(b.length - 22 + 16), 0xffffffff, 'EOCD defers the central directory offset to ZIP64');
  expectSame(p, PLAIN);
});

test('entries beyond 4 GiB (sparse file) are found through ZIP64 offsets', { skip: process.platform === 'win32' && 'no sparse files by default' }, () => {
  const p = join(dir, 'beyond4g.pth');
  writeStoredZip(p, buildPthEntries(p, PLAIN.slice(0, 2)), { leadingHoleBytes: 5 * 2 ** 30, label: 'pth' });
  const st = statSync(p);
  assert.ok(st.size > 5 * 2 ** 30);
  expectSame(p, PLAIN.slice(0, 2));
});

test('the fixture state dict survives openPth → writePth → openPth bit for bit', () => {
  const src = openSafetensors(`${fixturesDir}/leffa-tiny/weights.safetensors`);
  const tensors = src.keys().map((k) => src.read(k) as PthTensor);
  src.close();
  const p = join(dir, 'export.pth');
  writePth(p, tensors);
  expectSame(p, tensors);
});

test('writePth validates its input', () => {
  const p = join(dir, 'bad.pth');
  expectCheckpointError(() => writePth(p, [{ ...PLAIN[0]!, shape: [3] }]), p, 'data has 8 elements, expected 3');
  expectCheckpointError(() => writePth(p, [PLAIN[1]!, PLAIN[1]!]), 'given twice');
  expectCheckpointError(() => writePth(p, [{ name: 'v', shape: [2], storage: 'nope' }]), 'shared storage "nope", which is not in sharedStorages');
  expectCheckpointError(() => writePth(p, [{ name: 'v', shape: [3], storage: 's', storageOffset: 2 }], { sharedStorages: [{ id: 's', dtype: 'F32', data: new Float32Array(4) }] }),
    'reaches element 4, but storage "s" has 4');
  expectCheckpointError(() => writePth(p, [{ ...PLAIN[0]!, data: new Float64Array(8) }]), 'expected a Float32Array for F32');
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('bad')), []);
});
