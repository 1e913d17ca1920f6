import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { crc32 } from '../../../models/io/crc32.ts';
import { insertPngText, parsePngText } from '../../../models/image/png_text.ts';
import { encodePng, readPngText, writePng } from '../../../models/image/write_png.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir();
after(() => tmp.cleanup());

function gradient(w: number, h: number): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d.set([x * 4, y * 4, 128], (y * w + x) * 3);
  return d;
}

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  // Incremental update equals one pass.
  const a = new TextEncoder().encode('IEND');
  assert.equal(crc32(a.subarray(2), crc32(a.subarray(0, 2))), crc32(a));
  assert.equal(crc32(a), 0xae426082); // the CRC every PNG's IEND chunk carries
});

test('writePng embeds text chunks that read back, and the file still decodes with sharp', async () => {
  const path = join(tmp.dir, 'result.png');
  const rgb = gradient(48, 64);
  const text = {
    'leffa:settings': JSON.stringify({ model: 'viton_hd', steps: 30, guidance: 2.5, seed: 42, repaint: false }),
    Software: 'Leffa Studio 0.1.0',
    'Comment ü': 'Latin-1 keyword and value: café',
    Title: 'Unicode → iTXt: 試着 👗',
  };
  await writePng(path, rgb, 48, 64, { text });
  assert.deepEqual(await readPngText(path), text);

  // Latin-1 values use tEXt, the Unicode one iTXt.
  const bytes = readFileSync(path);
  assert.ok(bytes.includes(Buffer.from('tEXtSoftware\0Leffa Studio 0.1.0', 'latin1')));
  assert.ok(bytes.includes(Buffer.from('iTXtTitle\0\0\0\0\0', 'latin1')));

  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [48, 64, 3]);
  assert.deepEqual(new Uint8Array(data), rgb);
  // No temp files left behind; writing again replaces the file.
  await writePng(path, rgb, 48, 64, { text: { Software: 'v2' } });
  assert.deepEqual(await readPngText(path), { Software: 'v2' });
  assert.deepEqual(readdirSync(tmp.dir).filter((n) => n.startsWith('.')), []);
});

test('reads zTXt and compressed iTXt written by other tools; rejects corrupt CRCs', async () => {
  const plain = await encodePng(gradient(4, 4), 4, 4);
  assert.deepEqual(parsePngText(plain), {});
  // Hand-built zTXt (keyword NUL method zlib) and compressed iTXt chunks.
  const chunk = (type: string, data: Buffer) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const z = chunk('zTXt', Buffer.concat([Buffer.from('parameters\0\0', 'latin1'), deflateSync(Buffer.from('steps: 30, seed: 42', 'latin1'))]));
  const i = chunk('iTXt', Buffer.concat([Buffer.from('Description\0\x01\0en\0\0', 'latin1'), deflateSync(Buffer.from('試着', 'utf8'))]));
  const png = Buffer.concat([plain.subarray(0, 33), z, i, plain.subarray(33)]); // after the 8 + 25-byte IHDR
  assert.deepEqual(parsePngText(png), { parameters: 'steps: 30, seed: 42', Description: '試着' });

  const bad = Buffer.from(insertPngText(plain, { a: 'b' }));
  bad[bad.indexOf('tEXt') + 5] ^= 0xff; // flip a data byte of the text chunk
  const badPath = join(tmp.dir, 'bad.png');
  writeFileSync(badPath, bad);
  await assert.rejects(readPngText(badPath), /bad\.png: corrupt PNG \(chunk tEXt at byte \d+: CRC 0x[0-9a-f]{8}, expected 0x[0-9a-f]{8}\)/);
  assert.throws(() => parsePngText(Buffer.from('GIF89a')), /not a PNG file/);
});

test('keyword and value rules are enforced with clear errors', async () => {
  const rgb = gradient(2, 2);
  await assert.rejects(encodePng(rgb, 2, 2, { text: { '': 'x' } }), /keyword "" is invalid/);
  await assert.rejects(encodePng(rgb, 2, 2, { text: { ' lead': 'x' } }), /keyword " lead" is invalid/);
  await assert.rejects(encodePng(rgb, 2, 2, { text: { ['k'.repeat(80)]: 'x' } }), /is invalid: expected 1–79 printable Latin-1/);
  await assert.rejects(encodePng(rgb, 2, 2, { text: { k: 'a\0b' } }), /contains a NUL character/);
  await assert.rejects(encodePng(rgb, 3, 2), /rgb must be a Uint8Array of width·height·3 = 18 bytes, got 12/);
  await assert.rejects(writePng(join(tmp.dir, 'no/such/dir/x.png'), rgb, 2, 2), /writePng: cannot create a file in .*no\/such\/dir/);
});
