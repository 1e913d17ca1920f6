import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSafetensors, writeSafetensors, type SafetensorsTensor } from '../../../models/io/safetensors.ts';
import { bytesOf, expectCheckpointError, keysAndClose, tempDir } from './helpers.ts';

const dir = tempDir();

const TENSORS: SafetensorsTensor[] = [
  // Integer-like names first in the wrong numeric order: the file must keep the given order.
  { name: '10', dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  { name: '2', dtype: 'I64', shape: [2], data: BigInt64Array.from([-1n, 1n << 40n]) },
  { name: 'unet.conv_in.weight', dtype: 'F16', shape: [3], data: Uint16Array.from([0x3c00, 0xc000, 0x3555]) },
  { name: 'b', dtype: 'BF16', shape: [1, 2], data: Uint16Array.from([0x3f80, 0x4049]) },
  { name: 'u8', dtype: 'U8', shape: [3], data: Uint8Array.from([0, 127, 255]) },
  { name: 'scalar', dtype: 'F64', shape: [], data: Float64Array.from([Math.PI]) },
  { name: 'empty', dtype: 'F32', shape: [0, 5], data: new Float32Array(0) },
  { name: 'i32', dtype: 'I32', shape: [1], data: Int32Array.from([-7]) },
];

test('writeSafetensors → openSafetensors round-trips names, order, dtypes, shapes, bytes and metadata', () => {
  const p = join(dir, 'round.safetensors');
  writeSafetensors(p, TENSORS, { format: 'pt', note: 'ünïcode' });
  const src = openSafetensors(p);
  assert.deepEqual(src.keys(), TENSORS.map((t) => t.name));
  assert.deepEqual(src.metadata, { format: 'pt', note: 'ünïcode' });
  for (const t of TENSORS) {
    const r = src.read(t.name);
    assert.equal(r.dtype, t.dtype);
    assert.deepEqual(r.shape, t.shape);
    assert.ok(bytesOf(r.data).equals(bytesOf(t.data)), t.name);
  }
  // F16 / BF16 through readFloat32, against hand-computed values.
  assert.deepEqual(Array.from(src.readFloat32('unet.conv_in.weight')), [1, -2, 0.333251953125]);
  assert.deepEqual(Array.from(src.readFloat32('b')), [1, 3.140625]);
  expectCheckpointError(() => src.readFloat32('2'), 'dtype I64 is not a floating-point type', p);
  src.close();
  expectCheckpointError(() => src.read('10'), 'after close()', p);
});

test('the header is padded with spaces to a multiple of 8 and the data block follows it', () => {
  const p = join(dir, 'layout.safetensors');
  writeSafetensors(p, TENSORS.slice(0, 2));
  const b = readFileSync(p);
  const n = Number(b.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const header = b.subarray(8, 8 + n).toString('utf8');
  assert.match(header, /^\{.*\} *$/);
  const json = JSON.parse(header);
  assert.deepEqual(json['10'], { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
  assert.deepEqual(json['2'], { dtype: 'I64', shape: [2], data_offsets: [24, 40] });
  assert.equal(b.length, 8 + n + 40);
});

test('writes are atomic: no temporary file is left, and a failed write leaves nothing', () => {
  const p = join(dir, 'atomic.safetensors');
  writeSafetensors(p, TENSORS);
  writeSafetensors(p, TENSORS.slice(0, 1)); // overwrite in place
  assert.deepEqual(keysAndClose(openSafetensors(p)), ['10']);
  expectCheckpointError(() => writeSafetensors(join(dir, 'no-such-dir', 'x.safetensors'), TENSORS), 'cannot create the temporary file');
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('writeSafetensors validates its input before writing', () => {
  const p = join(dir, 'bad.safetensors');
  expectCheckpointError(() => writeSafetensors(p, [{ ...TENSORS[0]!, shape: [4] }]), 'tensor "10": data has 6 elements, expected 4');
  expectCheckpointError(() => writeSafetensors(p, [{ ...TENSORS[0]!, dtype: 'F16' }]), 'expected a Uint16Array for F16');
  expectCheckpointError(() => writeSafetensors(p, [TENSORS[0]!, TENSORS[0]!]), 'given twice');
  expectCheckpointError(() => writeSafetensors(p, [], { n: 3 as unknown as string }), 'metadata.n is 3, expected a string');
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('bad')), []);
});

test('missing tensors and missing files give errors naming the file and the key', () => {
  const p = join(dir, 'round.safetensors');
  writeSafetensors(p, TENSORS);
  const src = openSafetensors(p);
  expectCheckpointError(() => src.read('nope'), p, 'no tensor named "nope"');
  expectCheckpointError(() => src.info('nope'), p, '"nope"');
  assert.equal(src.has('nope'), false);
  src.close();
  expectCheckpointError(() => openSafetensors(join(dir, 'absent.safetensors')), 'absent.safetensors', 'cannot open');
  expectCheckpointError(() => openSafetensors(dir), 'is a directory');
});
