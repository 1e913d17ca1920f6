// Damaged or unusual .pth files must fail with a CheckpointError that names the file, the key or entry,
// the value found and what was expected, and never with a crash or a raw RangeError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPth } from '../../../models/io/pth.ts';
import { writePth } from '../../../models/io/pth-writer.ts';
import { CheckpointError } from '../../../models/io/errors.ts';
import { PickleWriter } from '../../../models/io/pickle-writer.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { craftPth, statePickle } from './pth-craft.ts';
import { expectCheckpointError, keysAndClose, tempDir } from './helpers.ts';

const dir = tempDir();
const fixture = `${fixturesDir}/leffa-tiny/weights.pth`;
const one = (numel: number, size: number[], stride: number[], offset = 0) => statePickle([{ name: 'conv.weight', key: '0', numel, size, stride, offset }]);

test('the fixture cut short at several points is refused as truncated', () => {
  const full = readFileSync(fixture);
  for (const cut of [0, 1, 21, 1000, Math.floor(full.length / 2), full.length - 100, full.length - 23, full.length - 1]) {
    const p = join(dir, `cut-${cut}.pth`);
    writeFileSync(p, full.subarray(0, cut));
    expectCheckpointError(() => openPth(p), p, /truncated/);
  }
});

test('files that are not zip archives are refused', () => {
  expectCheckpointError(() => openPth(`${fixturesDir}/leffa-tiny/weights.safetensors`), 'no zip End Of Central Directory record', 'expected a checkpoint written by torch.save');
  expectCheckpointError(() => openPth(join(dir, 'absent.pth')), 'absent.pth', 'cannot open');
  expectCheckpointError(() => openPth(dir), 'is a directory');
});

/** Rewrites bytes of a written file: `edit` gets the whole buffer. */
function patched(src: string, name: string, edit: (b: Buffer) => void): string {
  const b = readFileSync(src);
  edit(b);
  const p = join(dir, name);
  writeFileSync(p, b);
  return p;
}

/** Offsets of every occurrence of `s` in `b`. */
function occurrences(b: Buffer, s: string): number[] {
  const out: number[] = [];
  for (let i = b.indexOf(s); i >= 0; i = b.indexOf(s, i + 1)) out.push(i);
  return out;
}

const base = join(dir, 'base.pth');
writePth(base, [
  { name: 'conv.weight', dtype: 'F32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
  { name: 'conv.bias', dtype: 'F32', shape: [2], data: Float32Array.from([5, 6]) },
]);

test('a missing storage entry is named with the tensor that needs it', () => {
  // Rename base/data/1 to base/data/X in both the local header and the central directory.
  const p = patched(base, 'missing.pth', (b) => { for (const i of occurrences(b, 'base/data/1')) b.write('X', i + 10); });
  expectCheckpointError(() => openPth(p), p, 'tensor "conv.bias" uses storage "1", but the archive has no entry base/data/1');
});

test('compressed (deflate) entries are refused with a clear message', () => {
  // Set the method of data.pkl to 8 in the local and central headers (at +8 / +10 from their starts).
  const p = patched(base, 'deflate.pth', (b) => {
    const [local, central] = occurrences(b, 'base/data.pkl');
    b.writeUInt16LE(8, local! - 30 + 8);
    b.writeUInt16LE(8, central! - 46 + 10);
  });
  expectCheckpointError(() => openPth(p), 'entry "base/data.pkl" is compressed (method 8, deflate); only uncompressed "stored" entries');
});

test('a corrupted pickle fails its CRC check', () => {
  const p = patched(base, 'crc.pth', (b) => { const i = b.indexOf('conv.weight'); b.write('k', i); });
  expectCheckpointError(() => openPth(p), 'entry "base/data.pkl": CRC-32 is', 'corrupt file');
});

test('storages too short for their numel, or views reaching past their storage, are refused', () => {
  const short = join(dir, 'short.pth');
  craftPth(short, one(10, [10], [1]), { 0: new Uint8Array(8) });
  expectCheckpointError(() => openPth(short), short, 'storage entry w/data/0 is 8 bytes, expected at least 40 (FloatStorage of 10 elements)');
  const past = join(dir, 'past.pth');
  craftPth(past, one(10, [4, 2], [2, 1], 3), { 0: new Uint8Array(40) });
  expectCheckpointError(() => openPth(past), 'tensor "conv.weight" (size [4,2], stride [2,1], storage offset 3) reaches element 10 of storage "0", which holds only 10 elements');
});

test('corrupt pickles: truncated, unknown opcode, wrong structure', () => {
  const full = one(4, [4], [1]);
  const cases: [string, Uint8Array, string][] = [
    ['truncated', full.subarray(0, full.length - 20), 'truncated or corrupt pickle'],
    ['no-stop', full.subarray(0, full.length - 1), 'ends without a STOP opcode'],
    ['inst', Buffer.from([0x80, 0x02, 0x69, ...Buffer.from('os\nsystem\n'), 0x2e]), "unknown or unsupported pickle opcode 0x69 'i' (INST)"],
    ['proto9', Buffer.from([0x80, 0x09, 0x4e, 0x2e]), 'pickle protocol 9, expected 2..5'],
    ['underflow', Buffer.from([0x80, 0x02, 0x73, 0x2e]), 'stack underflow'],
    ['list-root', new PickleWriter().proto(2).mark().tuple().stop().bytes(), 'the pickle holds [], expected an OrderedDict state dict'],
    ['bad-pid', Buffer.from([0x80, 0x02, 0x4b, 0x01, 0x51, 0x2e]), 'persistent id 1, expected (\'storage\''],
    ['memo', Buffer.from([0x80, 0x02, 0x68, 0x07, 0x2e]), 'memo key 7 was never stored'],
  ];
  for (const [name, pkl, message] of cases) {
    const p = join(dir, `pkl-${name}.pth`);
    craftPth(p, pkl, { 0: new Uint8Array(16) });
    expectCheckpointError(() => openPth(p), p, 'w/data.pkl', message);
  }
});

test('a nested {"state_dict": ...} checkpoint is refused with advice', () => {
  const pk = new PickleWriter().proto(2).emptyDict().str('state_dict').emptyDict().raw(Buffer.from([0x73])).stop();
  const p = join(dir, 'nested.pth');
  craftPth(p, pk.bytes());
  expectCheckpointError(() => openPth(p), 'state dict entry "state_dict" is dict(0 items), expected a tensor; nested checkpoints');
});

test('archives without data.pkl, or with big-endian byte order, are refused', () => {
  const p = join(dir, 'nopkl.pth');
  craftPth(p, one(1, [1], [1]), {}, {}, 'a/b'); // data.pkl one folder too deep
  expectCheckpointError(() => openPth(p), 'no <folder>/data.pkl entry among');
  const q = join(dir, 'big-endian.pth');
  craftPth(q, one(1, [1], [1]), { 0: new Uint8Array(4) }, { byteorder: Buffer.from('big') });
  expectCheckpointError(() => openPth(q), 'w/byteorder is "big", expected "little"');
  // Extra entries of newer torch versions are fine.
  const r = join(dir, 'newer.pth');
  craftPth(r, one(1, [1], [1]), { 0: new Uint8Array(4) }, { byteorder: Buffer.from('little'), version: Buffer.from('3\n'), '.data/serialization_id': Buffer.from('123') });
  assert.deepEqual(keysAndClose(openPth(r)), ['conv.weight']);
});

test('random byte damage never escapes as anything but a CheckpointError', () => {
  const good = readFileSync(base);
  let seed = 12345;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  mkdirSync(join(dir, 'fuzz'));
  let failures = 0;
  for (let i = 0; i < 300; i++) {
    const b = Buffer.from(good);
    for (let k = 0; k < 1 + rand(3); k++) b[rand(b.length)] = rand(256);
    const p = join(dir, 'fuzz', `${i}.pth`);
    writeFileSync(p, b);
    try {
      const src = openPth(p);
      try { for (const key of src.keys()) src.read(key); } finally { src.close(); }
    } catch (e) {
      failures++;
      assert.ok(e instanceof CheckpointError, `case ${i}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }
  assert.ok(failures > 0);
});

test('the fixture under another top folder name still loads (the folder is not hard-coded)', () => {
  const p = join(dir, 'renamed.pth');
  copyFileSync(fixture, p);
  const src = openPth(patched(p, 'renamed2.pth', (b) => { for (const i of occurrences(b, 'weights/')) b.write('zzzzzzz/', i); }));
  assert.equal(src.keys().length, 596);
  src.close();
});

test('an expanded (stride 0) tensor too large for any buffer is refused at read, not with a RangeError', () => {
  const p = join(dir, 'expanded.pth');
  craftPth(p, one(1, [1 << 20, 1 << 20], [0, 0]), { 0: new Uint8Array(4) });
  const src = openPth(p);
  expectCheckpointError(() => src.read('conv.weight'), 'tensor "conv.weight" F32[1048576,1048576] is 4398046511104 bytes, more than the largest buffer');
  src.close();
});
