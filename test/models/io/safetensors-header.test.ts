// Bad safetensors headers: each must be refused at open with a message naming the file, the key and
// the received value / expectation.
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSafetensors } from '../../../models/io/safetensors.ts';
import { expectCheckpointError, tempDir } from './helpers.ts';

const dir = tempDir();
let n = 0;

/** A file with the given header text (padded to 8) followed by `dataBytes` zero bytes. */
function file(header: string, dataBytes = 16): string {
  const h = Buffer.from(header.padEnd(Math.ceil(header.length / 8) * 8, ' '));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  const p = join(dir, `h${n++}.safetensors`);
  writeFileSync(p, Buffer.concat([len, h, Buffer.alloc(dataBytes)]));
  return p;
}

const entry = (e: object): string => JSON.stringify({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 8], ...e } });

test('truncated, tiny and oversized headers are refused', () => {
  const tiny = join(dir, 'tiny.safetensors');
  writeFileSync(tiny, Buffer.from([1, 2, 3]));
  expectCheckpointError(() => openSafetensors(tiny), tiny, 'file is 3 bytes, expected at least 8');
  const huge = join(dir, 'huge.safetensors');
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(0xffff_ffff_ffff_ff00n);
  writeFileSync(huge, b);
  expectCheckpointError(() => openSafetensors(huge), huge, 'header length is 18446744073709551360 bytes, expected at most 8');
  const empty = join(dir, 'empty.safetensors');
  writeFileSync(empty, Buffer.alloc(8));
  expectCheckpointError(() => openSafetensors(empty), 'header length is 0 bytes, expected at least 2');
});

test('a header that is not a JSON object is refused', () => {
  expectCheckpointError(() => openSafetensors(file('{"t": ')), 'header is not valid JSON');
  expectCheckpointError(() => openSafetensors(file('[1, 2]')), 'header is [1,2], expected a JSON object');
  expectCheckpointError(() => openSafetensors(file('null')), 'header is null, expected a JSON object');
});

test('entries with missing or mistyped fields are refused, naming key, value and expectation', () => {
  const p1 = file(JSON.stringify({ t: 5 }));
  expectCheckpointError(() => openSafetensors(p1), p1, 'tensor "t": entry is 5, expected {"dtype", "shape", "data_offsets"}');
  expectCheckpointError(() => openSafetensors(file(entry({ dtype: 'F8_E4M3' }))), 'tensor "t": dtype is "F8_E4M3", expected one of F64, F32');
  expectCheckpointError(() => openSafetensors(file(entry({ dtype: undefined }))), 'dtype is undefined');
  expectCheckpointError(() => openSafetensors(file(entry({ shape: [2.5] }))), 'shape is [2.5], expected an array of non-negative integers');
  expectCheckpointError(() => openSafetensors(file(entry({ shape: '2' }))), 'shape is "2"');
  expectCheckpointError(() => openSafetensors(file(entry({ data_offsets: [0] }))), 'data_offsets is [0], expected [begin, end]');
  expectCheckpointError(() => openSafetensors(file(entry({ data_offsets: [-8, 0] }))), 'data_offsets is [-8,0]');
  expectCheckpointError(() => openSafetensors(file(entry({ data_offsets: [8, 0] }))), 'expected begin <= end');
  expectCheckpointError(() => openSafetensors(file(entry({ data_offsets: [0, 12] }))), 'span 12 bytes, expected 8 for F32[2]');
  const meta = file(JSON.stringify({ __metadata__: { a: 1 } }));
  expectCheckpointError(() => openSafetensors(meta), meta, '__metadata__.a is 1, expected a string');
  expectCheckpointError(() => openSafetensors(file(JSON.stringify({ __metadata__: [] }))), '__metadata__ is [], expected an object of strings');
});

test('offsets beyond the data block or overlapping another tensor are refused', () => {
  const beyond = file(entry({ data_offsets: [16, 24] }), 16);
  const e = expectCheckpointError(() => openSafetensors(beyond), beyond, 'tensor "t": data_offsets [16, 24] end beyond the data block of 16 bytes');
  if (e.key !== 't') throw new Error(`key is ${e.key}`);
  const overlap = file(JSON.stringify({
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
  }));
  expectCheckpointError(() => openSafetensors(overlap), 'tensor "b": data_offsets [4, 12] overlap tensor "a" at [0, 8]');
});

test('a header that is not UTF-8 is refused', () => {
  const p = join(dir, 'latin1.safetensors');
  const h = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d, 0x20]); // {"\xff":1}
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(8n);
  writeFileSync(p, Buffer.concat([len, h]));
  expectCheckpointError(() => openSafetensors(p), 'header is not valid UTF-8');
});
