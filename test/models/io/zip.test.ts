import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, crc32Fallback } from '../../../models/io/crc32.ts';
import { writePth } from '../../../models/io/pth-writer.ts';
import { openPth } from '../../../models/io/pth.ts';
import { keysAndClose, tempDir } from './helpers.ts';

test('CRC-32: the standard check value, and the fallback agrees with the runtime one', () => {
  const check = Buffer.from('123456789');
  assert.equal(crc32(check), 0xcbf43926);
  assert.equal(crc32Fallback(check), 0xcbf43926);
  const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) & 0xff));
  assert.equal(crc32Fallback(data.subarray(600), crc32Fallback(data.subarray(0, 600))), crc32(data));
});

test('a zip with an archive comment is still found (the End Of Central Directory search skips it)', () => {
  const dir = tempDir();
  const p = join(dir, 'c.pth');
  writePth(p, [{ name: 'x', dtype: 'F32', shape: [1], data: Float32Array.from([1]) }]);
  const b = readFileSync(p);
  const comment = Buffer.from('written by a tool that likes comments PK\x05\x06');
  b.writeUInt16LE(comment.length, b.length - 2);
  writeFileSync(p, Buffer.concat([b, comment]));
  assert.deepEqual(keysAndClose(openPth(p)), ['x']);
});
